// Compliance on a running campaign (real stack, test/e2e/support/campaign-stack.ts):
// a contact outside its calling window in the CALLEE's local time is not
// dialled. The tenant's rule for GB opens only at the hour it is now in the
// campaign's zone (Asia/Dubai), which is not the hour in London: a campaign
// that used its own zone would dial the London number. The engine sends
// call.compliance_blocked, no INVITE reaches the carrier, no attempt is
// counted and the contact stays pending (re-checked later); the campaign's
// other contact (in the UAE, open all day for the demo tenant) is dialled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './dialer-session.ts';
import { captureInvites } from './sip-invites.ts';
import { CAMPAIGN_PORTS, LINE, startCampaignStack, type CampaignStack } from './support/campaign-stack.ts';

let cs: CampaignStack;

beforeAll(async () => {
  cs = await startCampaignStack('campaign-compliance', ['layla']);
}, 180_000);

afterAll(async () => {
  await cs?.stop();
});

const hourIn = (timeZone: string, at: Date) => Number(new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(at));
const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
/** A London number whose last digit (2) would only ring at the carrier: any INVITE for it would show. */
const LONDON = '+442079460002';

describe('compliance on a running campaign', () => {
  it('a contact outside its calling window (callee local time) is not dialled: call.compliance_blocked, no INVITE, no attempt', async () => {
    const { s, hooks } = cs;
    // The window: this hour in Dubai, read in London. (Dubai is 3 or 4 hours ahead, so London is outside it.)
    const now = new Date();
    const dubaiHour = hourIn('Asia/Dubai', now);
    expect(hourIn('Europe/London', now)).not.toBe(dubaiHour);
    const rule = await s.api('admin', 'PUT', '/v1/compliance/rules/GB', {
      calling_windows: [{ days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], start: hh(dubaiHour), end: dubaiHour === 23 ? '24:00' : hh(dubaiHour + 1) }],
      consent_required: false,
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(200);

    const id = await cs.campaign(
      { name: 'E2E compliance', dialing_mode: 'progressive', max_attempts: 1, retry_delay_minutes: 1, timezone: 'Asia/Dubai' },
      { retry_delay_seconds: 2, ring_timeout_s: 15 },
      [LONDON, LINE.busy],
      ['layla'],
    );
    const invites = await captureInvites(CAMPAIGN_PORTS.carrier);
    expect((await s.api('supervisor', 'POST', `/v1/campaigns/${id}/start`)).status).toBe(200);

    const blocked = await hooks.waitFor((e) => e.event_type === 'call.compliance_blocked' && e.payload.campaign_id === id, 'call.compliance_blocked', 30_000);
    expect(blocked.payload).toMatchObject({ contact_phone: LONDON, status: 'blocked', campaign_id: id, compliance: { allowed: false, rule: 'calling_hours', audit_ref: expect.stringMatching(/^AUD-/) } });
    // The UAE contact is dialled (busy; failed at max_attempts 1): the campaign did run.
    await hooks.waitFor((e) => e.event_type === 'call.completed' && e.payload.campaign_id === id && e.payload.contact_phone === LINE.busy, 'the UAE contact dialled', 30_000);
    // A few more ticks: the London contact stays undialled (it is re-checked in 15 minutes, not every second).
    await new Promise((r) => setTimeout(r, 3000));
    const sent = await invites.stop();
    expect(sent.map((i) => i.number)).toEqual([LINE.busy.slice(1)]);
    expect(cs.forCampaign(id, 'call.initiated').map((e) => e.payload.contact_phone)).toEqual([LINE.busy]);
    expect(cs.forCampaign(id, 'call.compliance_blocked')).toHaveLength(1);

    const contacts = await cs.contactsOf(id);
    expect(contacts.get(LONDON)).toMatchObject({ status: 'pending', attempts: 0, last_call_at: null, disposition: 'outside_calling_hours' });
    expect(contacts.get(LINE.busy)).toMatchObject({ status: 'failed', attempts: 1, disposition: 'busy' });
    expect(cs.callRows(id).map((r) => r.contact_phone)).toEqual([LINE.busy]);
    // The decision is in the audit trail, as a campaign check of that campaign.
    const audit = await s.api('supervisor', 'GET', `/v1/compliance/audit/${blocked.payload.compliance.audit_ref}`);
    expect(audit.status, JSON.stringify(audit.body)).toBe(200);
    expect(audit.body).toMatchObject({ campaign_id: id, context: 'campaign', subject: id, phone: LONDON, jurisdiction: 'GB', allowed: false, blocking_rule: 'calling_hours' });
    // Not completed: the London contact is still to be dialled once its window opens.
    expect((await s.api('supervisor', 'GET', `/v1/campaigns/${id}`)).body.status).toBe('active');
    expect(cs.forCampaign(id, 'campaign.completed')).toEqual([]);
    expect((await s.api('supervisor', 'POST', `/v1/campaigns/${id}/pause`)).status).toBe(200);
    await until(async () => (await cs.dialerView(id)).status === 'paused', 'the dialer paused', 5000);
  });
});
