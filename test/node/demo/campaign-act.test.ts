// The demo's campaign act, its pure parts: the contact list and its carrier
// mix, the verdict (every contact final, campaign.completed exactly once),
// and the live and summary text. No stack, no ports.
import { describe, expect, it } from 'vitest';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { CARRIER_LINES, LAST_DIGITS, demoContacts, lineMix, settingsLine } from '../../../scripts/demo/campaign-plan.ts';
import { campaignVerdict, statusBlock, statusLine, summaryLines, tally, type LiveFigures } from '../../../scripts/demo/campaign-view.ts';

describe('demoContacts', () => {
  const contacts = demoContacts(300);

  it('gives 300 distinct, valid UAE mobile numbers', () => {
    expect(new Set(contacts.map((c) => c.phone)).size).toBe(300);
    for (const c of contacts) {
      const n = parsePhoneNumberFromString(c.phone);
      expect(n?.isValid(), c.phone).toBe(true);
      expect(n?.country).toBe('AE');
    }
  });

  it('mixes the carrier outcomes as documented: 35 % answered, 25 % busy, 20 % decline, 15 % unavailable, 5 % ring out', () => {
    expect(LAST_DIGITS).toHaveLength(20);
    for (const d of LAST_DIGITS) expect(CARRIER_LINES[d], d).toBeDefined();
    expect(Object.fromEntries(lineMix(contacts).map((m) => [m.line, m.contacts]))).toEqual({
      person: 90,
      'person who hangs up after 4 s': 15,
      'busy (486)': 75,
      'declines (603)': 60,
      'unavailable (480)': 45,
      'no answer (rings out)': 15,
    });
    // Each contact's line is its number's last digit at the carrier (test/sipp/carrier.xml).
    for (const c of contacts) expect(c.custom_fields.line).toBe(CARRIER_LINES[c.phone.at(-1)!]);
  });

  it('prints the settings that make it finish in minutes', () => {
    expect(settingsLine()).toContain('max_attempts 2, retry after 5 s');
  });
});

describe('campaignVerdict', () => {
  const final = [
    { phone: '+971502000000', status: 'completed', attempts: 1 },
    { phone: '+971502000011', status: 'failed', attempts: 2 },
  ];
  const done = [{ event_type: 'campaign.completed', payload: {} }];

  it('passes with every contact final and one campaign.completed', () => {
    expect(campaignVerdict({ expectedContacts: 2, contacts: final, completedEvents: done, badSignatures: 0 })).toEqual({ ok: true, problems: [] });
  });

  it('fails on a contact still pending or dialing, naming it', () => {
    const v = campaignVerdict({ expectedContacts: 2, contacts: [final[0]!, { phone: '+971502000022', status: 'dialing', attempts: 1 }], completedEvents: done, badSignatures: 0 });
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual(['1 contacts not in a final status: +971502000022 dialing (1 attempts)']);
  });

  it('fails on no campaign.completed, or two', () => {
    expect(campaignVerdict({ expectedContacts: 2, contacts: final, completedEvents: [], badSignatures: 0 }).problems).toEqual(['campaign.completed arrived 0 times (expected once)']);
    expect(campaignVerdict({ expectedContacts: 2, contacts: final, completedEvents: [...done, ...done], badSignatures: 0 }).ok).toBe(false);
  });

  it('fails on a missing contact or a bad signature', () => {
    expect(campaignVerdict({ expectedContacts: 3, contacts: final, completedEvents: done, badSignatures: 0 }).ok).toBe(false);
    expect(campaignVerdict({ expectedContacts: 2, contacts: final, completedEvents: done, badSignatures: 1 }).ok).toBe(false);
  });
});

describe('live and summary text', () => {
  const figures: LiveFigures = {
    elapsedS: 42.4,
    dialer: {
      status: 'active',
      dial_level: 1.333,
      reason: 'predictive: marginal risk 0.5 % (correction 1.00), answer rate 35 %',
      calls_in_flight: 4,
      calls_waiting: 0,
      calls_bridged: 2,
      abandon_rate: { campaign: 0.021, last_24_hours: 0.021, last_30_days: 0.021 },
    },
    agents: [
      { name: 'Layla Ahmed', state: 'on_call', talking: true, calls: 12 },
      { name: 'Omar Haddad', state: 'available', talking: false, calls: 11 },
    ],
    contacts: { pending: 150, dialing: 4, completed: 80, failed: 66 },
    initiated: 190,
    answered: 95,
    abandoned: 2,
  };

  it('one line for a log: level, phase, agents, calls, contacts, abandons', () => {
    expect(statusLine(figures)).toBe(
      'level 1.33 (predictive: marginal risk 0.5 % (correction 1.00), answer rate 35 %) | agents Layla talking (12), Omar available (11) | calls 4 ringing, 0 waiting, 2 bridged | ' +
        'contacts pending 150, dialing 4, connected 0, completed 80, failed 66, dnc 0 | abandoned 2/95 (2.1 %)',
    );
  });

  it('a block for a terminal, before the first dialer view too', () => {
    expect(statusBlock(figures)).toHaveLength(6);
    expect(statusBlock({ ...figures, dialer: null }).join('\n')).toContain('dial level  – lines per free agent — not started');
  });

  it('summarises campaign.completed and the contacts and calls it counts', () => {
    const lines = summaryLines({
      completed: { campaign_id: 'c1', name: 'Demo', total_contacts: 2, contacted: 2, connected: 1, completed: 1, failed: 1, dnc: 0, calls: 3, abandoned: 0, abandon_rate: 0 },
      contacts: [
        { phone: 'a', status: 'completed', attempts: 1 },
        { phone: 'b', status: 'failed', attempts: 2 },
      ],
      callOutcomes: ['completed', 'busy', 'busy'],
      agents: [{ name: 'Layla Ahmed', calls: 1, hungUpByAgent: 1, hungUpByCaller: 0 }],
      elapsedS: 100,
    });
    expect(lines[0]).toBe('campaign.completed for c1 ("Demo"):');
    expect(lines).toContain('  call outcomes busy 2, completed 1 (call.completed webhooks)');
    expect(tally(['x', 'y', 'y'])).toEqual([['y', 2], ['x', 1]]);
  });
});
