// The originate flow (durable/agent-call/call-flow.ts) and the caller ID
// choice (originate/caller-id-choice.ts), as tables: pure, no runtime.
import { describe, expect, it } from 'vitest';
import { phaseDeadline, startFlow, stepFlow, type AgentCallFlow, type FlowInput } from '../../../worker/src/durable/agent-call/call-flow.ts';
import { chooseCallerId } from '../../../worker/src/originate/caller-id-choice.ts';

const T0 = 1_000_000;
const run = (inputs: FlowInput[], from: AgentCallFlow = startFlow()) => {
  let flow = from;
  const effects: string[] = [];
  for (const input of inputs) {
    const step = stepFlow(flow, input);
    flow = step.flow;
    effects.push(...step.effects.map((e) => (e.kind === 'ended' ? `ended:${e.outcome.status}:${e.outcome.cause}:${e.outcome.endedBy}:${e.outcome.talkS}` : e.kind === 'hangup_agent' ? `hangup:${e.cause}` : e.kind)));
  }
  return { flow, effects };
};

const agentUp: FlowInput = { kind: 'agent_connected', atMs: T0 + 1000 };
const customerUp: FlowInput = { kind: 'customer_connected', atMs: T0 + 5000 };
const agentGone = (cause = 16, atMs = T0 + 20_000): FlowInput => ({ kind: 'agent_disconnected', cause, reason: 'r', atMs });
const customerEnded = (endedBy: 'destination' | 'recipient', answered: boolean, cause = 16, talkS: number | null = null, atMs = T0 + 15_000): FlowInput => ({
  kind: 'customer_ended',
  answered,
  cause,
  reason: 'r',
  endedBy,
  talkS,
  atMs,
});

describe('originate flow', () => {
  it.each<[string, FlowInput[], string[], string]>([
    ['answered both ways, customer hangs up', [agentUp, customerUp, customerEnded('destination', true, 16, 10), agentGone()], ['connect', 'answered', 'hangup:16', 'ended:completed:16:customer:10'], 'ended'],
    ['answered both ways, agent hangs up (node ends the customer first)', [agentUp, customerUp, customerEnded('recipient', true, 16, 8), agentGone()], ['connect', 'answered', 'ended:completed:16:agent:8'], 'ended'],
    ['agent hangs up with no connect end reported: talk time from the answer', [agentUp, customerUp, agentGone(16, T0 + 17_000)], ['connect', 'answered', 'ended:completed:16:agent:12'], 'ended'],
    ['agent never answers', [{ kind: 'agent_ringing' }, agentGone(19)], ['ended:failed:19:agent:0'], 'ended'],
    ['agent refuses', [agentGone(21)], ['ended:failed:21:agent:0'], 'ended'],
    ['customer busy', [agentUp, { kind: 'customer_ringing' }, customerEnded('destination', false, 17), agentGone()], ['connect', 'hangup:16', 'ended:busy:17:customer:0'], 'ended'],
    ['customer never answers', [agentUp, customerEnded('destination', false, 19), agentGone()], ['connect', 'hangup:16', 'ended:no_answer:19:customer:0'], 'ended'],
    ['agent gives up while the customer rings', [agentUp, customerEnded('recipient', false, 16), agentGone()], ['connect', 'ended:no_answer:16:agent:0'], 'ended'],
    ['the node refuses the connect', [agentUp, { kind: 'connect_refused', atMs: T0 + 2000 }, agentGone()], ['connect', 'hangup:16', 'ended:failed:41:platform:0'], 'ended'],
    ['node lost while bridged', [agentUp, customerUp, { kind: 'node_lost', atMs: T0 + 9000 }], ['connect', 'answered', 'ended:completed:41:platform:4'], 'ended'],
    ['node lost while ringing the agent', [{ kind: 'node_lost', atMs: T0 }], ['ended:failed:41:platform:0'], 'ended'],
    ['agent ring deadline: hang up and end at once', [{ kind: 'deadline', atMs: T0 + 60_000 }], ['hangup:102', 'ended:failed:102:platform:0'], 'ended'],
    ['a hangup never confirmed: the deadline closes the call with its outcome', [agentUp, customerEnded('destination', false, 17), { kind: 'deadline', atMs: T0 + 60_000 }], ['connect', 'hangup:16', 'ended:busy:17:customer:0'], 'ended'],
    ['waiting on the hangup', [agentUp, customerEnded('destination', false, 17)], ['connect', 'hangup:16'], 'ending'],
  ])('%s', (_name, inputs, effects, phase) => {
    const result = run(inputs);
    expect(result.effects).toEqual(effects);
    expect(result.flow.phase).toBe(phase);
  });

  it('an ended call ignores everything after', () => {
    const { flow } = run([agentGone(19)]);
    for (const input of [agentUp, customerUp, agentGone(), { kind: 'node_lost', atMs: T0 } as FlowInput, { kind: 'deadline', atMs: T0 } as FlowInput]) {
      expect(stepFlow(flow, input)).toEqual({ flow, effects: [] });
    }
  });

  it('the first fact that ends the call fixes its outcome; the agent leg only closes it', () => {
    const { flow } = run([agentUp, customerUp, customerEnded('destination', true, 16, 30), agentGone(41)]);
    expect(flow.outcome).toEqual({ status: 'completed', cause: 16, reason: 'r', endedBy: 'customer', talkS: 30 });
  });

  it('deadlines per phase', () => {
    const limits = { agentRingS: 20, customerRingS: 30, maxCallS: 3600, graceS: 30, hangupConfirmS: 15 };
    expect(phaseDeadline(startFlow(), T0, limits)).toBe(T0 + 50_000);
    expect(phaseDeadline(run([agentUp]).flow, T0, limits)).toBe(T0 + 60_000);
    expect(phaseDeadline(run([agentUp, customerUp]).flow, T0, limits)).toBe(T0 + 3_630_000);
    expect(phaseDeadline(run([agentUp, customerEnded('destination', false, 17)]).flow, T0, limits)).toBe(T0 + 15_000);
    expect(phaseDeadline(run([agentGone(19)]).flow, T0, limits)).toBeNull();
  });
});

describe('caller ID choice', () => {
  it.each<[string, string[], string, string | null]>([
    ['a number of the destination country first', ['+12025550100', '+97142000009'], '+971501234567', '+97142000009'],
    ['else the first in E.164 order', ['+447700900123', '+12025550100'], '+971501234567', '+12025550100'],
    ['the first local one in order when several are local', ['+97142000009', '+97142000001'], '+971501234567', '+97142000001'],
    ['one number: that one', ['+12025550100'], '+971501234567', '+12025550100'],
    ['none: nothing to present', [], '+971501234567', null],
  ])('%s', (_name, numbers, destination, expected) => {
    expect(chooseCallerId(numbers, destination)).toBe(expected);
  });
});
