// A preview campaign on the real stack (test/e2e/support/campaign-stack.ts),
// two baresip agents. Nothing is dialled until an agent accepts: each agent
// is offered its own next contact with its custom_fields through the API
// (the same offer until they decide, never the same contact to two agents);
// skip gives the contact back (no attempt, due again after the delay); accept
// dials it on the agent's node and the answer goes straight to them, with
// audio both ways. Every contact ends completed; one campaign.completed.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPcmWav } from './wav-files.ts';
import { toneBlocks, until } from './dialer-session.ts';
import { captureInvites } from './sip-invites.ts';
import { AGENT_HZ, CAMPAIGN_PORTS, LINE, LINE_HZ, startCampaignStack, type CampaignStack } from './support/campaign-stack.ts';
import { captureCarrierStreams, mostToneBlocks } from './support/rtp-streams.ts';

let cs: CampaignStack;

beforeAll(async () => {
  cs = await startCampaignStack('campaign-preview', ['layla', 'omar']);
}, 180_000);

afterAll(async () => {
  await cs?.stop();
});

const SARA = { phone: LINE.hangsUp, first_name: 'Sara', last_name: 'Khan', custom_fields: { plan: 'gold', balance: 120, vip: true } };
const ALI = { phone: LINE.tone, first_name: 'Ali', last_name: 'Rahman', custom_fields: { plan: 'silver' } };

describe('a preview campaign on the real stack', () => {
  it('offers contacts with custom_fields, skip moves on without an attempt, accept dials and bridges the agent with audio both ways; one campaign.completed', async () => {
    const { s, hooks, phones, agentIds } = cs;
    const id = await cs.campaign(
      { name: 'E2E preview', dialing_mode: 'preview', max_attempts: 1, retry_delay_minutes: 1 },
      { retry_delay_seconds: 3, ring_timeout_s: 15 },
      [SARA, ALI],
      ['layla', 'omar'],
    );
    const invites = await captureInvites(CAMPAIGN_PORTS.carrier);
    const carrierHeard = await captureCarrierStreams(cs.stack.ports);
    expect((await s.api('supervisor', 'POST', `/v1/campaigns/${id}/start`)).status).toBe(200);
    const next = async (who: 'layla' | 'omar') => {
      const res = await s.api(cs.tokenOf[who], 'GET', `/v1/campaigns/${id}/preview/next`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.offer as Record<string, any> | null;
    };

    // Offers: Layla gets the first contact with its fields, again on asking again; Omar the other one.
    const laylaOffer = (await next('layla'))!;
    expect(laylaOffer).toMatchObject({ phone: SARA.phone, first_name: 'Sara', last_name: 'Khan', custom_fields: SARA.custom_fields, attempts: 0, offered_at: expect.any(String) });
    expect((await next('layla'))!.contact_id).toBe(laylaOffer.contact_id);
    const omarOffer = (await next('omar'))!;
    expect(omarOffer).toMatchObject({ phone: ALI.phone, first_name: 'Ali', custom_fields: ALI.custom_fields });
    // A supervisor is not an agent of the campaign: no offers for them.
    expect((await s.api('supervisor', 'GET', `/v1/campaigns/${id}/preview/next`)).status).toBe(403);

    // Skips: both contacts back, no attempt counted; nothing has been dialled.
    expect((await s.api('omar', 'POST', `/v1/campaigns/${id}/preview/${omarOffer.contact_id}/skip`)).status).toBe(204);
    expect((await s.api('agent', 'POST', `/v1/campaigns/${id}/preview/${laylaOffer.contact_id}/skip`)).status).toBe(204);
    const skipped = await cs.contactsOf(id);
    expect(skipped.get(SARA.phone)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(skipped.get(ALI.phone)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(cs.forCampaign(id, 'call.initiated')).toEqual([]);

    // After the retry delay, Layla's next offer is the contact skipped first (Ali, the tone line): she accepts.
    const aliOffer = await until(() => next('layla'), 'an offer after the retry delay', 20_000);
    expect(aliOffer).toMatchObject({ phone: ALI.phone, custom_fields: ALI.custom_fields, attempts: 0 });
    const accepted = await s.api('agent', 'POST', `/v1/campaigns/${id}/preview/${aliOffer.contact_id}/accept`);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    expect(accepted.body).toMatchObject({ status: 'dialing', call_id: expect.any(String) });
    const aliCall = accepted.body.call_id as string;
    await hooks.waitFor((e) => e.event_type === 'call.answered' && e.correlation_id === aliCall, 'Ali answered', 30_000);
    await phones.layla!.waitForEvent('CALL_ESTABLISHED', 15_000, true);
    expect(await cs.agentOn(aliCall)).toBe('layla');
    await new Promise((r) => setTimeout(r, 5000));
    await phones.layla!.hangup();
    const aliDone = await hooks.waitFor((e) => e.event_type === 'call.completed' && e.correlation_id === aliCall, 'Ali completed', 30_000);
    expect(aliDone.payload).toMatchObject({ campaign_id: id, contact_id: aliOffer.contact_id, agent_id: agentIds.layla, outcome: 'completed', status: 'completed' });
    await cs.agentsFree(10_000);

    // Then Sara: offered to Layla again once due, accepted; she says hello and hangs up herself.
    const saraOffer = await until(async () => {
      const o = await next('layla');
      return o?.phone === SARA.phone ? o : null;
    }, 'Sara offered again', 20_000);
    expect(saraOffer).toMatchObject({ contact_id: laylaOffer.contact_id, custom_fields: SARA.custom_fields, attempts: 0 });
    const second = await s.api('agent', 'POST', `/v1/campaigns/${id}/preview/${saraOffer.contact_id}/accept`);
    expect(second.status, JSON.stringify(second.body)).toBe(202);
    const saraDone = await hooks.waitFor((e) => e.event_type === 'call.completed' && e.correlation_id === second.body.call_id, 'Sara completed', 30_000);
    expect(saraDone.payload).toMatchObject({ campaign_id: id, contact_id: saraOffer.contact_id, agent_id: agentIds.layla, outcome: 'completed' });

    await hooks.waitFor((e) => e.event_type === 'campaign.completed' && e.payload.campaign_id === id, 'campaign.completed', 30_000);
    const sent = await invites.stop();
    const streams = await carrierHeard.stop();

    // Only the two accepted dials ever reached the carrier, in the order accepted.
    expect(sent.map((i) => `+${i.number}`)).toEqual([ALI.phone, SARA.phone]);
    expect(cs.forCampaign(id, 'campaign.completed')).toHaveLength(1);
    const contacts = await cs.contactsOf(id);
    expect(contacts.get(ALI.phone)).toMatchObject({ status: 'completed', attempts: 1 });
    expect(contacts.get(SARA.phone)).toMatchObject({ status: 'completed', attempts: 1 });
    const rows = cs.callRows(id);
    expect(rows.map((r) => [r.id, r.campaign_id, r.contact_id, r.agent_id])).toEqual([
      [aliCall, id, aliOffer.contact_id, agentIds.layla],
      [second.body.call_id, id, saraOffer.contact_id, agentIds.layla],
    ]);

    // Audio both ways on Ali's call: Layla heard the line's 1 kHz, the carrier heard Layla's tone.
    const heardByAgent = Math.max(...phones.layla!.recordings().received.map((f) => toneBlocks(readPcmWav(readFileSync(f)).channel[0]!, LINE_HZ)));
    expect(heardByAgent).toBeGreaterThanOrEqual(10);
    expect(mostToneBlocks(streams, AGENT_HZ.layla)).toBeGreaterThanOrEqual(10);
    expect(mostToneBlocks(streams, AGENT_HZ.omar)).toBe(0);
  });
});
