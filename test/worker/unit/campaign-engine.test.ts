// The campaign engine's pure decisions by table: one call's flow (bridge,
// abandon, machine, ends), what becomes of a contact, where dials go, and
// which assigned agents are ready or available.
import { describe, expect, it } from 'vitest';
import { startCall, stepCall, callDeadline, type CallInput, type CampaignCallFlow, type FlowOptions } from '../../../worker/src/campaigns/engine/call-flow.ts';
import { CALLING_HOURS_RECHECK_MS, contactAfterBlock, contactAfterCall } from '../../../worker/src/campaigns/engine/contact-after.ts';
import { spreadDials } from '../../../worker/src/campaigns/engine/node-spread.ts';
import { callInputOf } from '../../../worker/src/campaigns/engine/node-event-input.ts';
import { fallbackJurisdiction } from '../../../worker/src/campaigns/engine/calling-jurisdiction.ts';
import { agentReadiness, startRefusal } from '../../../worker/src/campaigns/assignment/agent-readiness.ts';
import type { AgentRecord } from '../../../worker/src/agents/agent-state-machine.ts';
import type { SipBinding } from '../../../worker/src/agents/sip-bindings.ts';

const HANGUP = { machineAction: 'hangup' as const };
const MESSAGE = { machineAction: 'message' as const };

function run(inputs: CallInput[], options: FlowOptions = HANGUP, flow: CampaignCallFlow = startCall()) {
  const effects: string[] = [];
  for (const input of inputs) {
    const step = stepCall(flow, input, options);
    flow = step.flow;
    effects.push(...step.effects.map((e) => (e.kind === 'ended' ? `ended:${e.end.outcome}:${e.end.cause}` : e.kind === 'play' ? `play:${e.message}` : e.kind)));
  }
  return { flow, effects };
}

const at = 1_000_000;
const answered = (by: 'HUMAN' | 'MACHINE' | null = null): CallInput => ({ kind: 'answered', answeredBy: by, atMs: at });
const gone = (cause = 16): CallInput => ({ kind: 'disconnected', cause, reason: 'x', atMs: at + 5000 });

describe('campaign call flow', () => {
  it.each<[string, CallInput[], string, string[]]>([
    ['busy', [gone(17)], 'ended', ['ended:busy:17']],
    ['no answer', [gone(19)], 'ended', ['ended:no_answer:19']],
    ['failed', [gone(34)], 'ended', ['ended:failed:34']],
    ['answered, agent bridged, customer hangs up', [answered(), { kind: 'agent_claimed', agentId: 'a1' }, { kind: 'agent_connected', atMs: at + 1000 }, { kind: 'bridge_ended', endedBy: 'recipient', talkS: 3, atMs: at + 4000 }, gone()], 'ended', ['answered', 'find_agent', 'connect_agent', 'bridged', 'release_agent', 'ended:completed:16']],
    ['answered, agent hangs up: customer hung up by us', [answered(), { kind: 'agent_claimed', agentId: 'a1' }, { kind: 'agent_connected', atMs: at }, { kind: 'bridge_ended', endedBy: 'destination', talkS: 3, atMs: at }, gone()], 'ended', ['answered', 'find_agent', 'connect_agent', 'bridged', 'release_agent', 'hangup', 'ended:completed:16']],
    ['no agent within the wait: abandoned after the message', [answered('HUMAN'), { kind: 'no_agent' }, { kind: 'play_done' }, gone()], 'ended', ['answered', 'find_agent', 'play:abandon', 'hangup', 'ended:abandoned:16']],
    ['agent does not answer: released, abandoned', [answered(), { kind: 'agent_claimed', agentId: 'a1' }, { kind: 'agent_failed' }, { kind: 'play_done' }, gone()], 'ended', ['answered', 'find_agent', 'connect_agent', 'release_agent', 'play:abandon', 'hangup', 'ended:abandoned:16']],
    ['customer hangs up while waiting: abandoned', [answered(), gone()], 'ended', ['answered', 'find_agent', 'ended:abandoned:16']],
    ['machine, hang up', [answered('MACHINE'), gone()], 'ended', ['answered', 'hangup', 'ended:machine:16']],
    ['node lost while bridged: completed 41, agent released', [answered(), { kind: 'agent_claimed', agentId: 'a1' }, { kind: 'agent_connected', atMs: at }, { kind: 'node_lost', atMs: at }], 'ended', ['answered', 'find_agent', 'connect_agent', 'bridged', 'release_agent', 'ended:completed:41']],
    ['node lost while ringing: failed 41', [{ kind: 'node_lost', atMs: at }], 'ended', ['ended:failed:41']],
    ['ring deadline: hang up, no answer', [{ kind: 'deadline', atMs: at }], 'ended', ['hangup', 'ended:no_answer:102']],
    ['events after the end change nothing', [gone(17), answered()], 'ended', ['ended:busy:17']],
  ])('%s', (_name, inputs, phase, effects) => {
    const out = run(inputs);
    expect(out.flow.phase).toBe(phase);
    expect(out.effects).toEqual(effects);
  });

  it('machine with message: the message, then hang-up', () => {
    expect(run([answered('MACHINE'), { kind: 'play_done' }, gone()], MESSAGE).effects).toEqual(['answered', 'play:machine', 'hangup', 'ended:machine:16']);
  });

  it('preview: the accepted agent is connected at once on answer and released if the customer never answers', () => {
    expect(run([answered()], HANGUP, startCall('a1')).effects).toEqual(['answered', 'connect_agent']);
    expect(run([gone(19)], HANGUP, startCall('a1')).effects).toEqual(['release_agent', 'ended:no_answer:19']);
  });

  it('deadlines: ring + grace, the 2 s agent wait, message and hangup confirmation', () => {
    const limits = { ringTimeoutS: 20, agentWaitS: 2, agentRingS: 15, maxCallS: 3600, messageMaxS: 60, graceS: 30, hangupConfirmS: 15 };
    expect(callDeadline(startCall(), 0, limits)).toBe(50_000);
    expect(callDeadline(run([answered()]).flow, 0, limits)).toBe(2_000);
    expect(callDeadline(run([answered(), { kind: 'no_agent' }]).flow, 0, limits)).toBe(60_000);
    expect(callDeadline(run([gone()]).flow, 0, limits)).toBeNull();
  });
});

describe('contact after an attempt', () => {
  const now = 1_000_000;
  it.each<[Parameters<typeof contactAfterCall>[0], number, number, string, number | null]>([
    ['completed', 1, 3, 'completed', null],
    ['busy', 1, 3, 'pending', now + 60_000],
    ['no_answer', 2, 3, 'pending', now + 60_000],
    ['machine', 1, 3, 'pending', now + 60_000],
    ['abandoned', 1, 3, 'pending', now + 60_000],
    ['failed', 3, 3, 'failed', null],
    ['busy', 3, 3, 'failed', null],
  ])('%s at attempt %i of %i → %s', (outcome, attempts, max, status, next) => {
    expect(contactAfterCall(outcome, attempts, max, now, 60_000)).toMatchObject({ status, nextAttemptAtMs: next });
  });

  it.each<[string | null, string, number | null]>([
    ['dnc_national', 'dnc', null],
    ['dnc_tenant', 'dnc', null],
    ['consent', 'failed', null],
    ['calling_hours', 'pending', now + CALLING_HOURS_RECHECK_MS],
    ['cli_ownership', 'pending', now + 60_000],
    ['compliance_unavailable', 'pending', now + 60_000],
  ])('blocked by %s → %s', (rule, status, next) => {
    expect(contactAfterBlock(rule, now, 60_000)).toMatchObject({ status, nextAttemptAtMs: next });
  });
});

describe('spreading dials over nodes', () => {
  it.each<[number, Array<[string, number, number]>, string[]]>([
    [2, [['n1', 1, 0], ['n2', 1, 0]], ['n1', 'n2']],
    [3, [['n1', 2, 0], ['n2', 1, 0]], ['n1', 'n2', 'n1']],
    [2, [['n1', 2, 2], ['n2', 1, 0]], ['n2', 'n1']],
    [2, [['n1', 0, 0]], []],
    [0, [['n1', 3, 0]], []],
  ])('%i dials over %j', (dials, nodes, expected) => {
    expect(spreadDials(dials, nodes.map(([nodeId, availableAgents, callsInFlight]) => ({ nodeId, availableAgents, callsInFlight })))).toEqual(expected);
  });
});

describe('assigned agents ready for a campaign', () => {
  const binding: SipBinding = { node_id: 'n1', sip_user: 'a', realm: 'r', contact: 'c', user_agent: 'u', registered_at: '', expires_at: '2999-01-01T00:00:00Z' };
  const rec = (state: AgentRecord['state'], currentCallId: string | null = null): AgentRecord => ({ state, stateSince: '2026-01-01T00:00:00Z', reason: null, currentCallId, preCallState: null, preCallReason: null, removed: false, changedBy: null });
  const assigned = (id: string, on_floor = true) => ({ agent_id: id, full_name: id, assigned_at: '', on_floor });

  it.each<[string, AgentRecord | undefined, boolean, boolean, boolean, boolean]>([
    ['available and registered', rec('available'), true, true, true, true],
    ['available, not registered', rec('available'), false, false, false, false],
    ['on a call', rec('on_call', 'c1'), true, true, false, true],
    ['on break', rec('break'), true, true, false, false],
    ['offline', rec('offline'), true, false, false, false],
    ['never set (offline)', undefined, true, false, false, false],
  ])('%s', (_name, record, registered, ready, available, pacing) => {
    const [r] = agentReadiness([assigned('a1')], record ? { a1: record } : {}, registered ? { a1: binding } : {});
    expect(r).toMatchObject({ ready, available, pacing });
  });

  it('start refusals: none assigned (or none still an agent), none ready', () => {
    expect(startRefusal([], [])).toBe('no_agents_assigned');
    expect(startRefusal([assigned('a1', false)], agentReadiness([assigned('a1', false)], {}, {}))).toBe('no_agents_assigned');
    expect(startRefusal([assigned('a1')], agentReadiness([assigned('a1')], { a1: rec('offline') }, { a1: binding }))).toBe('no_agents_ready');
    expect(startRefusal([assigned('a1')], agentReadiness([assigned('a1')], { a1: rec('lunch') }, { a1: binding }))).toBeNull();
  });
});

describe('node events as call facts', () => {
  const owner = { kind: 'campaign' as const, id: 'c1' };
  const base = { voice_id: '00000000-0000-4000-8000-000000000001', owner, seq: 1, at: '2026-06-12T10:00:00.000Z' };
  const CONNECT = '00000000-0000-4000-8000-0000000000cc';
  it.each<[string, Record<string, unknown>, string | null]>([
    ['answered by a person', { type: 'connected' }, 'answered'],
    ['answered by a machine', { type: 'connected', answered_by: 'MACHINE' }, 'answered'],
    ['the leg gone', { type: 'disconnected', cause: 17, reason: 'User Busy', duration_s: 0, hangup_by: 'remote' }, 'disconnected'],
    ['our abandon message over', { type: 'playstate', playstate: 'playfinished', prompt_ref: 'campaign:c1:abandon' }, 'play_done'],
    ['the hold prompt over (not followed)', { type: 'playstate', playstate: 'playfinished', prompt_ref: 'campaign:c1:hold' }, null],
    ['a message starting (not followed)', { type: 'playstate', playstate: 'initiated', prompt_ref: 'campaign:c1:machine' }, null],
    ['the agent answered', { type: 'connect', connect_id: CONNECT, connectstate: 'connected' }, 'agent_connected'],
    ["the agent's phone failed", { type: 'connect', connect_id: CONNECT, connectstate: 'failed', ended_by: 'destination' }, 'agent_failed'],
    ['the customer left while the agent rang', { type: 'connect', connect_id: CONNECT, connectstate: 'failed', ended_by: 'recipient' }, 'bridge_ended'],
    ['the bridge ended', { type: 'connect', connect_id: CONNECT, connectstate: 'disconnected', ended_by: 'destination', duration_s: 12 }, 'bridge_ended'],
    ['another connect (not followed)', { type: 'connect', connect_id: '00000000-0000-4000-8000-0000000000dd', connectstate: 'connected' }, null],
    ['ringing (not followed)', { type: 'ringing', channel_id: 'x' }, null],
  ])('%s', (_name, ev, kind) => {
    expect(callInputOf({ ...base, ...ev } as never, CONNECT)?.kind ?? null).toBe(kind);
  });
});

describe('whose calling hours', () => {
  it.each<[string, string, string | null]>([
    ['+971501234567', 'Asia/Riyadh', null], // the callee's own country (the engine derives it)
    ['+12012774877', 'Asia/Dubai', null],
    ['+80012345678', 'Asia/Dubai', 'AE'], // non-geographic: the campaign's zone decides
    ['+80012345678', 'Africa/Cairo', 'EG'],
    ['+80012345678', 'UTC', null], // a zone of no country: nobody says, calling hours block
  ])('%s with a campaign in %s → %s', (phone, zone, expected) => {
    expect(fallbackJurisdiction(phone, zone)).toBe(expected);
  });
});
