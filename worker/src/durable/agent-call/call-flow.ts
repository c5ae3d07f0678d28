/**
 * The life of a manual originate (POST /v1/calls/originate) as one pure
 * reducer: the agent is rung first; once their leg answers the customer is
 * dialled from it (a `connect`); either side hanging up ends both. Facts
 * from the media node (and the object's own timers) go in, the next phase
 * and what to do go out; the AgentCall object performs the effects.
 *
 *   ringing_agent ──agent answers──► dialing_customer ──customer answers──► bridged
 *        │ agent never answers            │ customer busy / no answer         │ either side hangs up
 *        ▼                                ▼ (agent hung up by us)             ▼
 *      ended ◄──────────── agent leg gone ◄──────────── ending ◄──────────────┘
 *
 * The outcome (calls row status, cause, who ended it, talk time) is fixed by
 * the first fact that ends the call; the agent leg's own `disconnected` only
 * closes it. docs/agents-calls.md "Outcomes" has the table.
 */
import type { CallHistoryStatus } from '../../calls/call-outcome.ts';
import { callHistoryStatus } from '../../calls/call-outcome.ts';
import { Cause, q850Reason } from '../../telephony/q850.ts';

export type AgentCallPhase = 'ringing_agent' | 'dialing_customer' | 'bridged' | 'ending' | 'ended';

/** Who ended the call: the agent's side, the customer's side, or the platform (node lost, guard, refusal). */
export type EndedBy = 'agent' | 'customer' | 'platform';

export interface CallOutcome {
  status: CallHistoryStatus;
  cause: number;
  reason: string;
  endedBy: EndedBy;
  /** Seconds the customer was connected (the calls row's duration_seconds); 0 if never. */
  talkS: number;
}

export interface AgentCallFlow {
  phase: AgentCallPhase;
  agentAnsweredAtMs: number | null;
  customerAnsweredAtMs: number | null;
  outcome: CallOutcome | null;
  endedAtMs: number | null;
}

export type FlowInput =
  | { kind: 'agent_ringing' }
  | { kind: 'agent_connected'; atMs: number }
  /** The agent leg is gone (the node's disconnected). */
  | { kind: 'agent_disconnected'; cause: number; reason: string; atMs: number }
  | { kind: 'customer_ringing' }
  | { kind: 'customer_connected'; atMs: number }
  /** The connect is over (connect failed / disconnected); endedBy as the node reports it. */
  | { kind: 'customer_ended'; answered: boolean; cause: number; reason: string; endedBy: 'destination' | 'recipient'; talkS: number | null; atMs: number }
  /** The node would not take the connect: the customer cannot be dialled. */
  | { kind: 'connect_refused'; atMs: number }
  | { kind: 'node_lost'; atMs: number }
  /** The phase's deadline passed without the fact it waits for (docs/agents-calls.md "Guards"). */
  | { kind: 'deadline'; atMs: number };

export type FlowEffect =
  /** Dial the customer from the agent's leg and bridge them. */
  | { kind: 'connect' }
  | { kind: 'hangup_agent'; cause: number }
  /** The customer picked up: call.answered, the row's answered_at. */
  | { kind: 'answered'; atMs: number }
  /** The call is over: call.completed, the row, the agent back, the node slot back. */
  | { kind: 'ended'; outcome: CallOutcome; atMs: number };

export interface FlowStep {
  flow: AgentCallFlow;
  effects: FlowEffect[];
}

export function startFlow(): AgentCallFlow {
  return { phase: 'ringing_agent', agentAnsweredAtMs: null, customerAnsweredAtMs: null, outcome: null, endedAtMs: null };
}

export function stepFlow(flow: AgentCallFlow, input: FlowInput): FlowStep {
  const same: FlowStep = { flow, effects: [] };
  if (flow.phase === 'ended') return same;
  if (flow.phase === 'ending') {
    // The outcome was fixed when the end began; the agent leg's end (or giving up on it) closes the call.
    return input.kind === 'agent_disconnected' || input.kind === 'node_lost' || input.kind === 'deadline' ? end(flow, flow.outcome!, input.atMs) : same;
  }
  // A live call lost with its node, or one still setting up past its deadline, ends on the platform's word, whatever its phase.
  if (input.kind === 'node_lost') return end(flow, platformEnd(flow, Cause.TEMPORARY_FAILURE, input.atMs), input.atMs);
  if (input.kind === 'deadline' && flow.phase !== 'bridged') return endHangingUp(flow, platformEnd(flow, Cause.RECOVERY_ON_TIMER_EXPIRY, input.atMs), input.atMs);

  switch (flow.phase) {
    case 'ringing_agent':
      switch (input.kind) {
        case 'agent_connected':
          return { flow: { ...flow, phase: 'dialing_customer', agentAnsweredAtMs: input.atMs }, effects: [{ kind: 'connect' }] };
        case 'agent_disconnected':
          // The agent did not answer, refused, or could not be reached: the customer was never dialled.
          return end(flow, { status: 'failed', cause: input.cause, reason: input.reason, endedBy: 'agent', talkS: 0 }, input.atMs);
        default:
          return same;
      }

    case 'dialing_customer':
      switch (input.kind) {
        case 'customer_connected':
          return { flow: { ...flow, phase: 'bridged', customerAnsweredAtMs: input.atMs }, effects: [{ kind: 'answered', atMs: input.atMs }] };
        case 'customer_ended':
          return customerEnded(flow, input);
        case 'connect_refused':
          return hangUpAgent(flow, { status: 'failed', cause: Cause.TEMPORARY_FAILURE, reason: q850Reason(Cause.TEMPORARY_FAILURE), endedBy: 'platform', talkS: 0 });
        case 'agent_disconnected':
          // Normally the node reports the connect's end first; without it, the agent still ended a call nobody answered.
          return end(flow, { status: 'no_answer', cause: input.cause, reason: input.reason, endedBy: 'agent', talkS: 0 }, input.atMs);
        default:
          return same;
      }

    case 'bridged':
      switch (input.kind) {
        case 'customer_ended':
          return customerEnded(flow, input);
        case 'agent_disconnected':
          return end(flow, { status: 'completed', cause: input.cause, reason: input.reason, endedBy: 'agent', talkS: secondsSince(flow.customerAnsweredAtMs, input.atMs) }, input.atMs);
        case 'deadline':
          // Past the longest call allowed: hang up; the outcome is a completed call.
          return hangUpAgent(flow, { status: 'completed', cause: Cause.NORMAL_CLEARING, reason: q850Reason(Cause.NORMAL_CLEARING), endedBy: 'platform', talkS: secondsSince(flow.customerAnsweredAtMs, input.atMs) });
        default:
          return same;
      }
  }
}

/**
 * The connect that dialled the customer is over, before or after they
 * answered. If the agent's side ended it (recipient), the agent leg's own
 * disconnected follows and closes the call; otherwise the agent is hung up.
 */
function customerEnded(flow: AgentCallFlow, input: Extract<FlowInput, { kind: 'customer_ended' }>): FlowStep {
  const byAgent = input.endedBy === 'recipient';
  const endedBy: EndedBy = byAgent ? 'agent' : 'customer';
  const outcome: CallOutcome =
    flow.phase === 'bridged'
      ? { status: 'completed', cause: input.cause, reason: input.reason, endedBy, talkS: input.talkS ?? secondsSince(flow.customerAnsweredAtMs, input.atMs) }
      : // The agent gave up while the customer's phone rang, or the customer never answered.
        { status: byAgent ? 'no_answer' : callHistoryStatus({ answered: false, answeredBy: null, cause: input.cause }), cause: input.cause, reason: input.reason, endedBy, talkS: 0 };
  return byAgent ? { flow: { ...flow, phase: 'ending', outcome }, effects: [] } : hangUpAgent(flow, outcome);
}

/** The deadline of the phase, from when it began (ms), or null when nothing is awaited. */
export function phaseDeadline(flow: AgentCallFlow, phaseSinceMs: number, limits: { agentRingS: number; customerRingS: number; maxCallS: number; graceS: number; hangupConfirmS: number }): number | null {
  const s = (seconds: number) => phaseSinceMs + seconds * 1000;
  switch (flow.phase) {
    case 'ringing_agent':
      return s(limits.agentRingS + limits.graceS);
    case 'dialing_customer':
      return s(limits.customerRingS + limits.graceS);
    case 'bridged':
      return s(limits.maxCallS + limits.graceS);
    case 'ending':
      return s(limits.hangupConfirmS);
    case 'ended':
      return null;
  }
}

function end(flow: AgentCallFlow, outcome: CallOutcome, atMs: number): FlowStep {
  return { flow: { ...flow, phase: 'ended', outcome, endedAtMs: atMs }, effects: [{ kind: 'ended', outcome, atMs }] };
}

function hangUpAgent(flow: AgentCallFlow, outcome: CallOutcome): FlowStep {
  return { flow: { ...flow, phase: 'ending', outcome }, effects: [{ kind: 'hangup_agent', cause: Cause.NORMAL_CLEARING }] };
}

/** A lost leg is ended at once (nothing will confirm it), after a last hangup in case the node still has it. */
function endHangingUp(flow: AgentCallFlow, outcome: CallOutcome, atMs: number): FlowStep {
  const ended = end(flow, outcome, atMs);
  return { flow: ended.flow, effects: [{ kind: 'hangup_agent', cause: outcome.cause }, ...ended.effects] };
}

function platformEnd(flow: AgentCallFlow, cause: number, atMs: number): CallOutcome {
  const answered = flow.customerAnsweredAtMs !== null;
  return { status: answered ? 'completed' : 'failed', cause, reason: q850Reason(cause), endedBy: 'platform', talkS: secondsSince(flow.customerAnsweredAtMs, atMs) };
}

function secondsSince(fromMs: number | null, atMs: number): number {
  return fromMs === null ? 0 : Math.max(0, (atMs - fromMs) / 1000);
}
