// POST /v1/compliance/check end to end: the spec's two 200 bodies key for
// key, each check failing alone through the API that feeds it (rules,
// national registry, /v1/dnc, consents, CLI numbers), jurisdiction detection,
// campaigns across tenants, validation, roles, the audit row behind every
// answer, and default deny when the rules in force cannot be read.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, dialerProblem, seedDialerTenant } from '../../helpers/dialer.ts';
import { ALWAYS, NEVER, check, freshUaeMobile, importRegistry, ownCli, putRule, seedCampaign } from './fixtures.ts';

/** An Etc/GMT zone where it is now about 03:00, so a 09:00–18:00 rule there is closed whatever the weekday. */
function zoneAtThreeAm(): string {
  const h = new Date().getUTCHours();
  let o = (((3 - h) % 24) + 24) % 24;
  if (o > 13) o -= 24;
  return o === 0 ? 'Etc/GMT' : o > 0 ? `Etc/GMT-${o}` : `Etc/GMT+${-o}`;
}

async function auditRow(ref: string) {
  return env.DB.prepare('SELECT * FROM compliance_audit WHERE seq = ?').bind(Number(ref.slice(4))).first<Record<string, unknown>>();
}

describe('POST /v1/compliance/check — the documented bodies', () => {
  it('allowed: exactly allowed, rule_version, audit_ref, checks (every check passed)', async () => {
    const t = await seedDialerTenant();
    await putRule(t, 'AE', ALWAYS);
    const campaignId = await seedCampaign(t, ['+97144000000']);
    const res = await call(t.agent, 'POST', '/v1/compliance/check', { phone: freshUaeMobile(), campaign_id: campaignId, jurisdiction: 'AE' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['allowed', 'rule_version', 'audit_ref', 'checks']);
    expect(body).toEqual({
      allowed: true,
      rule_version: '2026-06-01+r1',
      audit_ref: expect.stringMatching(/^AUD-\d+$/),
      checks: { calling_hours: 'passed', dnc_national: 'passed', dnc_tenant: 'passed', consent: 'passed', cli_ownership: 'passed' },
    });
    expect(Object.keys(body.checks as object)).toEqual(['calling_hours', 'dnc_national', 'dnc_tenant', 'consent', 'cli_ownership']);
  });

  it('blocked: adds blocking_rule and the spec’s own blocking_reason text', async () => {
    const t = await seedDialerTenant();
    await putRule(t, 'AE', { timezones: [zoneAtThreeAm()], calling_windows: [{ days: ['sun', 'mon', 'tue', 'wed', 'thu'], start: '09:00', end: '18:00' }], consent_required: false });
    const res = await call(t.agent, 'POST', '/v1/compliance/check', { phone: '+971501234567', jurisdiction: 'AE' });
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['allowed', 'rule_version', 'audit_ref', 'blocking_rule', 'blocking_reason', 'checks']);
    expect(body).toEqual({
      allowed: false,
      rule_version: '2026-06-01+r1',
      audit_ref: expect.stringMatching(/^AUD-\d+$/),
      blocking_rule: 'calling_hours',
      blocking_reason: 'Outside permitted calling hours for AE (09:00–18:00 Sun–Thu).',
      checks: { calling_hours: 'failed', dnc_national: 'passed', dnc_tenant: 'passed', consent: 'passed', cli_ownership: 'not_applicable' },
    });
  });

  it('with the defaults only, rule_version is the defaults’ date', async () => {
    const t = await seedDialerTenant();
    expect((await check(t.agent, { phone: freshUaeMobile() })).rule_version).toBe('2026-06-01');
  });
});

describe('each check failing alone', () => {
  async function openTenant() {
    const t = await seedDialerTenant();
    await putRule(t, 'AE', ALWAYS);
    return t;
  }

  it('dnc_national: a number imported into TDRA', async () => {
    const t = await openTenant();
    const phone = freshUaeMobile();
    expect((await check(t.agent, { phone })).allowed).toBe(true);
    expect((await importRegistry('TDRA', [phone])).status).toBe(201);
    expect(await check(t.agent, { phone })).toMatchObject({
      allowed: false,
      blocking_rule: 'dnc_national',
      blocking_reason: 'Number is on the national DNC registry (TDRA).',
      checks: { calling_hours: 'passed', dnc_national: 'failed', dnc_tenant: 'passed', consent: 'passed', cli_ownership: 'not_applicable' },
    });
  });

  it('dnc_tenant: a number added with POST /v1/dnc, in any written form', async () => {
    const t = await openTenant();
    const phone = freshUaeMobile();
    expect((await call(t.supervisor, 'POST', '/v1/dnc', { phones: [phone.slice(1)] })).status).toBe(201);
    expect(await check(t.agent, { phone })).toMatchObject({ allowed: false, blocking_rule: 'dnc_tenant', blocking_reason: 'Number is on your DNC list.', checks: { dnc_tenant: 'failed', dnc_national: 'passed' } });
    // Another tenant's list is not this tenant's.
    const other = await openTenant();
    expect((await check(other.agent, { phone })).allowed).toBe(true);
  });

  it('consent: an explicit revocation fails even where consent is not required', async () => {
    const t = await openTenant();
    const phone = freshUaeMobile();
    expect((await call(t.supervisor, 'POST', '/v1/consents', { phone, status: 'revoked', source: 'sms STOP' })).status).toBe(201);
    expect(await check(t.agent, { phone })).toMatchObject({ allowed: false, blocking_rule: 'consent', blocking_reason: expect.stringMatching(/^Consent to call this number was revoked on \d{4}-\d\d-\d\d\.$/), checks: { consent: 'failed' } });
  });

  it('consent: where the rule requires it, none on record fails and a grant passes', async () => {
    const t = await seedDialerTenant();
    await putRule(t, 'US', { ...ALWAYS, consent_required: true });
    const phone = '+12025550143';
    expect(await check(t.agent, { phone })).toMatchObject({ allowed: false, blocking_rule: 'consent', blocking_reason: 'Prior consent is required for calls to US and none is on record.' });
    await call(t.supervisor, 'POST', '/v1/consents', { phone, source: 'web_form' });
    expect((await check(t.agent, { phone })).allowed).toBe(true);
  });

  it('cli_ownership: a caller ID the tenant does not own (another tenant’s is not yours)', async () => {
    const t = await openTenant();
    const other = await openTenant();
    await ownCli(t, ['+97144000010']);
    await ownCli(other, ['+97144000011']);
    expect((await check(t.agent, { phone: freshUaeMobile(), cli: '+97144000010' })).checks.cli_ownership).toBe('passed');
    expect((await check(t.agent, { phone: freshUaeMobile(), cli: '97144000010' })).checks.cli_ownership).toBe('passed');
    expect(await check(t.agent, { phone: freshUaeMobile(), cli: '+97144000011' })).toMatchObject({
      allowed: false,
      blocking_rule: 'cli_ownership',
      blocking_reason: 'Caller ID +97144000011 is not one of your CLI numbers.',
      checks: { calling_hours: 'passed', dnc_national: 'passed', dnc_tenant: 'passed', consent: 'passed', cli_ownership: 'failed' },
    });
  });

  it('cli_ownership: a campaign whose CLI group has none of the tenant’s numbers', async () => {
    const t = await openTenant();
    const empty = await seedCampaign(t, []);
    expect(await check(t.agent, { phone: freshUaeMobile(), campaign_id: empty })).toMatchObject({ allowed: false, blocking_rule: 'cli_ownership', checks: { cli_ownership: 'failed' } });
  });

  it('calling_hours: a jurisdiction closed by the tenant, and an unlisted one until a catch-all exists', async () => {
    const t = await openTenant();
    await putRule(t, 'SA', NEVER);
    expect(await check(t.agent, { phone: '+966501234567' })).toMatchObject({ allowed: false, blocking_rule: 'calling_hours', blocking_reason: 'Outside permitted calling hours for SA (never).' });
    expect(await check(t.agent, { phone: '+33612345678' })).toMatchObject({ allowed: false, blocking_reason: 'No calling-hours rule for FR; calls are denied until one is set (PUT /v1/compliance/rules/FR).' });
    await putRule(t, '*', ALWAYS);
    expect((await check(t.agent, { phone: '+33612345678' })).allowed).toBe(true);
  });
});

describe('context', () => {
  it('the jurisdiction is the phone’s country unless given', async () => {
    const t = await seedDialerTenant();
    await putRule(t, 'AE', ALWAYS);
    await putRule(t, 'SA', NEVER);
    const phone = freshUaeMobile();
    expect((await check(t.agent, { phone })).allowed).toBe(true);
    expect(await check(t.agent, { phone, jurisdiction: 'SA' })).toMatchObject({ allowed: false, blocking_reason: 'Outside permitted calling hours for SA (never).' });
    const row = await auditRow((await check(t.agent, { phone, jurisdiction: 'SA' })).audit_ref!);
    expect(row).toMatchObject({ jurisdiction: 'SA', phone });
  });

  it('another tenant’s campaign, or none, is a 404', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const theirs = await seedCampaign(other);
    await dialerProblem(await call(t.agent, 'POST', '/v1/compliance/check', { phone: freshUaeMobile(), campaign_id: theirs }), 404);
    await dialerProblem(await call(t.agent, 'POST', '/v1/compliance/check', { phone: freshUaeMobile(), campaign_id: crypto.randomUUID() }), 404);
  });

  it('every answer has its own audit row: who asked, what was decided, under which rules', async () => {
    const t = await seedDialerTenant();
    await putRule(t, 'AE', NEVER);
    const campaignId = await seedCampaign(t);
    const phone = freshUaeMobile();
    const a = await check(t.supervisor, { phone: phone.slice(1), campaign_id: campaignId });
    const b = await check(t.agent, { phone });
    expect(Number(b.audit_ref!.slice(4))).toBeGreaterThan(Number(a.audit_ref!.slice(4)));
    expect(await auditRow(a.audit_ref!)).toMatchObject({
      tenant_id: t.tenantId,
      phone,
      jurisdiction: 'AE',
      campaign_id: campaignId,
      context: 'api',
      subject: t.supervisor.id,
      allowed: 0,
      blocking_rule: 'calling_hours',
      blocking_reason: 'Outside permitted calling hours for AE (never).',
      rule_version: '2026-06-01+r1',
    });
    expect(JSON.parse(String((await auditRow(a.audit_ref!))!.checks))).toEqual(a.checks);
  });
});

describe('default deny', () => {
  it('rules in force that cannot be read: allowed false, every check "error", and the denial is audited', async () => {
    const t = await seedDialerTenant();
    await env.DB.prepare("INSERT INTO compliance_rule_sets (tenant_id, revision, rules, created_at) VALUES (?, 1, '{not json', ?)").bind(t.tenantId, new Date().toISOString()).run();
    const body = await check(t.agent, { phone: freshUaeMobile() });
    expect(body).toEqual({
      allowed: false,
      rule_version: 'unknown',
      audit_ref: expect.stringMatching(/^AUD-\d+$/),
      blocking_rule: 'compliance_unavailable',
      blocking_reason: 'The compliance check could not be completed (an internal error); calls are denied by default.',
      checks: { calling_hours: 'error', dnc_national: 'error', dnc_tenant: 'error', consent: 'error', cli_ownership: 'error' },
    });
    expect(await auditRow(body.audit_ref!)).toMatchObject({ allowed: 0, blocking_rule: 'compliance_unavailable' });
  });
});

describe('requests', () => {
  it.each([
    [{}, '/phone'],
    [{ phone: '0501234567' }, '/phone'],
    [{ phone: '+99912345678' }, '/phone'],
    [{ phone: 971501234567 }, '/phone'],
    [{ phone: '+971501234567', jurisdiction: 'XX' }, '/jurisdiction'],
    [{ phone: '+971501234567', jurisdiction: 'ae' }, '/jurisdiction'],
    [{ phone: '+971501234567', cli: 'anonymous' }, '/cli'],
    [{ phone: '+971501234567', extra: 1 }, ''],
  ])('400 for %j, naming %s', async (body, pointer) => {
    const t = await seedDialerTenant();
    const p = await dialerProblem(await call(t.agent, 'POST', '/v1/compliance/check', body), 400);
    expect(p.errors!.map((e) => e.pointer)).toContain(pointer);
    expect((await env.DB.prepare('SELECT COUNT(*) AS n FROM compliance_audit WHERE tenant_id = ?').bind(t.tenantId).first<{ n: number }>())!.n).toBe(0);
  });

  it('422 for tenant_id in the body; 401 without a token; every role may check', async () => {
    const t = await seedDialerTenant();
    await dialerProblem(await call(t.agent, 'POST', '/v1/compliance/check', { phone: '+971501234567', tenant_id: t.tenantId }), 422);
    await dialerProblem(await call(null, 'POST', '/v1/compliance/check', { phone: '+971501234567' }), 401);
    for (const who of [t.agent, t.supervisor, t.admin]) expect((await call(who, 'POST', '/v1/compliance/check', { phone: '+971501234567' })).status).toBe(200);
  });
});
