// A campaign's calls that do not simply reach an agent, on the real stack
// (test/e2e/support/campaign-stack.ts): wrangler dev + media node (the
// agents' registrar) + SIPp carrier (outcome by the dialled number's last
// digit) + two baresip agents.
// Answering-machine detection: the carrier's machine line (greeting, beep,
// silence) is decided MACHINE by the node's real detector, is never rung
// through to the free agents, hears the campaign's machine message and is
// hung up, is not an abandon (no call.abandoned, abandon_rate 0), and its
// contact's disposition is machine; the person in the same campaign reaches
// an agent. Node loss: the media node is SIGKILLed while one campaign call is
// bridged and another rings; within the fleet's (short, test) loss timeout
// both end with cause 41, the ringing contact is rescheduled, the agent is
// available again, and nothing stays dialing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toneBlocks, until } from './dialer-session.ts';
import { AGENT_HZ, LINE, startCampaignStack, type CampaignStack } from './support/campaign-stack.ts';
import { captureCarrierStreams } from './support/rtp-streams.ts';

/** The carrier's answering machine (last digit 5) and a person who says "Hello?" and listens (last digit 0). */
const MACHINE = '+971501230015';
const PERSON = '+971501230010';
/** The fleet declares a silent node lost after this many seconds (15 by default; short for the test). */
const LOSS_TIMEOUT_S = 5;

let cs: CampaignStack;

beforeAll(async () => {
  cs = await startCampaignStack('campaign-amd', ['layla', 'omar'], { workerVars: { MEDIA_NODE_HEARTBEAT_TIMEOUT_S: String(LOSS_TIMEOUT_S) } });
}, 180_000);

afterAll(async () => {
  await cs?.stop();
});

/** Calls the agents' softphones took (they auto-answer: CALL_ESTABLISHED, no CALL_INCOMING). */
const agentCalls = () => Object.values(cs.phones).reduce((n, p) => n + p!.events.filter((e) => e.type === 'CALL_ESTABLISHED').length, 0);

/** 200 ms blocks with sound in them (speech, not the silence of a line waiting). */
function soundBlocks(pcm: Int16Array): number {
  let n = 0;
  for (let at = 0; at + 1600 <= pcm.length; at += 1600) {
    let sum = 0;
    for (let i = at; i < at + 1600; i++) sum += pcm[i]! * pcm[i]!;
    if (Math.sqrt(sum / 1600) > 300) n++;
  }
  return n;
}

describe('campaign calls that do not simply reach an agent, on the real stack', () => {
  it('AMD: the machine line is decided MACHINE, never bridged, left the message and hung up, not abandoned, disposition machine; the person reaches an agent', async () => {
    const { s, hooks, phones, agentIds } = cs;
    const callsBefore = agentCalls();
    const id = await cs.campaign(
      { name: 'E2E machines', dialing_mode: 'progressive', max_attempts: 1, retry_delay_minutes: 1 },
      { retry_delay_seconds: 2, ring_timeout_s: 15, amd: true, machine_action: 'message', machine_message: 'Hello. This is Crier calling about your order. We will call you back later. Goodbye.' },
      [MACHINE, PERSON],
      ['layla', 'omar'],
    );
    const carrierHeard = await captureCarrierStreams(cs.stack.ports);
    expect((await s.api('supervisor', 'POST', `/v1/campaigns/${id}/start`)).status).toBe(200);

    // The person: an agent takes the call, talks briefly, hangs up.
    const answered = await hooks.waitFor((e) => e.event_type === 'call.answered' && e.payload.contact_phone === PERSON, 'the person answered', 60_000);
    const who = await cs.agentOn(answered.payload.call_id as string);
    await phones[who]!.waitForEvent('CALL_ESTABLISHED', 15_000, true);
    await new Promise((r) => setTimeout(r, 2000));
    await phones[who]!.hangup();

    await hooks.waitFor((e) => e.event_type === 'campaign.completed' && e.payload.campaign_id === id, 'campaign.completed', 90_000);
    const streams = await carrierHeard.stop();
    const machineDone = cs.forCampaign(id, 'call.completed').find((e) => e.payload.contact_phone === MACHINE)!;
    const machineCallId = machineDone.payload.call_id as string;

    // Decided MACHINE by the node's detector, never an agent's, never an abandon.
    expect(cs.forCampaign(id, 'call.answered').find((e) => e.payload.call_id === machineCallId)!.payload).toMatchObject({ answered_by: 'machine', agent_id: null });
    expect(answered.payload).toMatchObject({ answered_by: 'human' });
    expect(machineDone.payload).toMatchObject({ campaign_id: id, status: 'voicemail', outcome: 'machine', agent_id: null });
    expect(cs.forCampaign(id, 'call.abandoned')).toEqual([]);
    const rows = cs.callRows(id);
    expect(rows.find((r) => r.id === machineCallId)).toMatchObject({ status: 'voicemail', answered_by: 'MACHINE', agent_id: null, abandoned_at: null });
    // The agents' phones took one call in this campaign: the person's, not the machine's.
    expect(agentCalls() - callsBefore).toBe(1);
    // machine_action message: the machine's line heard the message (sound in a stream the node sent the carrier
    // that carries no agent's tone), then our hang-up (Normal Clearing).
    const machineHeard = [...streams.values()].filter((pcm) => toneBlocks(pcm, AGENT_HZ.layla) === 0 && toneBlocks(pcm, AGENT_HZ.omar) === 0);
    expect(Math.max(0, ...machineHeard.map(soundBlocks))).toBeGreaterThanOrEqual(10);
    expect(machineDone.payload.hangup_cause_code).toBe(16);

    const contacts = await cs.contactsOf(id);
    expect(contacts.get(MACHINE)).toMatchObject({ status: 'failed', attempts: 1, disposition: 'machine' }); // max_attempts 1: machine is retried only below it
    expect(contacts.get(PERSON)).toMatchObject({ status: 'completed', attempts: 1, disposition: 'completed' });
    expect(rows.find((r) => r.contact_phone === PERSON)).toMatchObject({ agent_id: agentIds[who], answered_by: 'HUMAN', abandoned_at: null });

    // abandon_rate unaffected: the machine is neither a live answer nor an abandon.
    const detail = await s.api('supervisor', 'GET', `/v1/campaigns/${id}`);
    expect(detail.body).toMatchObject({ status: 'completed', contacted: 2, connected: 1, abandon_rate: 0 });
    expect(cs.forCampaign(id, 'campaign.completed')).toHaveLength(1);
    await cs.agentsFree(10_000);
  });

  it('node loss: SIGKILL with a call bridged and one ringing; both end 41, the ringing contact is rescheduled, the agent is available, nothing stays dialing', async () => {
    const { s, hooks, phones, agentIds } = cs;
    await cs.agentsFree();
    const id = await cs.campaign(
      { name: 'E2E node loss', dialing_mode: 'progressive', max_attempts: 3, retry_delay_minutes: 60 },
      { ring_timeout_s: 60 },
      ['+971501230020', LINE.noAnswer],
      ['layla', 'omar'],
    );
    const established = (name: keyof typeof phones) => phones[name]!.events.filter((e) => e.type === 'CALL_ESTABLISHED').length;
    const before = { layla: established('layla'), omar: established('omar') };
    expect((await s.api('supervisor', 'POST', `/v1/campaigns/${id}/start`)).status).toBe(200);
    const answered = await hooks.waitFor((e) => e.event_type === 'call.answered' && e.payload.campaign_id === id, 'the person answered', 30_000);
    const bridgedId = answered.payload.call_id as string;
    const who = await cs.agentOn(bridgedId);
    await until(() => established(who) > before[who as 'layla' | 'omar'], `${who}'s softphone bridged`, 15_000);
    const ringing = await until(() => cs.forCampaign(id, 'call.initiated').find((e) => e.payload.contact_phone === LINE.noAnswer) ?? null, 'the no-answer line dialled', 10_000);
    const ringingId = ringing.payload.call_id as string;

    const killed = cs.stack.media;
    process.kill(-killed.child.pid!, 'SIGKILL');
    await killed.exited;

    // Within the loss timeout (plus the fleet's alarm and delivery): both calls end with cause 41.
    const ended = await until(() => {
      const done = cs.forCampaign(id, 'call.completed');
      return done.length >= 2 ? new Map(done.map((e) => [e.payload.call_id as string, e.payload])) : null;
    }, 'both calls ended after the node loss', (LOSS_TIMEOUT_S + 15) * 1000);
    expect(ended.get(bridgedId)).toMatchObject({ hangup_cause_code: 41, status: 'completed', agent_id: agentIds[who] });
    expect(ended.get(ringingId)).toMatchObject({ hangup_cause_code: 41, status: 'failed', agent_id: null });

    // Contacts: the talked-to one is done; the ringing one is pending again for a later attempt; none dialing.
    const contacts = await until(async () => {
      const c = await cs.contactsOf(id);
      return [...c.values()].every((x) => x.status !== 'dialing') ? c : null;
    }, 'no contact dialing', 10_000);
    expect(contacts.get('+971501230020')).toMatchObject({ status: 'completed', attempts: 1 });
    expect(contacts.get(LINE.noAnswer)).toMatchObject({ status: 'pending', attempts: 1, disposition: 'failed' });

    // The agent is available again, and the dialer holds no call.
    await until(async () => {
      const floor = (await s.api('supervisor', 'GET', '/v1/agents/state')).body.agents as Array<{ id: string; state: string; current_call_id: string | null }>;
      const agent = floor.find((a) => a.id === agentIds[who]);
      return agent && agent.state === 'available' && agent.current_call_id === null ? agent : null;
    }, `${who} available again`, 10_000);
    const view = await cs.dialerView(id);
    expect(view).toMatchObject({ calls_in_flight: 0, calls_waiting: 0, calls_bridged: 0 });
    const rows = cs.callRows(id);
    expect(rows).toHaveLength(2);
    expect(cs.forCampaign(id, 'call.initiated')).toHaveLength(2); // the rescheduled contact waits for its delay
    for (const row of rows) expect(['completed', 'failed']).toContain(row.status);

    // Bring a node back so the stack stops as it started.
    cs.stack.media = cs.stack.startMediaNode();
    await until(async () => ((await (await fetch(`${cs.stack.url}/healthz`)).json()) as { live_media_nodes: number }).live_media_nodes > 0, 'a media node again', 30_000);
  });
});
