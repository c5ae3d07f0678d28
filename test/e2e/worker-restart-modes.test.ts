// The Worker dies (SIGKILL of workerd, down past the node-loss timeout, then
// restarted on the same state) in the dialing modes and call states that
// test/e2e/worker-restart.test.ts does not cover: a power campaign and a
// predictive one, with customers caught in the abandon cases of
// docs/campaign-engine.md "Worker restart":
// - power (one agent, five lines): the agent is bridged, a customer who
//   answered is waiting for an agent at the kill, another answers while the
//   Worker is down, a third answers and hangs up while it is down, a fifth
//   rings through it. All three answers are abandons once the Worker is back
//   (no agent is free): message and hang-up for those still there,
//   call.abandoned, counted in the abandon rate; the ringing call rings out as
//   a no-answer.
// - predictive (warming up, so paced as progressive; two agents): one agent
//   bridged, a customer answers while the Worker is down with the other agent
//   free: bridged to that agent once the dialer learns of the answer, not an
//   abandon; the campaign goes on to dial, retry and complete.
// - a manual call (originate): the agent's leg up, the customer still ringing
//   at the kill and answering while the Worker is down: the node bridges it,
//   the Worker learns of it after, and it ends once when the agent hangs up.
// Each case ends with nothing stuck: every contact and calls row final, one
// campaign.completed, each call's webhooks once (by event id), the dialer
// holding no call, the media node carrying none, the agents free.
// The carrier is test/sipp/carrier-late-answer.xml: a number ending in 9 rings
// for the seconds its two digits before the 9 say, then answers as a person
// (ending in 7: the same person hangs up 4 s after answering).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { until } from './dialer-session.ts';
import { AGENT_HZ, LINE, agentsHangUpAfter, lateLine, startCampaignStack, type AgentName, type CampaignStack } from './support/campaign-stack.ts';
import { expectNothingStuck, expectOriginateEndsOnceByAgent } from './support/restart-invariants.ts';
import { captureCarrierStreams, mostToneBlocks } from './support/rtp-streams.ts';

/** Short, and the Worker stays down longer: the fleet must not take its own downtime for the node's silence. */
const LOSS_TIMEOUT_S = 5;
const WORKER_DOWN_MS = 8_000;

/** Its own ports: no other e2e file uses them. */
const PORTS = { worker: 8995, carrier: 5332, carrierMedia: 6900, mediaSip: 5324, mediaControl: 7332, rtpMin: 37000, rtpMax: 37999 };

let cs: CampaignStack;

beforeAll(async () => {
  cs = await startCampaignStack('worker-restart-modes', ['layla', 'omar'], {
    ports: PORTS,
    carrierScenario: new URL('../sipp/carrier-late-answer.xml', import.meta.url).pathname,
    // Layla's call in the power case lasts through a restart and two abandons; the default 30 s tone would end it.
    agentToneSeconds: 120,
    workerVars: { MEDIA_NODE_HEARTBEAT_TIMEOUT_S: String(LOSS_TIMEOUT_S) },
  });
}, 180_000);

afterAll(async () => {
  await cs?.stop();
});

beforeEach(async () => {
  await cs?.freeFloor();
});

describe('a Worker restart in the power and predictive modes, the abandon cases and a ringing originate', () => {
  it('power: a customer waiting for an agent at the kill, one who answers while the Worker is down and one who answers and hangs up while it is down are abandoned once it is back (no agent free); the bridged call talks on; nothing stuck', async () => {
    const { s, hooks, agentIds } = cs;
    const waiting = lateLine(31, 4); // answers 4 s after the dial: the Worker is killed as it starts waiting for an agent
    const whileDown = lateLine(32, 10); // answers 10 s after the dial: the Worker is down by then
    const goneWhileDown = lateLine(33, 6, true); // answers 6 s after the dial and hangs up 4 s later, all while the Worker is down
    // One agent, five lines: layla takes the tone line; the others can only be abandoned while she talks. The tone
    // line is dialled last (contacts in id order): once it answers, layla is busy and power dials no more.
    const contacts = [waiting, whileDown, goneWhileDown, LINE.noAnswer, LINE.tone];
    const answeredAbandons = [waiting, whileDown, goneWhileDown];
    const id = await cs.campaign(
      { name: 'E2E Worker restart, power', dialing_mode: 'power', dial_ratio: 5, max_attempts: 1, retry_delay_minutes: 1 },
      { retry_delay_seconds: 2, ring_timeout_s: 15 },
      contacts,
      ['layla'],
    );
    const establishedBefore = cs.established('layla');
    expect((await s.api('supervisor', 'POST', `/v1/campaigns/${id}/start`)).status).toBe(200);

    // 1. Five lines dialled; layla bridged to the tone line; then the waiting line answers and finds no agent.
    await until(() => cs.forCampaign(id, 'call.initiated').length === 5 || null, 'five lines for one agent', 15_000);
    const toneAnswer = await hooks.waitFor((e) => e.event_type === 'call.answered' && e.payload.campaign_id === id && e.payload.contact_phone === LINE.tone, 'the tone line answered', 30_000);
    const toneId = toneAnswer.payload.call_id as string;
    expect(await cs.agentOn(toneId)).toBe('layla');
    await until(() => cs.established('layla') > establishedBefore, "layla's softphone bridged", 15_000);
    const waitingAnswer = await hooks.waitFor((e) => e.event_type === 'call.answered' && e.payload.campaign_id === id && e.payload.contact_phone === waiting, 'the waiting line answered', 20_000);
    const waitingId = waitingAnswer.payload.call_id as string;
    const closedBefore = cs.closed('layla');
    const eventsBeforeKill = new Set(hooks.events.map((e) => e.event_id as string));

    // 2. The Worker dies with the waiting customer on hold (or, on a slow run, just into the abandon message) and stays
    // down while the next lines answer (and one hangs up).
    const { killedAtMs, backAtMs } = await cs.restartWorker(WORKER_DOWN_MS);

    // 3. The answers are abandoned once the Worker is back: layla is still on the tone line.
    const abandoned = await until(() => {
      const a = cs.forCampaign(id, 'call.abandoned');
      return a.length >= 3 ? a : null;
    }, 'three call.abandoned', 60_000);
    expect(abandoned.map((e) => e.payload.contact_phone).sort()).toEqual([...answeredAbandons].sort());
    expect(cs.closed('layla')).toBe(closedBefore);
    expect(await cs.agentOn(toneId)).toBe('layla');

    // The bridged call talked on through the restart (its audio after a restart is proven by worker-restart.test.ts
    // and by the originate case below); layla ends it.
    expect((await cs.dialerView(id)).calls_bridged).toBe(1);
    await cs.phones.layla!.hangup();

    await hooks.waitFor((e) => e.event_type === 'campaign.completed' && e.payload.campaign_id === id, 'campaign.completed', 60_000);
    const { rows } = await expectNothingStuck(cs, id, contacts.length, 1, eventsBeforeKill);
    const row = (phone: string) => rows.find((r) => r.contact_phone === phone)!;

    // Who answered when: the waiting line before the kill, the others while the Worker was down (the node's answer
    // time), and one of those also hung up while it was down (the node's hang-up time).
    expect(Date.parse(row(waiting).answered_at!)).toBeLessThan(killedAtMs);
    for (const phone of [whileDown, goneWhileDown]) {
      expect(Date.parse(row(phone).answered_at!), phone).toBeGreaterThan(killedAtMs);
      expect(Date.parse(row(phone).answered_at!), phone).toBeLessThan(backAtMs);
    }
    expect(Date.parse(row(goneWhileDown).ended_at!)).toBeLessThan(backAtMs);

    const completed = new Map(cs.forCampaign(id, 'call.completed').map((e) => [e.payload.contact_phone as string, e.payload]));
    expect(completed.get(LINE.tone)).toMatchObject({ call_id: toneId, status: 'completed', outcome: 'completed', agent_id: agentIds.layla });
    for (const phone of answeredAbandons) {
      expect(completed.get(phone), phone).toMatchObject({ status: 'completed', outcome: 'abandoned', agent_id: null });
      expect(row(phone), phone).toMatchObject({ status: 'completed', agent_id: null, abandoned_at: expect.any(String) });
    }
    expect(completed.get(waiting)!.call_id).toBe(waitingId);
    expect(completed.get(LINE.noAnswer)).toMatchObject({ status: 'no_answer', outcome: 'no_answer', agent_id: null });
    const final = await cs.contactsOf(id);
    expect(final.get(LINE.tone)).toMatchObject({ status: 'completed', disposition: 'completed' });
    for (const phone of answeredAbandons) expect(final.get(phone), phone).toMatchObject({ status: 'failed', attempts: 1, disposition: 'abandoned' });
    expect(final.get(LINE.noAnswer)).toMatchObject({ status: 'failed', attempts: 1, disposition: 'no_answer' });
    // Four live answers, three abandoned.
    expect((await s.api('supervisor', 'GET', `/v1/campaigns/${id}`)).body.abandon_rate).toBe(75);
  });

  it('predictive: a customer who answers while the Worker is down, with an agent free, is bridged to that agent once it is back (not an abandon); the campaign dials on and completes once; nothing stuck', async () => {
    const { s, hooks, agentIds } = cs;
    const whileDown = lateLine(41, 6); // answers 6 s after the dial: the Worker is down by then
    const contacts = [LINE.tone, whileDown, LINE.busy, LINE.hangsUp, LINE.person];
    const id = await cs.campaign(
      { name: 'E2E Worker restart, predictive', dialing_mode: 'predictive', max_attempts: 2, retry_delay_minutes: 1 },
      { retry_delay_seconds: 2, ring_timeout_s: 15 },
      contacts,
      ['layla', 'omar'],
    );
    const before: Record<AgentName, number> = { layla: cs.established('layla'), omar: cs.established('omar'), nadia: 0 };
    expect((await s.api('supervisor', 'POST', `/v1/campaigns/${id}/start`)).status).toBe(200);

    // 1. One agent bridged to the tone line, the late line ringing (warm-up paces as progressive: two agents, two lines).
    const toneAnswer = await hooks.waitFor((e) => e.event_type === 'call.answered' && e.payload.campaign_id === id && e.payload.contact_phone === LINE.tone, 'the tone line answered', 30_000);
    const toneId = toneAnswer.payload.call_id as string;
    const who = await cs.agentOn(toneId);
    const other: AgentName = who === 'layla' ? 'omar' : 'layla';
    await until(() => cs.established(who) > before[who], `${who}'s softphone bridged`, 15_000);
    const ringing = await until(() => cs.forCampaign(id, 'call.initiated').find((e) => e.payload.contact_phone === whileDown) ?? null, 'the late line dialled', 15_000);
    const lateId = ringing.payload.call_id as string;
    expect(cs.forCampaign(id, 'call.answered').some((e) => e.payload.call_id === lateId)).toBe(false);
    const eventsBeforeKill = new Set(hooks.events.map((e) => e.event_id as string));

    // 2. The Worker dies; the late line answers while it is down.
    const { killedAtMs, backAtMs } = await cs.restartWorker(WORKER_DOWN_MS);

    // 3. Once the dialer learns of the answer (the node's event, retried), the free agent takes it.
    await until(() => cs.established(other) > before[other], `${other}'s softphone bridged to the line that answered while the Worker was down`, 30_000);
    expect(await cs.agentOn(lateId)).toBe(other);
    // Both agents end their calls; from now on they hang up each new call after a short talk.
    const talk = agentsHangUpAfter(cs, 1_500);
    await cs.phones[who]!.hangup();
    await cs.phones[other]!.hangup();
    try {
      await hooks.waitFor((e) => e.event_type === 'campaign.completed' && e.payload.campaign_id === id, 'campaign.completed', 90_000);
    } finally {
      talk.stop();
    }
    const { rows } = await expectNothingStuck(cs, id, contacts.length, 2, eventsBeforeKill);

    const late = rows.find((r) => r.id === lateId)!;
    expect(Date.parse(late.answered_at!)).toBeGreaterThan(killedAtMs);
    expect(Date.parse(late.answered_at!)).toBeLessThan(backAtMs);
    expect(late).toMatchObject({ status: 'completed', agent_id: agentIds[other], abandoned_at: null });
    const completed = new Map(cs.forCampaign(id, 'call.completed').filter((e) => e.payload.outcome !== 'busy').map((e) => [e.payload.contact_phone as string, e.payload]));
    expect(completed.get(whileDown)).toMatchObject({ call_id: lateId, status: 'completed', outcome: 'completed', agent_id: agentIds[other] });
    expect(completed.get(LINE.tone)).toMatchObject({ call_id: toneId, status: 'completed', outcome: 'completed', agent_id: agentIds[who] });
    expect(cs.forCampaign(id, 'call.abandoned')).toEqual([]);
    const final = await cs.contactsOf(id);
    for (const phone of [LINE.tone, whileDown, LINE.hangsUp, LINE.person]) expect(final.get(phone), phone).toMatchObject({ status: 'completed', attempts: 1, disposition: 'completed' });
    expect(final.get(LINE.busy)).toMatchObject({ status: 'failed', attempts: 2, disposition: 'busy' });
    expect((await s.api('supervisor', 'GET', `/v1/campaigns/${id}`)).body).toMatchObject({ status: 'completed', contacted: 5, connected: 4, abandon_rate: 0 });
  });

  it('a manual call (originate) whose customer is still ringing at the kill and answers while the Worker is down: bridged by the node, ends once when the agent hangs up; nothing stuck', async () => {
    const { s, hooks, agentIds } = cs;
    const who: AgentName = 'omar';
    const agentId = agentIds[who]!;
    const agentState = async () =>
      ((await s.api('supervisor', 'GET', '/v1/agents/state')).body.agents as Array<{ id: string; state: string; current_call_id: string | null }>).find((a) => a.id === agentId)!;
    const registered = async () => ((await s.api('supervisor', 'GET', '/v1/agents/sip-registered')).body.registered as Array<{ agent_id: string }>).some((r) => r.agent_id === agentId);
    // What originate requires, after the earlier cases' restarts (a client would wait for it too).
    await until(async () => ((await agentState()).state === 'available' && (await registered())) || null, `${who} available and registered`, 30_000).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify({ agent: await agentState(), registered: (await s.api('supervisor', 'GET', '/v1/agents/sip-registered')).body })}`);
    });
    const whileDown = lateLine(51, 6); // rings 6 s after the node dials it from the agent's leg
    const before = cs.established(who);
    const closedBefore = cs.closed(who);

    const res = await s.api('supervisor', 'POST', '/v1/calls/originate', { agent_id: agentId, destination: whileDown });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const callId = res.body.call_id as string;
    // The agent's leg is up (auto-answer); the Worker has had the node dial the customer, whose phone rings.
    await until(() => cs.established(who) > before, `${who}'s softphone answered`, 15_000);
    await until(() => cs.nodeDialled(whileDown), 'the customer dialled from the agent leg', 15_000);
    expect(hooks.forCall(callId).map((e) => e.event_type)).not.toContain('call.answered');

    const { killedAtMs, backAtMs } = await cs.restartWorker(WORKER_DOWN_MS);

    // The customer answered while the Worker was down; the node bridged the legs itself and the Worker learns of it.
    const answered = await hooks.waitFor((e) => e.correlation_id === callId && e.event_type === 'call.answered', 'call.answered', 30_000);
    expect(Date.parse(answered.payload.answered_at ?? answered.occurred_at)).toBeGreaterThan(killedAtMs);
    expect(Date.parse(answered.payload.answered_at ?? answered.occurred_at)).toBeLessThan(backAtMs);
    expect(cs.closed(who)).toBe(closedBefore);
    expect(await agentState()).toMatchObject({ state: 'on_call', current_call_id: callId });
    // The agent's tone reaches the customer through the node's bridge.
    const carrierHeard = await captureCarrierStreams(PORTS, 30);
    await new Promise((r) => setTimeout(r, 5_000));
    expect(mostToneBlocks(await carrierHeard.stop(), AGENT_HZ[who])).toBeGreaterThanOrEqual(5);

    // The agent hangs up: the call ends once, by the agent, everywhere.
    await expectOriginateEndsOnceByAgent(cs, { callId, who, contactPhone: whileDown });
  });
});
