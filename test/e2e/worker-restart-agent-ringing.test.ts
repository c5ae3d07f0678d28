// The Worker dies (SIGKILL of workerd, down past the node-loss timeout, then
// restarted on the same state) while a campaign call is in one of the states
// test/e2e/worker-restart*.test.ts do not reach: the agent's softphone still
// ringing, or the customer answering and hanging up with an agent free.
// - power, the agent claimed for a customer who answered, the agent's phone
//   ringing at the kill and answered while the Worker is down: the node
//   bridges them itself and the dialer learns of it after the restart; a
//   completed call, not an abandon. The same when the phone rings through a
//   short restart and is answered once the Worker is back.
// - the same, but the agent never answers: the agent's ring times out (on the
//   node, during or after the outage) and the customer is abandoned once
//   (message, hang-up, call.abandoned); the agent is released.
// - power, one agent free, a customer answers and hangs up while the Worker is
//   down: never reached an agent, so abandoned once (docs/campaign-engine.md
//   "Worker restart"); the agent's phone never rings and the agent is free.
//   The kill follows the node's dial closely: on some runs it lands before the
//   dialer saw the node take the originate, and call.initiated must still
//   come once (campaign-engine.md "A dial caught by the kill").
// Each case ends with nothing stuck (support/restart-invariants.ts).
// The agent's softphone (baresip) does not auto-answer here: the test answers
// it (`accept`) at the moment the case needs. The carrier is
// test/sipp/carrier-late-answer.xml (lateLine: the ring seconds are in the
// dialled number).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { until } from './dialer-session.ts';
import { AGENT_HZ, lateLine, startCampaignStack, type CampaignStack } from './support/campaign-stack.ts';
import { expectNothingStuck } from './support/restart-invariants.ts';
import { captureCarrierStreams, mostToneBlocks } from './support/rtp-streams.ts';

/** Short, and the Worker stays down longer: the fleet must not take its own downtime for the node's silence. */
const LOSS_TIMEOUT_S = 5;
const WORKER_DOWN_MS = 8_000;
/** A kill and restart short enough that a phone rung just before it (15 s) still rings after it. */
const SHORT_DOWN_MS = 500;

/** Its own ports: no other e2e file uses them. */
const PORTS = { worker: 8999, carrier: 5352, carrierMedia: 6960, mediaSip: 5344, mediaControl: 7342, rtpMin: 39000, rtpMax: 39499 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cs: CampaignStack;

beforeAll(async () => {
  cs = await startCampaignStack('worker-restart-agent-ringing', ['layla'], {
    ports: PORTS,
    carrierScenario: new URL('../sipp/carrier-late-answer.xml', import.meta.url).pathname,
    manualAnswer: ['layla'],
    workerVars: { MEDIA_NODE_HEARTBEAT_TIMEOUT_S: String(LOSS_TIMEOUT_S) },
  });
}, 180_000);

afterAll(async () => {
  await cs?.stop();
});

beforeEach(async () => {
  await cs?.freeFloor();
});

const rang = () => cs.phones.layla!.events.filter((e) => e.type === 'CALL_INCOMING').length;

/** A power campaign of one contact for layla, started. */
async function startPower(name: string, customer: string): Promise<string> {
  const id = await cs.campaign(
    { name: `E2E Worker restart, ${name}`, dialing_mode: 'power', dial_ratio: 1, max_attempts: 1, retry_delay_minutes: 1 },
    { retry_delay_seconds: 2, ring_timeout_s: 15 },
    [customer],
    ['layla'],
  );
  expect((await cs.s.api('supervisor', 'POST', `/v1/campaigns/${id}/start`)).status).toBe(200);
  return id;
}

/** The customer answered and layla was claimed for them: her phone rings. */
async function agentRinging(id: string, customer: string, rangBefore: number): Promise<string> {
  const answered = await cs.hooks.waitFor((e) => e.event_type === 'call.answered' && e.payload.campaign_id === id && e.payload.contact_phone === customer, 'the customer answered', 30_000);
  const callId = answered.payload.call_id as string;
  expect(await cs.agentOn(callId)).toBe('layla');
  await until(() => rang() > rangBefore, "layla's softphone ringing", 15_000);
  return callId;
}

/**
 * A customer answers, layla is claimed and her phone rings; the Worker is killed; she answers while it is down (the
 * node bridges the call itself and the dialer learns of it after the restart) or once it is back (a short outage, so
 * her phone still rings then). Either way: bridged to her, her tone reaches the customer, completed once when she
 * hangs up, not an abandon, nothing stuck.
 */
async function agentAnswersAcrossRestart(n: number, when: 'while the Worker is down' | 'once the Worker is back'): Promise<void> {
  const { hooks, agentIds } = cs;
  const customer = lateLine(n, 2);
  const rangBefore = rang();
  const establishedBefore = cs.established('layla');
  const closedBefore = cs.closed('layla');
  const id = await startPower(`agent answers ${when}`, customer);
  const callId = await agentRinging(id, customer, rangBefore);
  expect(cs.established('layla')).toBe(establishedBefore);
  const eventsBeforeKill = new Set(hooks.events.map((e) => e.event_id as string));
  const answer = async () => {
    await cs.phones.layla!.command('accept');
    await until(() => cs.established('layla') > establishedBefore, 'layla answered', 10_000);
    return Date.now();
  };

  if (when === 'while the Worker is down') {
    const restart = cs.restartWorker(WORKER_DOWN_MS);
    await sleep(2_000);
    const answeredAtMs = await answer();
    const { killedAtMs, backAtMs } = await restart;
    expect(answeredAtMs).toBeGreaterThan(killedAtMs);
    expect(answeredAtMs).toBeLessThan(backAtMs);
  } else {
    // Down only briefly: the node rings her 15 s, and the Worker must be back before that runs out.
    await cs.restartWorker(SHORT_DOWN_MS);
    expect(cs.closed('layla'), "layla's phone still ringing once the Worker is back").toBe(closedBefore);
    await answer();
  }

  // Once the dialer learns of the bridge, the call is bridged to layla; her tone reaches the customer.
  await until(async () => (await cs.dialerView(id)).calls_bridged === 1 || null, 'the dialer to show the call bridged', 30_000);
  expect(await cs.agentOn(callId)).toBe('layla');
  const carrierHeard = await captureCarrierStreams(PORTS, 30);
  await sleep(3_000);
  expect(mostToneBlocks(await carrierHeard.stop(), AGENT_HZ.layla)).toBeGreaterThanOrEqual(5);
  expect(cs.closed('layla')).toBe(closedBefore);
  expect(cs.forCampaign(id, 'call.abandoned')).toEqual([]);

  // Layla ends the call.
  await cs.phones.layla!.hangup();
  await hooks.waitFor((e) => e.event_type === 'campaign.completed' && e.payload.campaign_id === id, 'campaign.completed', 60_000);
  const { rows } = await expectNothingStuck(cs, id, 1, 1, eventsBeforeKill);
  expect(rows[0]).toMatchObject({ id: callId, status: 'completed', agent_id: agentIds.layla, abandoned_at: null });
  expect(cs.forCampaign(id, 'call.completed')[0]!.payload).toMatchObject({ call_id: callId, status: 'completed', outcome: 'completed', agent_id: agentIds.layla });
  expect((await cs.contactsOf(id)).get(customer)).toMatchObject({ status: 'completed', attempts: 1, disposition: 'completed' });
  expect((await cs.s.api('supervisor', 'GET', `/v1/campaigns/${id}`)).body).toMatchObject({ status: 'completed', connected: 1, abandon_rate: 0 });
  // One call rang on layla's phone, established once, closed once.
  expect(rang()).toBe(rangBefore + 1);
  expect(cs.established('layla')).toBe(establishedBefore + 1);
  expect(cs.closed('layla')).toBe(closedBefore + 1);
}

describe('a Worker restart with an agent claimed and ringing, or a customer gone while the Worker is down', () => {
  it("power: the agent's phone rings at the kill and is answered while the Worker is down: bridged once it is back, not an abandon; nothing stuck", async () => {
    await agentAnswersAcrossRestart(61, 'while the Worker is down');
  });

  it("power: the agent's phone rings through the restart and is answered once the Worker is back: bridged, not an abandon; nothing stuck", async () => {
    await agentAnswersAcrossRestart(64, 'once the Worker is back');
  });

  it("power: the agent's phone rings at the kill and is never answered: the customer is abandoned once, the agent released; nothing stuck", async () => {
    const { hooks } = cs;
    const customer = lateLine(62, 2);
    const rangBefore = rang();
    const establishedBefore = cs.established('layla');
    const closedBefore = cs.closed('layla');
    const id = await startPower('agent never answers', customer);
    const callId = await agentRinging(id, customer, rangBefore);
    const eventsBeforeKill = new Set(hooks.events.map((e) => e.event_id as string));

    // The Worker dies with layla's phone ringing; nobody answers it. Its ring times out on the node (15 s), during
    // the outage or after it.
    await cs.restartWorker(WORKER_DOWN_MS);
    const abandoned = await hooks.waitFor((e) => e.event_type === 'call.abandoned' && e.payload.campaign_id === id, 'call.abandoned', 60_000);
    expect(abandoned.payload).toMatchObject({ call_id: callId, contact_phone: customer });
    await until(() => cs.closed('layla') > closedBefore, "layla's phone stops ringing", 30_000);

    await hooks.waitFor((e) => e.event_type === 'campaign.completed' && e.payload.campaign_id === id, 'campaign.completed', 60_000);
    const { rows } = await expectNothingStuck(cs, id, 1, 1, eventsBeforeKill);
    expect(rows[0]).toMatchObject({ id: callId, status: 'completed', agent_id: null, abandoned_at: expect.any(String) });
    expect(cs.forCampaign(id, 'call.completed')[0]!.payload).toMatchObject({ call_id: callId, status: 'completed', outcome: 'abandoned', agent_id: null });
    expect((await cs.contactsOf(id)).get(customer)).toMatchObject({ status: 'failed', attempts: 1, disposition: 'abandoned' });
    expect((await cs.s.api('supervisor', 'GET', `/v1/campaigns/${id}`)).body).toMatchObject({ status: 'completed', abandon_rate: 100 });
    // Layla's phone rang once, was never answered, and is idle again.
    expect(rang()).toBe(rangBefore + 1);
    expect(cs.established('layla')).toBe(establishedBefore);
    expect(cs.closed('layla')).toBe(closedBefore + 1);
  });

  it('power: a customer answers and hangs up while the Worker is down, the agent free: abandoned once, the agent never rung and free; nothing stuck', async () => {
    const { hooks, agentIds } = cs;
    const customer = lateLine(63, 3, true); // answers 3 s after the dial and hangs up 4 s later: both while the Worker is down
    const rangBefore = rang();
    const id = await startPower('customer gone while down', customer);
    await until(() => cs.nodeDialled(customer), 'the customer dialled', 15_000);
    const eventsBeforeKill = new Set(hooks.events.map((e) => e.event_id as string));

    const { killedAtMs, backAtMs } = await cs.restartWorker(WORKER_DOWN_MS);
    const abandoned = await hooks.waitFor((e) => e.event_type === 'call.abandoned' && e.payload.campaign_id === id, 'call.abandoned', 60_000);
    const callId = abandoned.payload.call_id as string;

    await hooks.waitFor((e) => e.event_type === 'campaign.completed' && e.payload.campaign_id === id, 'campaign.completed', 60_000);
    const { rows } = await expectNothingStuck(cs, id, 1, 1, eventsBeforeKill);
    const row = rows[0]!;
    // Answered and gone while the Worker was down (the node's times).
    expect(Date.parse(row.answered_at!)).toBeGreaterThan(killedAtMs);
    expect(Date.parse(row.ended_at!)).toBeLessThan(backAtMs);
    expect(row).toMatchObject({ id: callId, status: 'completed', agent_id: null, abandoned_at: expect.any(String) });
    expect(cs.forCampaign(id, 'call.completed')[0]!.payload).toMatchObject({ call_id: callId, status: 'completed', outcome: 'abandoned', agent_id: null });
    expect((await cs.contactsOf(id)).get(customer)).toMatchObject({ status: 'failed', attempts: 1, disposition: 'abandoned' });
    expect((await cs.s.api('supervisor', 'GET', `/v1/campaigns/${id}`)).body).toMatchObject({ status: 'completed', abandon_rate: 100 });
    // Nobody was left to bridge: layla's phone never rang, and she was never put on this call.
    expect(rang()).toBe(rangBefore);
    const laylaStates = hooks.events.filter((e) => e.event_type === 'agent.state_changed' && e.payload.agent_id === agentIds.layla && e.payload.current_call_id === callId);
    expect(laylaStates).toEqual([]);
  });
});
