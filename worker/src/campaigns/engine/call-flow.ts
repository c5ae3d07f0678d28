/**
 * The life of one campaign call as a pure reducer: the customer is dialled
 * first (the campaign's leg on a media node); a live answer waits at most
 * 2 s for an agent, who is rung with `connect` (agent target) and bridged;
 * no agent in time → the abandon message, then hang-up; a machine (AMD) is
 * hung up on or left a message, never bridged. The CampaignDialer object
 * feeds node facts (and its own timers and agent claims) in and performs the
 * effects. docs/campaign-engine.md "One call" has the diagram and outcomes.
 *
 *   dialing ──human──► waiting ──agent claimed──► bridging ──agent answers──► bridged
 *      │ machine          │ 2 s, no agent            │ agent does not answer      │ either side hangs up
 *      ▼                  ▼                          ▼                            ▼
 *   machine ──────────► abandoning ◄─────────────────┘                         ending ──► ended
 *   (message or hang-up)  (message, then hang-up)
 * Any phase: the customer leg's `disconnected` ends the call; node lost → ended (41).
 *
 * The outcome is fixed by the first fact that decides it (bridged → completed,
 * abandoned, machine) or, for an unanswered call, by the leg's cause.
 */
import { callHistoryStatus } from '../../calls/call-outcome.ts';
import { Cause, q850Reason } from '../../telephony/q850.ts';

export type CampaignCallPhase = 'dialing' | 'waiting' | 'bridging' | 'bridged' | 'abandoning' | 'machine' | 'ending' | 'ended';

/** What happened to the attempt, as retries and counters see it. */
export type AttemptOutcome = 'completed' | 'busy' | 'no_answer' | 'failed' | 'machine' | 'abandoned';

export interface CallEnd {
  outcome: AttemptOutcome;
  cause: number;
  reason: string;
  /** Seconds the customer talked with an agent (0 if never bridged). */
  talkS: number;
}

export interface CampaignCallFlow {
  phase: CampaignCallPhase;
  answeredAtMs: number | null;
  answeredBy: 'HUMAN' | 'MACHINE' | null;
  /** The agent claimed for this call (bridging / bridged), or the preview agent who accepted it. */
  agentId: string | null;
  /** A preview call: the agent is claimed before the dial and keeps the call. */
  preassigned: boolean;
  bridgedAtMs: number | null;
  /** Set once decided (abandoned, machine, completed), before the leg is gone. */
  decided: AttemptOutcome | null;
  end: CallEnd | null;
  endedAtMs: number | null;
}

export type CallInput =
  | { kind: 'answered'; answeredBy: 'HUMAN' | 'MACHINE' | null; atMs: number }
  /** The customer leg is gone (the node's disconnected). */
  | { kind: 'disconnected'; cause: number; reason: string; atMs: number }
  | { kind: 'agent_claimed'; agentId: string }
  /** No agent could be claimed within the wait (2 s). */
  | { kind: 'no_agent' }
  | { kind: 'agent_connected'; atMs: number }
  /** The agent's phone did not answer / refused (connect failed). */
  | { kind: 'agent_failed' }
  /** The bridge ended: the agent hung up (destination) or the customer did (recipient; its disconnected follows). */
  | { kind: 'bridge_ended'; endedBy: 'destination' | 'recipient'; talkS: number | null; atMs: number }
  /** The message being played (abandon / machine) is over. */
  | { kind: 'play_done' }
  | { kind: 'node_lost'; atMs: number }
  | { kind: 'deadline'; atMs: number };

export type CallEffect =
  /** call.answered, the row's answered_at, the live count. */
  | { kind: 'answered'; answeredBy: 'HUMAN' | 'MACHINE' | null; atMs: number }
  /** Find a free agent on the call's node now (the object claims one and answers agent_claimed). */
  | { kind: 'find_agent' }
  | { kind: 'connect_agent'; agentId: string }
  | { kind: 'play'; message: 'abandon' | 'machine' }
  | { kind: 'hangup'; cause: number }
  | { kind: 'release_agent'; agentId: string }
  /** The agent's bridge is up: the row's agent_id, the live count. */
  | { kind: 'bridged'; agentId: string; atMs: number }
  /** The call is over: call.completed (and call.abandoned), the row, the contact, the slot. */
  | { kind: 'ended'; end: CallEnd; atMs: number };

export interface CallStep {
  flow: CampaignCallFlow;
  effects: CallEffect[];
}

export interface FlowOptions {
  machineAction: 'hangup' | 'message';
}

export function startCall(preassignedAgentId: string | null = null): CampaignCallFlow {
  return {
    phase: 'dialing',
    answeredAtMs: null,
    answeredBy: null,
    agentId: preassignedAgentId,
    preassigned: preassignedAgentId !== null,
    bridgedAtMs: null,
    decided: null,
    end: null,
    endedAtMs: null,
  };
}

export function stepCall(flow: CampaignCallFlow, input: CallInput, options: FlowOptions): CallStep {
  const same: CallStep = { flow, effects: [] };
  if (flow.phase === 'ended') return same;

  if (input.kind === 'disconnected') return legGone(flow, input.cause, input.reason, input.atMs);
  if (input.kind === 'node_lost') {
    const outcome: AttemptOutcome = flow.bridgedAtMs !== null ? 'completed' : (flow.decided ?? 'failed');
    return finish(flow, { outcome, cause: Cause.TEMPORARY_FAILURE, reason: q850Reason(Cause.TEMPORARY_FAILURE), talkS: talk(flow, input.atMs) }, input.atMs, releaseHeld(flow));
  }

  switch (flow.phase) {
    case 'dialing':
      switch (input.kind) {
        case 'answered': {
          const answered = { ...flow, answeredAtMs: input.atMs, answeredBy: input.answeredBy };
          const effects: CallEffect[] = [{ kind: 'answered', answeredBy: input.answeredBy, atMs: input.atMs }];
          if (input.answeredBy === 'MACHINE') {
            if (flow.agentId !== null) effects.push({ kind: 'release_agent', agentId: flow.agentId });
            const machine = { ...answered, agentId: null, phase: 'machine' as const, decided: 'machine' as const };
            if (options.machineAction === 'message') return { flow: machine, effects: [...effects, { kind: 'play', message: 'machine' }] };
            return { flow: { ...machine, phase: 'ending' }, effects: [...effects, { kind: 'hangup', cause: Cause.NORMAL_CLEARING }] };
          }
          if (flow.agentId !== null) return { flow: { ...answered, phase: 'bridging' }, effects: [...effects, { kind: 'connect_agent', agentId: flow.agentId }] };
          return { flow: { ...answered, phase: 'waiting' }, effects: [...effects, { kind: 'find_agent' }] };
        }
        case 'deadline':
          return hangUpAndFinish(flow, { outcome: 'no_answer', cause: Cause.RECOVERY_ON_TIMER_EXPIRY, reason: q850Reason(Cause.RECOVERY_ON_TIMER_EXPIRY), talkS: 0 }, input.atMs);
        default:
          return same;
      }

    case 'waiting':
      switch (input.kind) {
        case 'agent_claimed':
          return { flow: { ...flow, phase: 'bridging', agentId: input.agentId }, effects: [{ kind: 'connect_agent', agentId: input.agentId }] };
        case 'no_agent':
        case 'deadline':
          return abandon(flow, []);
        default:
          return same;
      }

    case 'bridging':
      switch (input.kind) {
        case 'agent_connected':
          return { flow: { ...flow, phase: 'bridged', bridgedAtMs: input.atMs, decided: 'completed' }, effects: [{ kind: 'bridged', agentId: flow.agentId!, atMs: input.atMs }] };
        case 'agent_failed':
        case 'deadline':
          // The agent's phone did not pick up: the customer is already waiting, so this is an abandon.
          return abandon({ ...flow, agentId: null }, flow.agentId ? [{ kind: 'release_agent', agentId: flow.agentId }] : []);
        case 'bridge_ended':
          return bridgeEnded(flow, input);
        default:
          return same;
      }

    case 'bridged':
      switch (input.kind) {
        case 'bridge_ended':
          return bridgeEnded(flow, input);
        case 'deadline':
          return { flow: { ...flow, phase: 'ending' }, effects: [{ kind: 'hangup', cause: Cause.NORMAL_CLEARING }] };
        default:
          return same;
      }

    case 'abandoning':
    case 'machine':
      switch (input.kind) {
        case 'play_done':
        case 'deadline':
          return { flow: { ...flow, phase: 'ending' }, effects: [{ kind: 'hangup', cause: Cause.NORMAL_CLEARING }] };
        default:
          return same;
      }

    case 'ending':
      if (input.kind === 'deadline') {
        return finish(flow, { outcome: flow.decided ?? 'failed', cause: Cause.RECOVERY_ON_TIMER_EXPIRY, reason: q850Reason(Cause.RECOVERY_ON_TIMER_EXPIRY), talkS: talk(flow, input.atMs) }, input.atMs, releaseHeld(flow));
      }
      return same;
  }
}

/** How long the object waits for the fact a phase expects before acting alone (ms after the phase began), or null. */
export function callDeadline(flow: CampaignCallFlow, phaseSinceMs: number, limits: CallLimits): number | null {
  const s = (seconds: number) => phaseSinceMs + seconds * 1000;
  switch (flow.phase) {
    case 'dialing':
      return s(limits.ringTimeoutS + limits.graceS);
    case 'waiting':
      return s(limits.agentWaitS);
    case 'bridging':
      return s(limits.agentRingS + limits.graceS);
    case 'bridged':
      return s(limits.maxCallS + limits.graceS);
    case 'abandoning':
    case 'machine':
      return s(limits.messageMaxS);
    case 'ending':
      return s(limits.hangupConfirmS);
    case 'ended':
      return null;
  }
}

export interface CallLimits {
  ringTimeoutS: number;
  /** A live answer waits this long for an agent before it is abandoned (2 s by rule). */
  agentWaitS: number;
  agentRingS: number;
  maxCallS: number;
  messageMaxS: number;
  graceS: number;
  hangupConfirmS: number;
}

function bridgeEnded(flow: CampaignCallFlow, input: Extract<CallInput, { kind: 'bridge_ended' }>): CallStep {
  // The agent is released here; agentId is cleared so the leg's end does not release them again.
  const bridged = { ...flow, agentId: null, decided: flow.bridgedAtMs !== null ? ('completed' as const) : flow.decided };
  const release: CallEffect[] = flow.agentId ? [{ kind: 'release_agent', agentId: flow.agentId }] : [];
  // The customer hung up: their leg's disconnected follows and ends the call.
  if (input.endedBy === 'recipient') return { flow: { ...bridged, phase: 'ending' }, effects: release };
  // The agent hung up: the customer's leg is still up.
  return { flow: { ...bridged, phase: 'ending' }, effects: [...release, { kind: 'hangup', cause: Cause.NORMAL_CLEARING }] };
}

function abandon(flow: CampaignCallFlow, effects: CallEffect[]): CallStep {
  return { flow: { ...flow, phase: 'abandoning', decided: 'abandoned' }, effects: [...effects, { kind: 'play', message: 'abandon' }] };
}

function legGone(flow: CampaignCallFlow, cause: number, reason: string, atMs: number): CallStep {
  const release = releaseHeld(flow);
  if (flow.decided !== null) return finish(flow, { outcome: flow.decided, cause, reason, talkS: talk(flow, atMs) }, atMs, release);
  if (flow.answeredAtMs !== null) {
    // Answered by a person who hung up while waiting for an agent (or during the agent's ring): abandoned.
    return finish(flow, { outcome: 'abandoned', cause, reason, talkS: 0 }, atMs, release);
  }
  const status = callHistoryStatus({ answered: false, answeredBy: null, cause });
  const outcome: AttemptOutcome = status === 'busy' ? 'busy' : status === 'no_answer' ? 'no_answer' : 'failed';
  return finish(flow, { outcome, cause, reason, talkS: 0 }, atMs, release);
}

function hangUpAndFinish(flow: CampaignCallFlow, end: CallEnd, atMs: number): CallStep {
  const done = finish(flow, end, atMs, releaseHeld(flow));
  return { flow: done.flow, effects: [{ kind: 'hangup', cause: end.cause }, ...done.effects] };
}

/** The agent this call still holds (claimed for the bridge, or the preview agent), given back when the call ends. */
function releaseHeld(flow: CampaignCallFlow): CallEffect[] {
  return flow.agentId !== null ? [{ kind: 'release_agent', agentId: flow.agentId }] : [];
}

function finish(flow: CampaignCallFlow, end: CallEnd, atMs: number, before: CallEffect[]): CallStep {
  return { flow: { ...flow, phase: 'ended', end, endedAtMs: atMs }, effects: [...before, { kind: 'ended', end, atMs }] };
}

function talk(flow: CampaignCallFlow, atMs: number): number {
  return flow.bridgedAtMs === null ? 0 : Math.max(0, (atMs - flow.bridgedAtMs) / 1000);
}
