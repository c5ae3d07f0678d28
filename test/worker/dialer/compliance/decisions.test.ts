// The compliance engine's pure decisions at fixed instants (no clock, no D1):
// calling hours at their boundaries in Dubai, Riyadh, Cairo (before, during
// and after its DST), Amman, New York across its DST change and every US zone
// at once; each country's weekend; every check failing alone; the order in
// which several failures block; consent's latest-statement rule.
import { describe, expect, it } from 'vitest';
import { callingHoursVerdict } from '../../../../worker/src/compliance/checks/calling-hours.ts';
import { consentVerdict, type ConsentRecord } from '../../../../worker/src/compliance/checks/consent.ts';
import { decide, BLOCKING_ORDER, unavailableDecision, type CallFacts } from '../../../../worker/src/compliance/decision.ts';
import { resolveRule, ruleVersion, windowsSummary, type RuleSet } from '../../../../worker/src/compliance/rules/effective-rules.ts';
import { DEFAULT_RULES_VERSION } from '../../../../worker/src/compliance/rules/default-rules.ts';
import type { JurisdictionRule } from '../../../../worker/src/compliance/rules/rule-schema.ts';

const DEFAULTS: RuleSet = { revision: null, overrides: {} };
const at = (iso: string) => Date.parse(iso);
const open = (jurisdiction: string, iso: string, set: RuleSet = DEFAULTS) => callingHoursVerdict(at(iso), jurisdiction, resolveRule(set, jurisdiction)).outcome === 'passed';

describe('calling hours at their boundaries, in the callee’s local time', () => {
  it.each([
    // Dubai, UTC+4, Sun–Thu 09:00–18:00. 2026-06-07 is a Sunday.
    ['AE', '2026-06-07T04:59:59Z', false],
    ['AE', '2026-06-07T05:00:00Z', true],
    ['AE', '2026-06-07T13:59:59Z', true],
    ['AE', '2026-06-07T14:00:00Z', false],
    // Riyadh, UTC+3.
    ['SA', '2026-06-07T05:59:59Z', false],
    ['SA', '2026-06-07T06:00:00Z', true],
    ['SA', '2026-06-07T14:59:59Z', true],
    ['SA', '2026-06-07T15:00:00Z', false],
    // Amman, UTC+3 all year since 2022: the same instants in January and July.
    ['JO', '2026-01-04T05:59:59Z', false],
    ['JO', '2026-01-04T06:00:00Z', true],
    ['JO', '2026-07-05T06:00:00Z', true],
    ['JO', '2026-07-05T14:59:59Z', true],
    ['JO', '2026-07-05T15:00:00Z', false],
  ])('%s at %s: open %s', (j, iso, expected) => {
    expect(open(j, iso)).toBe(expected);
  });

  it('Cairo follows its DST: 09:00 local is 07:00Z in winter and 06:00Z in summer', () => {
    // Winter (EET, UTC+2), Sunday 2026-01-04.
    expect(open('EG', '2026-01-04T06:59:59Z')).toBe(false);
    expect(open('EG', '2026-01-04T07:00:00Z')).toBe(true);
    expect(open('EG', '2026-01-04T15:59:59Z')).toBe(true);
    expect(open('EG', '2026-01-04T16:00:00Z')).toBe(false);
    // Summer (EEST, UTC+3), Sunday 2026-07-05.
    expect(open('EG', '2026-07-05T05:59:59Z')).toBe(false);
    expect(open('EG', '2026-07-05T06:00:00Z')).toBe(true);
    expect(open('EG', '2026-07-05T14:59:59Z')).toBe(true);
    expect(open('EG', '2026-07-05T15:00:00Z')).toBe(false);
    // The same 06:30Z on the Thursdays either side of the switch (Friday 2026-04-24).
    expect(open('EG', '2026-04-23T06:30:00Z')).toBe(false); // 08:30 EET
    expect(open('EG', '2026-04-30T06:30:00Z')).toBe(true); // 09:30 EEST
    // And back: the last Thursday of October ends DST at midnight.
    expect(open('EG', '2026-10-29T06:30:00Z')).toBe(true); // 09:30 EEST
    expect(open('EG', '2026-11-05T06:30:00Z')).toBe(false); // 08:30 EET
  });

  it('New York across its DST change, with a tenant rule for that one zone', () => {
    const ny: JurisdictionRule = { timezones: ['America/New_York'], calling_windows: [{ days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], start: '08:00', end: '21:00' }], consent_required: false };
    const set: RuleSet = { revision: 1, overrides: { US: ny } };
    // Friday 2026-03-06, EST (UTC-5).
    expect(open('US', '2026-03-06T12:59:59Z', set)).toBe(false);
    expect(open('US', '2026-03-06T13:00:00Z', set)).toBe(true);
    expect(open('US', '2026-03-07T01:59:59Z', set)).toBe(true); // 20:59:59 Friday
    expect(open('US', '2026-03-07T02:00:00Z', set)).toBe(false);
    // Monday 2026-03-09, EDT (UTC-4) since Sunday.
    expect(open('US', '2026-03-09T11:59:59Z', set)).toBe(false);
    expect(open('US', '2026-03-09T12:00:00Z', set)).toBe(true);
    expect(open('US', '2026-03-10T00:59:59Z', set)).toBe(true);
    expect(open('US', '2026-03-10T01:00:00Z', set)).toBe(false);
    // Monday 2026-11-02, EST again.
    expect(open('US', '2026-11-02T12:59:59Z', set)).toBe(false);
    expect(open('US', '2026-11-02T13:00:00Z', set)).toBe(true);
  });

  it('the default US rule must be open in every US zone at once: 08:00 in Honolulu to 21:00 in New York', () => {
    // Monday 2026-06-08: Honolulu is UTC-10, New York UTC-4.
    expect(open('US', '2026-06-08T17:59:59Z')).toBe(false); // 13:59 in New York, 07:59 in Honolulu
    expect(open('US', '2026-06-08T18:00:00Z')).toBe(true);
    expect(open('US', '2026-06-09T00:59:59Z')).toBe(true);
    expect(open('US', '2026-06-09T01:00:00Z')).toBe(false); // 21:00 in New York
    expect(callingHoursVerdict(at('2026-06-08T12:00:00Z'), 'US', resolveRule(DEFAULTS, 'US')).reason).toBe('Outside permitted calling hours for US (08:00–21:00 daily in every US time zone).');
  });

  it('India 10:00–19:00 every day; the UK 08:00–21:00 Monday to Saturday', () => {
    expect(open('IN', '2026-06-07T04:29:59Z')).toBe(false);
    expect(open('IN', '2026-06-07T04:30:00Z')).toBe(true); // 10:00 IST on a Sunday
    expect(open('IN', '2026-06-07T13:29:59Z')).toBe(true);
    expect(open('IN', '2026-06-07T13:30:00Z')).toBe(false);
    expect(open('GB', '2026-06-08T06:59:59Z')).toBe(false); // 07:59:59 BST
    expect(open('GB', '2026-06-08T07:00:00Z')).toBe(true);
    expect(open('GB', '2026-06-06T12:00:00Z')).toBe(true); // Saturday
    expect(open('GB', '2026-06-07T12:00:00Z')).toBe(false); // Sunday
  });
});

describe('weekends differ by country', () => {
  // Noon in every one of these zones falls inside 09:00–18:00 (UTC+2 … UTC+5:30 at 10:00Z).
  const noonUtc = (day: string) => `${day}T10:00:00Z`;
  const week = { thu: '2026-06-04', fri: '2026-06-05', sat: '2026-06-06', sun: '2026-06-07', mon: '2026-06-08' };

  it.each(['AE', 'SA', 'EG', 'JO', 'KW', 'QA', 'BH', 'OM'])('%s: Sun–Thu open, Fri and Sat closed', (j) => {
    expect(open(j, noonUtc(week.sun))).toBe(true);
    expect(open(j, noonUtc(week.thu))).toBe(true);
    expect(open(j, noonUtc(week.fri))).toBe(false);
    expect(open(j, noonUtc(week.sat))).toBe(false);
  });

  it('GB closes on Sunday only; IN and US are open every day', () => {
    expect([week.fri, week.sat, week.sun].map((d) => open('GB', `${d}T12:00:00Z`))).toEqual([true, true, false]);
    expect([week.fri, week.sat, week.sun].map((d) => open('IN', `${d}T08:00:00Z`))).toEqual([true, true, true]);
    expect([week.fri, week.sat, week.sun].map((d) => open('US', `${d}T20:00:00Z`))).toEqual([true, true, true]);
  });
});

describe('which rule governs', () => {
  it('tenant rule over default over the tenant catch-all; an unlisted country with no catch-all has none (denied)', () => {
    const never: JurisdictionRule = { calling_windows: [], consent_required: false };
    const set: RuleSet = { revision: 4, overrides: { AE: never, '*': { timezones: ['Europe/Paris'], calling_windows: [{ days: ['mon'], start: '09:00', end: '10:00' }], consent_required: true } } };
    expect(resolveRule(set, 'AE')).toMatchObject({ source: 'tenant', rule: never });
    expect(resolveRule(set, 'SA')).toMatchObject({ source: 'default', zones: ['Asia/Riyadh'] });
    expect(resolveRule(set, 'FR')).toMatchObject({ source: 'tenant_catch_all', zones: ['Europe/Paris'] });
    expect(resolveRule(DEFAULTS, 'FR')).toBeNull();
    expect(callingHoursVerdict(at('2026-06-08T08:00:00Z'), 'FR', null)).toEqual({ outcome: 'failed', reason: 'No calling-hours rule for FR; calls are denied until one is set (PUT /v1/compliance/rules/FR).' });
    expect(callingHoursVerdict(at('2026-06-08T08:00:00Z'), null, null).outcome).toBe('failed');
    expect(callingHoursVerdict(at('2026-06-08T08:00:00Z'), 'AE', resolveRule(set, 'AE')).reason).toBe('Outside permitted calling hours for AE (never).');
  });

  it('a catch-all without zones uses every zone of the callee’s country (CLDR)', () => {
    const set: RuleSet = { revision: 1, overrides: { '*': { calling_windows: [{ days: ['mon'], start: '09:00', end: '17:00' }], consent_required: false } } };
    expect(resolveRule(set, 'FR')!.zones).toEqual(['Europe/Paris']);
    expect(resolveRule(set, 'AU')!.zones.length).toBeGreaterThan(3);
    // Looked up once per country (ICU's enumeration is costly per leg), and shared read-only.
    expect(resolveRule(set, 'AU')!.zones).toBe(resolveRule(set, 'AU')!.zones);
    expect(Object.isFrozen(resolveRule(set, 'AU')!.zones)).toBe(true);
  });

  it('rule_version names the defaults, plus the tenant revision when there is one', () => {
    expect(DEFAULT_RULES_VERSION).toBe('2026-06-01');
    expect(ruleVersion(null)).toBe('2026-06-01');
    expect(ruleVersion(3)).toBe('2026-06-01+r3');
  });

  it.each([
    [[{ days: ['sun', 'mon', 'tue', 'wed', 'thu'], start: '09:00', end: '18:00' }], '09:00–18:00 Sun–Thu'],
    [[{ days: ['sat', 'sun', 'mon'], start: '10:00', end: '12:00' }], '10:00–12:00 Sat–Mon'],
    [[{ days: ['mon', 'wed'], start: '08:00', end: '24:00' }], '08:00–24:00 Mon, Wed'],
    [[{ days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], start: '08:00', end: '21:00' }, { days: ['fri'], start: '22:00', end: '23:00' }], '08:00–21:00 daily, 22:00–23:00 Fri'],
    [[], 'never'],
  ] as const)('summarises %j as %s', (windows, text) => {
    expect(windowsSummary(windows as never)).toBe(text);
  });
});

describe('each check failing alone, and the blocking order', () => {
  const sunday = at('2026-06-07T08:00:00Z'); // 12:00 in Dubai
  const clean: CallFacts = {
    nowMs: sunday,
    jurisdiction: 'AE',
    campaignId: null,
    rule: resolveRule(DEFAULTS, 'AE'),
    onTenantDnc: false,
    nationalRegistries: [],
    consents: [],
    cli: { kind: 'number', number: '+97144000000', owned: true },
  };
  const revoked: ConsentRecord = { campaignId: null, status: 'revoked', grantedAt: '2026-01-01T00:00:00Z', expiresAt: null, revokedAt: '2026-02-01T00:00:00Z', createdAt: '2026-01-01T00:00:00Z' };
  const failures: Record<string, Partial<CallFacts>> = {
    calling_hours: { nowMs: at('2026-06-05T08:00:00Z') }, // a Friday
    dnc_national: { nationalRegistries: ['TDRA'] },
    dnc_tenant: { onTenantDnc: true },
    consent: { consents: [revoked] },
    cli_ownership: { cli: { kind: 'number', number: '+97144000001', owned: false } },
  };

  it('passes everything when nothing is wrong', () => {
    expect(decide(clean)).toEqual({
      allowed: true,
      checks: { calling_hours: 'passed', dnc_national: 'passed', dnc_tenant: 'passed', consent: 'passed', cli_ownership: 'passed' },
      blockingRule: null,
      blockingReason: null,
    });
  });

  it.each(Object.entries(failures))('%s alone blocks, with its own reason', (name, change) => {
    const d = decide({ ...clean, ...change });
    expect(d.allowed).toBe(false);
    expect(d.blockingRule).toBe(name);
    expect(Object.entries(d.checks).filter(([, v]) => v !== 'passed')).toEqual([[name, 'failed']]);
    expect(d.blockingReason).toEqual(
      {
        calling_hours: 'Outside permitted calling hours for AE (09:00–18:00 Sun–Thu).',
        dnc_national: 'Number is on the national DNC registry (TDRA).',
        dnc_tenant: 'Number is on your DNC list.',
        consent: 'Consent to call this number was revoked on 2026-02-01.',
        cli_ownership: 'Caller ID +97144000001 is not one of your CLI numbers.',
      }[name],
    );
  });

  it('when several fail, the first in BLOCKING_ORDER blocks: person before configuration before time', () => {
    expect(BLOCKING_ORDER).toEqual(['dnc_national', 'dnc_tenant', 'consent', 'cli_ownership', 'calling_hours']);
    let facts: CallFacts = { ...clean };
    for (const name of BLOCKING_ORDER) facts = { ...facts, ...failures[name] };
    for (const name of BLOCKING_ORDER) {
      const d = decide(facts);
      expect(d.blockingRule).toBe(name);
      // Fix the blocking one; the next in order takes over.
      facts = { ...facts, ...Object.fromEntries(Object.keys(failures[name]!).map((k) => [k, clean[k as keyof CallFacts]])) };
    }
    expect(decide(facts).allowed).toBe(true);
  });

  it('nothing to check is not_applicable, and does not block', () => {
    expect(decide({ ...clean, cli: { kind: 'none' } })).toMatchObject({ allowed: true, checks: { cli_ownership: 'not_applicable' } });
    expect(decide({ ...clean, cli: { kind: 'campaign_group', campaignId: 'c1', numbers: 2 } }).checks.cli_ownership).toBe('passed');
    expect(decide({ ...clean, cli: { kind: 'campaign_group', campaignId: 'c1', numbers: 0 } })).toMatchObject({ allowed: false, blockingRule: 'cli_ownership' });
  });

  it('an undecidable check denies: every check "error", blocking_rule compliance_unavailable', () => {
    expect(unavailableDecision('no answer within 2000 ms')).toEqual({
      allowed: false,
      checks: { calling_hours: 'error', dnc_national: 'error', dnc_tenant: 'error', consent: 'error', cli_ownership: 'error' },
      blockingRule: 'compliance_unavailable',
      blockingReason: 'The compliance check could not be completed (no answer within 2000 ms); calls are denied by default.',
    });
  });
});

describe('consent: the latest applicable statement wins', () => {
  const now = at('2026-06-07T08:00:00Z');
  const grant = (over: Partial<ConsentRecord> = {}): ConsentRecord => ({ campaignId: null, status: 'granted', grantedAt: '2026-03-01T00:00:00Z', expiresAt: null, revokedAt: null, createdAt: '2026-03-01T00:00:00Z', ...over });
  const revoke = (when: string, over: Partial<ConsentRecord> = {}): ConsentRecord => ({ campaignId: null, status: 'revoked', grantedAt: null, expiresAt: null, revokedAt: when, createdAt: when, ...over });
  const verdict = (records: ConsentRecord[], required: boolean, campaignId: string | null = null) => consentVerdict(records, { campaignId, nowMs: now, required, jurisdiction: 'US' }).outcome;

  it('without a requirement, no record passes and a revocation fails', () => {
    expect(verdict([], false)).toBe('passed');
    expect(verdict([grant(), revoke('2026-04-01T00:00:00Z')], false)).toBe('failed');
  });

  it('a grant newer than the revocation supersedes it; a tie goes to the revocation', () => {
    expect(verdict([revoke('2026-02-01T00:00:00Z'), grant()], true)).toBe('passed');
    expect(verdict([revoke('2026-03-01T00:00:00Z'), grant()], false)).toBe('failed');
  });

  it('where consent is required: none, expired and other-campaign grants fail; an unexpired tenant-wide or same-campaign grant passes', () => {
    expect(verdict([], true)).toBe('failed');
    expect(verdict([grant({ expiresAt: '2026-06-07T08:00:00Z' })], true)).toBe('failed');
    expect(verdict([grant({ expiresAt: '2026-06-07T08:00:01Z' })], true)).toBe('passed');
    expect(verdict([grant({ campaignId: 'other' })], true, 'mine')).toBe('failed');
    expect(verdict([grant({ campaignId: 'mine' })], true, 'mine')).toBe('passed');
    expect(verdict([grant()], true, 'mine')).toBe('passed');
    expect(consentVerdict([], { campaignId: null, nowMs: now, required: true, jurisdiction: 'US' }).reason).toBe('Prior consent is required for calls to US and none is on record.');
  });

  it('a revocation for one campaign does not touch another; a tenant-wide one touches all', () => {
    expect(verdict([grant(), revoke('2026-04-01T00:00:00Z', { campaignId: 'a' })], true, 'b')).toBe('passed');
    expect(verdict([grant(), revoke('2026-04-01T00:00:00Z', { campaignId: 'a' })], true, 'a')).toBe('failed');
    expect(verdict([grant({ campaignId: 'b' }), revoke('2026-04-01T00:00:00Z')], false, 'b')).toBe('failed');
  });
});
