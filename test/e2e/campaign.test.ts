// A campaign on the real stack (test/e2e/support/campaign-stack.ts): wrangler
// dev + media node (the agents' registrar) + SIPp carrier (outcome by the
// dialled number's last digit) + two baresip agents.
// Progressive: never more calls open than available agents; answered calls
// reach an agent with audio both ways (the line's tone in the agent's
// recording, the agent's tone on the carrier's wire); busy and unanswered
// contacts are retried after the (short) delay and stop at max_attempts; the
// calls rows carry campaign, contact and agent; one campaign.completed.
// Power with one agent and dial_ratio 3: three lines, no fourth while the
// agent is busy; the extra live answers hear the abandon message, are hung
// up, call.abandoned, and the abandon rate counts them.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPcmWav } from './wav-files.ts';
import { toneBlocks, until } from './dialer-session.ts';
import { AGENT_HZ, LINE, LINE_HZ, startCampaignStack, watchOpenCalls, type CampaignStack } from './support/campaign-stack.ts';
import { captureCarrierStreams, mostToneBlocks } from './support/rtp-streams.ts';

/** People who answer and listen (last digits 0, 7, 9: the carrier's default line). */
const PERSONS = ['+971501230010', '+971501230017', '+971501230019', '+971501230027'];

let cs: CampaignStack;

beforeAll(async () => {
  cs = await startCampaignStack('campaign', ['layla', 'omar']);
}, 180_000);

afterAll(async () => {
  await cs?.stop();
});

describe('a campaign on the real stack', () => {
  it('progressive: at most one call per available agent; answers reach an agent with audio both ways; busy and no-answer retried after the delay, failed at max_attempts; one campaign.completed', async () => {
    const { s, hooks, phones, agentIds } = cs;
    const id = await cs.campaign(
      { name: 'E2E progressive', dialing_mode: 'progressive', max_attempts: 2, retry_delay_minutes: 1 },
      { retry_delay_seconds: 2, ring_timeout_s: 15 },
      [LINE.tone, LINE.hangsUp, LINE.busy, LINE.noAnswer],
      ['layla', 'omar'],
    );
    const carrierHeard = await captureCarrierStreams(cs.stack.ports);
    const open = watchOpenCalls(cs, id);
    expect((await s.api('supervisor', 'POST', `/v1/campaigns/${id}/start`)).status).toBe(200);

    // The tone line: whoever takes it talks for a few seconds, then hangs up.
    const answered = await hooks.waitFor((e) => e.event_type === 'call.answered' && e.payload.contact_phone === LINE.tone, 'the tone line answered', 60_000);
    const callId = answered.payload.call_id as string;
    const who = await cs.agentOn(callId);
    await phones[who]!.waitForEvent('CALL_ESTABLISHED', 15_000, true);
    await new Promise((r) => setTimeout(r, 6000));
    await phones[who]!.hangup();

    await hooks.waitFor((e) => e.event_type === 'campaign.completed' && e.payload.campaign_id === id, 'campaign.completed', 120_000);
    const { peak, samples } = await open.stop();
    const streams = await carrierHeard.stop();

    // Progressive: two agents, four contacts due at once, never more than two calls open.
    expect(samples).toBeGreaterThan(10);
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBeGreaterThanOrEqual(1);

    const contacts = await cs.contactsOf(id);
    expect(contacts.get(LINE.tone)).toMatchObject({ status: 'completed', attempts: 1, disposition: 'completed', last_call_at: expect.any(String) });
    expect(contacts.get(LINE.hangsUp)).toMatchObject({ status: 'completed', attempts: 1 });
    expect(contacts.get(LINE.busy)).toMatchObject({ status: 'failed', attempts: 2, disposition: 'busy' });
    expect(contacts.get(LINE.noAnswer)).toMatchObject({ status: 'failed', attempts: 2, disposition: 'no_answer' });
    const completed = cs.forCampaign(id, 'call.completed');
    expect(completed.filter((e) => e.payload.contact_phone === LINE.busy).map((e) => e.payload.status)).toEqual(['busy', 'busy']);
    expect(completed.filter((e) => e.payload.contact_phone === LINE.noAnswer).map((e) => e.payload.status)).toEqual(['no_answer', 'no_answer']);
    const toneCall = completed.find((e) => e.payload.call_id === callId)!;
    expect(toneCall.payload).toMatchObject({ status: 'completed', outcome: 'completed', agent_id: agentIds[who], campaign_id: id, contact_phone: LINE.tone, contact_id: contacts.get(LINE.tone)!.id });
    expect(toneCall.payload.duration_seconds).toBeGreaterThanOrEqual(4);
    expect(cs.forCampaign(id, 'campaign.completed')).toHaveLength(1);
    // Retries waited for the delay: each second dial started ≥ 2 s after the first ended.
    for (const phone of [LINE.busy, LINE.noAnswer]) {
      const initiated = cs.forCampaign(id, 'call.initiated').filter((e) => e.payload.contact_phone === phone);
      const ended = completed.filter((e) => e.payload.contact_phone === phone);
      expect(initiated).toHaveLength(2);
      expect(Date.parse(initiated[1]!.occurred_at) - Date.parse(ended[0]!.occurred_at)).toBeGreaterThanOrEqual(1900);
    }

    // The calls rows (D1): one per attempt, each with the campaign, its contact, and the agent of a bridged call.
    const rows = cs.callRows(id);
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(row.campaign_id).toBe(id);
      expect(row.contact_id).toBe(contacts.get(row.contact_phone)!.id);
      if (row.contact_phone === LINE.busy || row.contact_phone === LINE.noAnswer) expect(row.agent_id).toBeNull();
    }
    expect(rows.find((r) => r.id === callId)).toMatchObject({ agent_id: agentIds[who], status: 'completed' });
    expect(rows.find((r) => r.contact_phone === LINE.hangsUp)!.agent_id).toEqual(expect.stringMatching(new RegExp(`^(${agentIds.layla}|${agentIds.omar})$`)));

    // Audio both ways through the bridge: the agent heard the line's 1 kHz, the carrier heard the agent's tone.
    const received = phones[who]!.recordings().received;
    const heardByAgent = Math.max(...received.map((f) => toneBlocks(readPcmWav(readFileSync(f)).channel[0]!, LINE_HZ)));
    expect(heardByAgent).toBeGreaterThanOrEqual(10);
    expect(mostToneBlocks(streams, AGENT_HZ[who])).toBeGreaterThanOrEqual(10);

    const detail = await s.api('supervisor', 'GET', `/v1/campaigns/${id}`);
    expect(detail.body).toMatchObject({ status: 'completed', contacted: 4, connected: 2, abandon_rate: 0 });
    await cs.agentsFree(10_000);
  });

  it('power: dial_ratio × available agents lines, none while the agent is busy; the extra answers hear the message, are hung up, call.abandoned, abandon rate counted', async () => {
    const { s, hooks, phones, agentIds } = cs;
    await cs.agentsFree();
    expect((await s.api('omar', 'POST', '/v1/agents/me/state', { state: 'break' })).status).toBe(200);
    const id = await cs.campaign(
      { name: 'E2E power', dialing_mode: 'power', dial_ratio: 3, max_attempts: 1, retry_delay_minutes: 1 },
      { retry_delay_seconds: 2, ring_timeout_s: 15 },
      PERSONS,
      ['layla'],
    );
    const established = () => phones.layla!.events.filter((e) => e.type === 'CALL_ESTABLISHED').length;
    const establishedBefore = established();
    const open = watchOpenCalls(cs, id);
    expect((await s.api('supervisor', 'POST', `/v1/campaigns/${id}/start`)).status).toBe(200);
    await until(() => cs.forCampaign(id, 'call.initiated').length === 3, 'three lines for one agent', 20_000).catch(async (err: Error) => {
      throw new Error(`${err.message}; dialer ${JSON.stringify(await cs.dialerView(id))}; agents ${JSON.stringify((await s.api('supervisor', 'GET', `/v1/campaigns/${id}/agents`)).body)}`);
    });
    const abandoned = await until(() => (cs.forCampaign(id, 'call.abandoned').length >= 2 ? cs.forCampaign(id, 'call.abandoned') : null), 'two call.abandoned', 60_000);
    expect(abandoned.map((e) => e.payload)).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'abandoned', abandoned_at: expect.any(String), answered_at: expect.any(String) })]));
    await until(() => established() > establishedBefore, 'the first bridge on baresip', 15_000);
    // Layla is on a call: 3 × 0 available = no line, although a contact is due.
    await new Promise((r) => setTimeout(r, 2000));
    expect(cs.forCampaign(id, 'call.initiated')).toHaveLength(3);
    const closed = phones.layla!.events.filter((e) => e.type === 'CALL_CLOSED').length;
    await phones.layla!.hangup();
    await until(() => phones.layla!.events.filter((e) => e.type === 'CALL_CLOSED').length > closed, 'the first call closed on baresip', 10_000);

    // Free again: the fourth contact is dialled and bridged to her.
    const fourth = await hooks.waitFor((e) => e.event_type === 'call.answered' && e.payload.campaign_id === id && e.payload.contact_phone === PERSONS[3], 'the fourth contact answered', 30_000);
    expect(await cs.agentOn(fourth.payload.call_id)).toBe('layla');
    await until(() => established() > establishedBefore + 1, 'the second bridge on baresip', 15_000);
    await phones.layla!.hangup();
    await hooks.waitFor((e) => e.event_type === 'campaign.completed' && e.payload.campaign_id === id, 'campaign.completed', 60_000);
    const { peak } = await open.stop();
    expect(peak).toBeLessThanOrEqual(3);

    const detail = await s.api('supervisor', 'GET', `/v1/campaigns/${id}`);
    expect(detail.body).toMatchObject({ status: 'completed', contacted: 4, connected: 2, abandon_rate: 50 });
    const contacts = await cs.contactsOf(id);
    expect([...contacts.values()].filter((c) => c.status === 'failed').length).toBe(2); // abandoned at max_attempts 1
    expect([...contacts.values()].filter((c) => c.status === 'completed').length).toBe(2);
    for (const e of abandoned) expect(cs.forCampaign(id, 'call.completed').find((c) => c.payload.call_id === e.payload.call_id)!.payload).toMatchObject({ outcome: 'abandoned', agent_id: null });
    expect(cs.forCampaign(id, 'campaign.completed')).toHaveLength(1);
    const rows = cs.callRows(id);
    expect(rows.filter((r) => r.agent_id === agentIds.layla)).toHaveLength(2);
    expect((await s.api('omar', 'POST', '/v1/agents/me/state', { state: 'available' })).status).toBe(200);
  });
});
