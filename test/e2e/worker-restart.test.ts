// The Worker itself dies in the middle of live campaign calls (SIGKILL of
// workerd: every Durable Object's memory, timers and pending promises gone;
// D1, Durable Object storage and alarms kept, as on a deploy or an eviction)
// and comes back on the same state. On the real stack
// (test/e2e/support/campaign-stack.ts): wrangler dev + media node (the
// agents' registrar) + SIPp carrier (outcome by the dialled number's last
// digit) + two baresip agents. The calls keep running on the node while the
// Worker is down; its heartbeats and events fail and are retried.
// After the restart: the bridged call is still bridged with the agent's audio
// reaching the customer, the ringing call ends by its own ring timeout and is
// retried, the campaign completes exactly once, every contact is final, every
// calls row ended, nothing is left on the node, both agents are free, and
// every call's webhooks (raised before, during and after the kill) arrive.
// The same for a broadcast mid-way, and for a manual call (POST
// /v1/calls/originate, the AgentCall: agent leg + customer leg) bridged
// through the restart: it talks on, and ends once when the agent hangs up;
// before it, an idle agent whose registration refresh falls in an outage
// stays registered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './dialer-session.ts';
import { AUTH, startClient, type Client } from './client.ts';
import { AGENT_HZ, LINE, agentsHangUpAfter, startCampaignStack, type AgentName, type CampaignStack } from './support/campaign-stack.ts';
import { expectNothingStuck, expectOriginateEndsOnceByAgent } from './support/restart-invariants.ts';
import { captureCarrierStreams, mostToneBlocks } from './support/rtp-streams.ts';

/**
 * The fleet declares a silent node lost after this many seconds (15 by default). Short here, and the Worker stays
 * down longer than it: the fleet must not take its own downtime for the node's silence (docs/media-protocol.md).
 */
const LOSS_TIMEOUT_S = 5;
const WORKER_DOWN_MS = (LOSS_TIMEOUT_S + 1) * 1000;

/** Its own ports: no other e2e file uses them. */
const PORTS = { worker: 8991, carrier: 5322, carrierMedia: 6820, mediaSip: 5314, mediaControl: 7322, rtpMin: 36000, rtpMax: 36999 };

/** The tone line is dialled first (contacts in id order) and bridged through the restart; the no-answer line rings through it. */
const CONTACTS = [
  LINE.tone,
  LINE.noAnswer,
  '+971501230010', // persons who say "Hello?" and listen: the agent hangs up
  '+971501230020',
  '+971501230030',
  '+971501230040',
  LINE.hangsUp, // persons who hang up after 4 s
  '+971501230016',
  LINE.busy,
  '+971501230011',
  '+971501230013', // declines
  '+971501230014', // unavailable
];

let cs: CampaignStack;
/** The broadcast API's webhook receiver (event_url). */
let client: Client;

beforeAll(async () => {
  cs = await startCampaignStack('worker-restart', ['layla', 'omar'], { ports: PORTS, workerVars: { MEDIA_NODE_HEARTBEAT_TIMEOUT_S: String(LOSS_TIMEOUT_S) } });
  client = await startClient();
}, 180_000);

afterAll(async () => {
  await client?.close();
  await cs?.stop();
});

describe('a Worker restart in the middle of live campaign calls', () => {
  it('leaves nothing stuck: the bridged call talks on, the campaign completes once, every contact, row, agent and node call ends, no webhook is lost', async () => {
    const { s, hooks, phones, agentIds } = cs;
    const id = await cs.campaign(
      { name: 'E2E Worker restart', dialing_mode: 'progressive', max_attempts: 2, retry_delay_minutes: 1 },
      { retry_delay_seconds: 2, ring_timeout_s: 15 },
      CONTACTS,
      ['layla', 'omar'],
    );
    const established = (name: AgentName) => phones[name]!.events.filter((e) => e.type === 'CALL_ESTABLISHED').length;
    const closed = (name: AgentName) => phones[name]!.events.filter((e) => e.type === 'CALL_CLOSED').length;
    const before: Partial<Record<AgentName, number>> = { layla: established('layla'), omar: established('omar') };
    expect((await s.api('supervisor', 'POST', `/v1/campaigns/${id}/start`)).status).toBe(200);

    // 1. One call bridged to an agent, another ringing.
    const answered = await hooks.waitFor((e) => e.event_type === 'call.answered' && e.payload.campaign_id === id && e.payload.contact_phone === LINE.tone, 'the tone line answered', 30_000);
    const bridgedId = answered.payload.call_id as string;
    const who = await cs.agentOn(bridgedId);
    await until(() => established(who) > (before[who] ?? 0), `${who}'s softphone bridged`, 15_000);
    const ringing = await until(() => cs.forCampaign(id, 'call.initiated').find((e) => e.payload.contact_phone === LINE.noAnswer) ?? null, 'the no-answer line dialled', 10_000);
    const ringingId = ringing.payload.call_id as string;
    const closedBefore = closed(who);
    const eventsBeforeKill = new Set(hooks.events.map((e) => e.event_id as string));

    // 2. SIGKILL the Worker, leave it down past the loss timeout (the node's beats and events fail), start it again.
    await cs.stack.restartWorker({ downMs: WORKER_DOWN_MS });

    // 3a. The bridged call survived: still bridged in the dialer, the softphone never hung up, and the agent's
    // tone still reaches the customer after the restart.
    const carrierHeard = await captureCarrierStreams(PORTS, 30);
    await new Promise((r) => setTimeout(r, 3_000));
    const streams = await carrierHeard.stop();
    expect(closed(who)).toBe(closedBefore);
    expect(mostToneBlocks(streams, AGENT_HZ[who])).toBeGreaterThanOrEqual(5);
    // The dialer learns the bridge from the node's connect event; one sent while the Worker was down is sent again as
    // soon as a heartbeat gets through (the node's send queue resumes then instead of waiting out its backoff,
    // docs/media-protocol.md): a second or two after the restart, more on a loaded machine.
    await until(async () => (await cs.dialerView(id)).calls_bridged >= 1 || null, 'the dialer to show the call bridged', 10_000); // the other agent may have taken a new call by now
    expect(await cs.agentOn(bridgedId)).toBe(who);

    // From now on the agents end their calls after a short talk; the agent ends the call bridged through the restart.
    const talk = agentsHangUpAfter(cs, 1_500);
    await phones[who]!.hangup();

    // 3b. The campaign completes, once.
    try {
      await hooks.waitFor((e) => e.event_type === 'campaign.completed' && e.payload.campaign_id === id, 'campaign.completed', 100_000);
    } finally {
      talk.stop();
    }

    // The bridged call ended cleanly by the agent: completed, talked through the restart.
    const completed = new Map(cs.forCampaign(id, 'call.completed').map((e) => [e.payload.call_id as string, e.payload]));
    expect(completed.get(bridgedId)).toMatchObject({ status: 'completed', outcome: 'completed', agent_id: agentIds[who] });
    // The ringing call rang out on the node (its own ring timeout) while or after the Worker was down: a no-answer, retried.
    expect(completed.get(ringingId)).toMatchObject({ status: 'no_answer', outcome: 'no_answer', agent_id: null });

    // Nothing stuck (every contact final within max_attempts, every calls row ended, one per attempt; each call's
    // webhooks once after de-duplication by event id, those raised before the kill among them; the abandon rate; the
    // dialer, the node and both agents free), and these lines' outcomes.
    const { rows, contacts } = await expectNothingStuck(cs, id, CONTACTS.length, 2, eventsBeforeKill);
    expect(contacts.get(LINE.tone)).toMatchObject({ status: 'completed', attempts: 1 });
    expect(contacts.get(LINE.noAnswer)).toMatchObject({ status: 'failed', attempts: 2, disposition: 'no_answer' });
    expect(contacts.get(LINE.busy)).toMatchObject({ status: 'failed', attempts: 2, disposition: 'busy' });

    // Each call.abandoned is an abandoned row (the helper checked the campaign's rate against the rows), and not the
    // call bridged through the restart. (Which calls, if any, are abandoned depends on when answers fall around it.)
    const abandoned = cs.forCampaign(id, 'call.abandoned').map((e) => e.payload.call_id as string);
    expect(rows.filter((r) => r.abandoned_at !== null).map((r) => r.id).sort()).toEqual([...abandoned].sort());
    expect(abandoned).not.toContain(bridgedId);
    const human = rows.filter((r) => r.answered_at !== null && r.answered_by !== 'MACHINE').length;
    console.info(JSON.stringify({ worker_restart: { rows: rows.length, outcomes: [...completed.values()].map((p) => p.outcome), abandoned: abandoned.length, live_answers: human } }));
  });

  it('a broadcast whose Worker restarts mid-way: every leg ends with one disconnected, one broadcastcall_complete', async () => {
    const voice = (method: string, path: string, body?: unknown) =>
      fetch(`${cs.stack.url}${path}`, { method, headers: { authorization: AUTH, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    // Slow dispatch, so some legs are still queued when the Worker dies and are dialled by the restarted one.
    expect((await voice('PATCH', '/voice/v1/account/settings', { calls_per_second: 2 })).status).toBe(200);
    // Persons who hang up after 4 s (last digit 6), busy lines (1), lines that ring out (2).
    const numbers = [...Array.from({ length: 6 }, (_, i) => `9715012347${i}6`), '971501234711', '971501234721', '971501234732', '971501234742'];
    const res = await voice('POST', '/voice/v1/broadcast', {
      name: 'e2e worker restart',
      owner_ref: 'e2e',
      from: '12012774877',
      answering_machine_detection: false,
      recipients: numbers.map((to) => ({ to, play: { type: 'tts', text: 'Hello, this is a short reminder from Crier. Goodbye.', voice: 'Female', language: 'en-US', prompt_ref: 'restart' } })),
      event_url: client.url,
      call_handler_url: client.url,
      ring_timeout: 5,
    });
    expect(res.status).toBe(200);
    const id = ((await res.json()) as { broadcast_id: string }).broadcast_id;
    await until(() => client.events.filter((e) => e.broadcast_id === id && e.state === 'connected').length >= 2, 'two legs connected', 30_000);

    await cs.stack.restartWorker({ downMs: WORKER_DOWN_MS });

    const complete = await client.waitForComplete(id, 90_000);
    expect(complete.broadcast_call_info).toHaveLength(numbers.length);
    expect(client.completes(id)).toHaveLength(1);
    const legs = new Set(client.events.filter((e) => e.broadcast_id === id && e.voice_id).map((e) => e.voice_id as string));
    expect(legs.size).toBe(numbers.length);
    for (const v of legs) expect(client.forLeg(v).filter((e) => e.state === 'disconnected'), v).toHaveLength(1);
    // No leg reported the same thing twice under different event ids (redeliveries of one id are allowed).
    expect(client.repeatedKinds(id)).toEqual({});
    expect(client.badSignatures).toBe(0);
    // The persons were answered and talked through to their own hang-up, not cut by the restart (no cause 41).
    const causes = complete.broadcast_call_info.map((i: any) => i.disconnectReasonCode as number);
    expect(causes).not.toContain(41);
    await until(async () => (await cs.nodeLiveCalls()) === 0, 'no call left on the media node', 20_000);
    console.info(JSON.stringify({ broadcast_restart: { causes, redelivered: client.duplicatesFor(id) } }));
  });

  // Once skipped: in 2 of ~8 runs the idle agent was not SIP-registered when this began (originate 409
  // agent-not-registered). Its softphone's routine refresh had fallen in an earlier restart's outage, the node
  // answered it 503 (no credentials without the Worker), and baresip waits 30-60 s after a failed refresh while
  // its binding lapses. The node now answers such a refresh from the credentials the agent registered with
  // (docs/agents-calls.md "Worker restart").
  it('an originated call (agent leg + customer leg) talks on through a restart; the agent hangs up and it ends once, everywhere', async () => {
    const { s, hooks, phones, agentIds } = cs;
    // Whoever the campaign left free takes it (both are free by now: the campaign case ends with that).
    const who: AgentName = 'omar';
    const agentId = agentIds[who]!;
    const phone = phones[who]!;
    const established = () => phone.events.filter((e) => e.type === 'CALL_ESTABLISHED').length;
    const closed = () => phone.events.filter((e) => e.type === 'CALL_CLOSED').length;
    const agentState = async () =>
      ((await s.api('supervisor', 'GET', '/v1/agents/state')).body.agents as Array<{ id: string; state: string; current_call_id: string | null }>).find((a) => a.id === agentId)!;
    const establishedBefore = established();
    // What once made this case flake, made to happen: the idle agent's routine registration refresh (baresip: every
    // 54 s, 90 % of the 60 s it asks for, counted from its first registration) falls in a Worker outage. The node
    // must take it without the Worker (from the credentials the agent registered with): before, it answered 503,
    // baresip waited 30-60 s before trying again, and the binding lapsed meanwhile.
    const registeredAt = Date.parse(((await s.api('supervisor', 'GET', '/v1/agents/sip-registered')).body.registered as Array<{ agent_id: string; registered_at: string }>).find((r) => r.agent_id === agentId)!.registered_at);
    const REFRESH_MS = 54_000;
    const nextRefresh = registeredAt + Math.ceil((Date.now() + 3_000 - registeredAt) / REFRESH_MS) * REFRESH_MS;
    await new Promise((r) => setTimeout(r, nextRefresh - 1_500 - Date.now()));
    await cs.stack.restartWorker({ downMs: WORKER_DOWN_MS });
    // Past the refresh and past the expiry of the binding it renewed (60 s after the refresh before). baresip logs a
    // failed refresh (REGISTER_FAIL), not a successful one: none may have failed.
    await new Promise((r) => setTimeout(r, Math.max(0, nextRefresh + 7_500 - Date.now())));
    expect(phone.events.filter((e) => e.type === 'REGISTER_FAIL')).toEqual([]);

    // The refresh, reported during the outage, reaches the Worker when the node's queue sends again, just after the
    // restart: registered now means it did (the binding it renewed has expired). Wait for what originate requires,
    // as a client would; if it never comes, say what the floor and the registrations showed.
    const registered = async () => ((await s.api('supervisor', 'GET', '/v1/agents/sip-registered')).body.registered as Array<{ agent_id: string }>).some((r) => r.agent_id === agentId);
    await until(async () => ((await agentState()).state === 'available' && (await registered())) || null, `${who} available and registered`, 30_000).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify({ agent: await agentState(), registered: (await s.api('supervisor', 'GET', '/v1/agents/sip-registered')).body })}`);
    });

    const res = await s.api('supervisor', 'POST', '/v1/calls/originate', { agent_id: agentId, destination: LINE.tone });
    expect(res.status, JSON.stringify({ body: res.body, agent: await agentState(), registered: (await s.api('supervisor', 'GET', '/v1/agents/sip-registered')).body })).toBe(202);
    const callId = res.body.call_id as string;
    // Both legs up: the agent's softphone answered, the line (which plays its tone) answered and was bridged.
    await until(() => established() > establishedBefore, `${who}'s softphone answered`, 15_000);
    await hooks.waitFor((e) => e.correlation_id === callId && e.event_type === 'call.answered', 'call.answered', 15_000);
    expect(await agentState()).toMatchObject({ state: 'on_call', current_call_id: callId });
    const closedBefore = closed();

    await cs.stack.restartWorker({ downMs: WORKER_DOWN_MS });

    // The call survives the restart (the AgentCall's state is in storage; the fleet does not count its own downtime
    // as the node's silence): the softphone never hung up, the agent's tone still reaches the line, nothing ended it,
    // the agent is still on it.
    const carrierHeard = await captureCarrierStreams(PORTS, 30);
    await new Promise((r) => setTimeout(r, 3_000));
    const streams = await carrierHeard.stop();
    expect(closed()).toBe(closedBefore);
    expect(mostToneBlocks(streams, AGENT_HZ[who])).toBeGreaterThanOrEqual(5);
    expect(hooks.forCall(callId).map((e) => e.event_type)).toEqual(['call.initiated', 'call.answered']);
    expect(await agentState()).toMatchObject({ state: 'on_call', current_call_id: callId });

    // The agent hangs up: the call ends once, by the agent, everywhere.
    await expectOriginateEndsOnceByAgent(cs, { callId, who, contactPhone: LINE.tone });
  }, 180_000); // two restarts, the first one timed to the agent's next refresh (up to 54 s away)
});
