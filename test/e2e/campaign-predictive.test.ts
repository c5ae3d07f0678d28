// A predictive campaign on the real stack (test/e2e/support/campaign-stack.ts)
// with three baresip agents, paused and resumed midway.
// Predictive on a small test: it has far fewer than the 50 live answers and
// 50 handled calls its model needs (docs/dialer-pacing.md "Warm-up"), so it
// paces as progressive: the dialer says "warm-up", and never more calls are
// open than agents. Answers reach agents with audio both ways. Pause: after
// the pause answers, no new dial (no call.initiated, no INVITE at the
// carrier) although contacts are due and agents free; the calls in progress
// finish (a bridged call talks on, a ringing one rings out). Resume: busy and
// unanswered contacts are retried after the delay up to max_attempts, every
// contact ends final, one campaign.completed.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPcmWav } from './wav-files.ts';
import { toneBlocks, until } from './dialer-session.ts';
import { captureInvites } from './sip-invites.ts';
import { AGENT_HZ, CAMPAIGN_PORTS, LINE, LINE_HZ, agentsHangUpAfter, startCampaignStack, watchOpenCalls, type CampaignStack } from './support/campaign-stack.ts';
import { captureCarrierStreams, mostToneBlocks } from './support/rtp-streams.ts';

let cs: CampaignStack;

beforeAll(async () => {
  cs = await startCampaignStack('campaign-predictive', ['layla', 'omar', 'nadia']);
}, 180_000);

afterAll(async () => {
  await cs?.stop();
});

const PERSON_2 = '+971501230017';
const PERSON_3 = '+971501230019';

describe('a predictive campaign on the real stack', () => {
  it('warms up as progressive (never more calls open than agents), bridges answers with audio both ways, stops dialling on pause while calls in progress finish, retries to max_attempts after resume, one campaign.completed', async () => {
    const { s, hooks, phones, agentIds } = cs;
    // Dialled in upload order: the first three take the three agents' lines.
    const contacts = [LINE.tone, LINE.person, LINE.noAnswer, LINE.busy, PERSON_2, LINE.hangsUp, PERSON_3];
    const id = await cs.campaign(
      { name: 'E2E predictive', dialing_mode: 'predictive', max_attempts: 2, retry_delay_minutes: 1 },
      { retry_delay_seconds: 2, ring_timeout_s: 15 },
      contacts,
      ['layla', 'omar', 'nadia'],
    );
    const invites = await captureInvites(CAMPAIGN_PORTS.carrier);
    const carrierHeard = await captureCarrierStreams(cs.stack.ports);
    const talk = agentsHangUpAfter(cs, 4000);
    const open = watchOpenCalls(cs, id);
    try {
      expect((await s.api('supervisor', 'POST', `/v1/campaigns/${id}/start`)).status).toBe(200);

      // Two answers bridged, the unanswered line ringing: pause now.
      const answered = await until(() => {
        const a = cs.forCampaign(id, 'call.answered');
        return a.length >= 2 ? a : null;
      }, 'two answers', 30_000);
      await until(() => cs.forCampaign(id, 'call.initiated').some((e) => e.payload.contact_phone === LINE.noAnswer), 'the unanswered line dialled', 10_000);
      const paused = await s.api('supervisor', 'POST', `/v1/campaigns/${id}/pause`);
      expect(paused.status).toBe(200);
      const pausedAtMs = Date.now();

      // Calls in progress finish: the ringing line rings out, the bridged calls end when the agents hang up.
      await hooks.waitFor((e) => e.event_type === 'call.completed' && e.payload.campaign_id === id && e.payload.contact_phone === LINE.noAnswer, 'the ringing call to finish', 40_000);
      // Dials are dated by the engine (call.initiated occurred_at = when it placed the dial), not by webhook arrival.
      const initiatedAtPause = cs.forCampaign(id, 'call.initiated').filter((e) => Date.parse(e.occurred_at) <= pausedAtMs).map((e) => e.payload.call_id as string);
      expect(initiatedAtPause.length).toBeGreaterThanOrEqual(2);
      expect(initiatedAtPause.length).toBeLessThanOrEqual(3);
      await until(() => initiatedAtPause.every((callId) => cs.forCampaign(id, 'call.completed').some((e) => e.payload.call_id === callId)), 'every call in progress at the pause to finish', 20_000);
      for (const e of answered) expect(cs.forCampaign(id, 'call.completed').find((c) => c.payload.call_id === e.payload.call_id)!.payload).toMatchObject({ outcome: 'completed', agent_id: expect.any(String) });
      await cs.agentsFree(10_000);
      // Agents free, contacts (and the retry) due for seconds: nothing dialled while paused.
      await new Promise((r) => setTimeout(r, 3000));
      expect(cs.forCampaign(id, 'call.initiated').map((e) => e.payload.call_id)).toEqual(initiatedAtPause);
      expect((await cs.dialerView(id)).status).toBe('paused');

      // Resume: the rest is dialled, retried, and the campaign completes once.
      const resumed = await s.api('supervisor', 'POST', `/v1/campaigns/${id}/start`);
      expect(resumed.status).toBe(200);
      const resumedAtMs = Date.now();
      await hooks.waitFor((e) => e.event_type === 'campaign.completed' && e.payload.campaign_id === id, 'campaign.completed', 120_000);
      const sent = await invites.stop();
      const streams = await carrierHeard.stop();
      const { peak, samples, reasons } = await open.stop();

      // No INVITE reached the carrier between the pause's answer and the resume.
      expect(sent.filter((i) => i.atMs > pausedAtMs && i.atMs < resumedAtMs)).toEqual([]);
      expect(sent).toHaveLength(cs.forCampaign(id, 'call.initiated').length);

      // Warm-up = progressive: three agents, never more than three calls open; the dialer says why.
      expect(samples).toBeGreaterThan(10);
      expect(peak).toBeLessThanOrEqual(3);
      const running = [...reasons].filter((r) => r !== 'not started');
      expect(running.length).toBeGreaterThan(0);
      for (const reason of running) expect(reason).toMatch(/^warm-up: \d+\/50 live answers, \d+\/50 handled calls$/);

      const final = await cs.contactsOf(id);
      for (const phone of [LINE.tone, LINE.person, PERSON_2, LINE.hangsUp, PERSON_3]) expect(final.get(phone)).toMatchObject({ status: 'completed', attempts: 1, disposition: 'completed' });
      expect(final.get(LINE.busy)).toMatchObject({ status: 'failed', attempts: 2, disposition: 'busy' });
      expect(final.get(LINE.noAnswer)).toMatchObject({ status: 'failed', attempts: 2, disposition: 'no_answer' });
      const completed = cs.forCampaign(id, 'call.completed');
      expect(completed.filter((e) => e.payload.contact_phone === LINE.busy).map((e) => e.payload.status)).toEqual(['busy', 'busy']);
      expect(completed.filter((e) => e.payload.contact_phone === LINE.noAnswer).map((e) => e.payload.status)).toEqual(['no_answer', 'no_answer']);
      for (const phone of [LINE.busy, LINE.noAnswer]) {
        const initiated = cs.forCampaign(id, 'call.initiated').filter((e) => e.payload.contact_phone === phone);
        const ended = completed.filter((e) => e.payload.contact_phone === phone);
        expect(Date.parse(initiated[1]!.occurred_at) - Date.parse(ended[0]!.occurred_at)).toBeGreaterThanOrEqual(1900);
      }
      expect(cs.forCampaign(id, 'call.abandoned')).toEqual([]);
      expect(cs.forCampaign(id, 'campaign.completed')).toHaveLength(1);
      expect(cs.forCampaign(id, 'campaign.completed')[0]!.payload).toMatchObject({ campaign_id: id, status: 'completed', total_contacts: 7, contacted: 7, connected: 5 });
      const detail = await s.api('supervisor', 'GET', `/v1/campaigns/${id}`);
      expect(detail.body).toMatchObject({ status: 'completed', contacted: 7, connected: 5, abandon_rate: 0 });

      // The calls rows: nine attempts, each with the campaign, its contact and, when bridged, the agent.
      const rows = cs.callRows(id);
      expect(rows).toHaveLength(9);
      const agentSet = new Set(Object.values(agentIds));
      for (const row of rows) {
        expect(row.campaign_id).toBe(id);
        expect(row.contact_id).toBe(final.get(row.contact_phone)!.id);
        if (row.contact_phone === LINE.busy || row.contact_phone === LINE.noAnswer) expect(row.agent_id).toBeNull();
        else expect(agentSet.has(row.agent_id!)).toBe(true);
      }

      // Audio both ways on the tone line: its agent heard 1 kHz, the carrier heard that agent's tone.
      const toneCall = completed.find((e) => e.payload.contact_phone === LINE.tone)!;
      const who = cs.nameOf(toneCall.payload.agent_id)!;
      const heardByAgent = Math.max(...phones[who]!.recordings().received.map((f) => toneBlocks(readPcmWav(readFileSync(f)).channel[0]!, LINE_HZ)));
      expect(heardByAgent).toBeGreaterThanOrEqual(10);
      expect(mostToneBlocks(streams, AGENT_HZ[who])).toBeGreaterThanOrEqual(10);
    } finally {
      talk.stop();
      await open.stop();
    }
  });
});
