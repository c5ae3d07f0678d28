/**
 * An agent's floor state and every way it may change (spec "Agents"), as one
 * pure function: the AgentFloor Durable Object applies the decision, the
 * tests read the table directly.
 *
 *   command                 from                         → result
 *   set S (client)          removed                      refused: not on the floor
 *                           on_call, by the agent         refused: on a call
 *                           on_call, by a supervisor      S, call cleared (override of a stuck call)
 *                           S already                     unchanged (state_since kept)
 *                           anything else                 S
 *   call C (dialer)         removed                      refused: not on the floor
 *                           on_call with C                unchanged
 *                           on_call with another call     on_call with C (a new call, new state_since)
 *                           anything else                 on_call with C; the state before is kept
 *   call ended (dialer)     on_call                      back to the state before the call
 *                           anything else                 unchanged
 *   claim C (originate,     removed                      refused: not on the floor
 *     campaign bridge)      on_call with C                unchanged
 *                           on_call with another call     refused: busy
 *                           anything else                 on_call with C; the state before is kept
 *   release C (call over)   on_call with C                back to the state before the call
 *                           anything else                 unchanged (a late end of an older call
 *                                                         never ends the current one)
 *   remove (disable/demote) removed                      unchanged
 *                           offline                       offline, removed (no change of state)
 *                           anything else                 offline, removed
 *   admit (enable/promote)  removed                      not removed, still offline
 *                           anything else                 unchanged
 *
 * `on_call` is never settable by a client: only the dialer's bridge sets it.
 */

export const AGENT_STATES = ['available', 'on_call', 'break', 'lunch', 'training', 'offline'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

/** What a client may ask for (POST /v1/agents/me/state and /v1/agents/{id}/state). */
export const SETTABLE_STATES = ['available', 'break', 'lunch', 'training', 'offline'] as const;
export type SettableState = (typeof SETTABLE_STATES)[number];

export interface AgentRecord {
  state: AgentState;
  /** ISO 8601 UTC: when the current state began. */
  stateSince: string;
  reason: string | null;
  currentCallId: string | null;
  /** The state (and its reason) the agent was in when the dialer bridged the current call; restored when it ends. */
  preCallState: SettableState | null;
  preCallReason: string | null;
  /** Off the floor (user disabled, or no longer an agent): nothing but admit changes it. */
  removed: boolean;
  /** User id of whoever made the last change; null for the dialer. */
  changedBy: string | null;
}

export type FloorCommand =
  | { kind: 'set'; state: SettableState; reason: string | null; by: string; override: boolean }
  | { kind: 'call'; callId: string | null }
  /** The dialer takes the agent for call C (ringing them): refused while they are on another call. */
  | { kind: 'claim'; callId: string }
  /** Call C is over for the agent (not answered, refused, or hung up). */
  | { kind: 'release'; callId: string }
  | { kind: 'remove'; reason: string; by: string }
  | { kind: 'admit' };

export type RefusalReason = 'on_call' | 'not_on_floor' | 'busy';

export type Decision =
  /** The state or the call changed: a history row and an agent.state_changed event. */
  | { kind: 'changed'; next: AgentRecord }
  /** Only floor membership changed: stored, but no event (the state is the same). */
  | { kind: 'updated'; next: AgentRecord }
  | { kind: 'unchanged' }
  | { kind: 'refused'; why: RefusalReason };

/** An agent nothing has happened to yet: offline since the user was created. */
export function neverSet(createdAt: string): AgentRecord {
  return { state: 'offline', stateSince: createdAt, reason: null, currentCallId: null, preCallState: null, preCallReason: null, removed: false, changedBy: null };
}

export function decide(current: AgentRecord, command: FloorCommand, nowIso: string): Decision {
  const base = { stateSince: nowIso, currentCallId: null, preCallState: null, preCallReason: null } as const;
  switch (command.kind) {
    case 'set': {
      if (current.removed) return { kind: 'refused', why: 'not_on_floor' };
      if (current.state === 'on_call' && !command.override) return { kind: 'refused', why: 'on_call' };
      if (current.state === command.state) return { kind: 'unchanged' };
      return { kind: 'changed', next: { ...current, ...base, state: command.state, reason: command.reason, changedBy: command.by } };
    }
    case 'call': {
      if (command.callId === null) {
        if (current.state !== 'on_call') return { kind: 'unchanged' };
        return { kind: 'changed', next: { ...current, ...base, state: current.preCallState ?? 'available', reason: current.preCallReason, changedBy: null } };
      }
      if (current.removed) return { kind: 'refused', why: 'not_on_floor' };
      if (current.state === 'on_call') {
        if (current.currentCallId === command.callId) return { kind: 'unchanged' };
        return { kind: 'changed', next: { ...current, stateSince: nowIso, currentCallId: command.callId, changedBy: null } };
      }
      return {
        kind: 'changed',
        next: { ...current, state: 'on_call', stateSince: nowIso, reason: null, currentCallId: command.callId, preCallState: current.state, preCallReason: current.reason, changedBy: null },
      };
    }
    case 'claim': {
      if (current.removed) return { kind: 'refused', why: 'not_on_floor' };
      if (current.state === 'on_call') return current.currentCallId === command.callId ? { kind: 'unchanged' } : { kind: 'refused', why: 'busy' };
      return {
        kind: 'changed',
        next: { ...current, state: 'on_call', stateSince: nowIso, reason: null, currentCallId: command.callId, preCallState: current.state, preCallReason: current.reason, changedBy: null },
      };
    }
    case 'release': {
      if (current.state !== 'on_call' || current.currentCallId !== command.callId) return { kind: 'unchanged' };
      return { kind: 'changed', next: { ...current, ...base, state: current.preCallState ?? 'available', reason: current.preCallReason, changedBy: null } };
    }
    case 'remove': {
      if (current.removed) return { kind: 'unchanged' };
      if (current.state === 'offline') return { kind: 'updated', next: { ...current, removed: true } };
      return { kind: 'changed', next: { ...current, ...base, state: 'offline', reason: command.reason, removed: true, changedBy: command.by } };
    }
    case 'admit':
      return current.removed ? { kind: 'updated', next: { ...current, removed: false } } : { kind: 'unchanged' };
  }
}

/**
 * The spec's summary has four state keys. lunch and training are breaks of a
 * kind (the agent is away from the queue, not off shift), so they count in
 * `break` and the four always add up to `total`.
 */
export interface FloorSummary {
  total: number;
  available: number;
  on_call: number;
  break: number;
  offline: number;
}

export function summarise(states: readonly AgentState[]): FloorSummary {
  const summary: FloorSummary = { total: states.length, available: 0, on_call: 0, break: 0, offline: 0 };
  for (const s of states) {
    if (s === 'available' || s === 'on_call' || s === 'offline') summary[s]++;
    else summary.break++;
  }
  return summary;
}
