/**
 * The precondition ladder of the per-call controls (play, hold, record,
 * stream, connect), written once. The first rung that fails is the answer:
 * a leg over, or whose hangup is already asked for, is `ended`; for controls
 * that take what the recipient hears (play, connect) a connect in progress or
 * bridged answers `connect_in_progress` / `bridged`; a leg not answered yet
 * answers `not_answered`. Hangup has its own rule (accepted in any state).
 * Also the two answers every control gives: accepted, or the node did not
 * take the command (`ended` if it no longer holds the leg, else `unavailable`).
 */
import type { CommandOutcome } from '../../legs/leg-command.ts';
import type { LegCommandResult, LegState } from './contract.ts';
import { ANSWERED_STATES, CONTROLLABLE_STATES, isTerminal } from './leg-state-machine.ts';
import type { LegRow } from './leg-store.ts';
import type { SessionParts } from './session-parts.ts';

/** audio: the control replaces what the recipient hears (play, connect); leg: it acts on the answered leg (hold, record, stream). */
export type ControlKind = 'audio' | 'leg';

export type ControlRefusal = 'ended' | 'connect_in_progress' | 'bridged' | 'not_answered';

export function refuseControl(leg: { state: LegState; hangupRequested: boolean }, kind: ControlKind): ControlRefusal | null {
  if (isTerminal(leg.state) || leg.hangupRequested) return 'ended';
  if (kind === 'audio') {
    if (leg.state === 'connecting') return 'connect_in_progress';
    if (leg.state === 'bridged') return 'bridged';
  }
  return (kind === 'audio' ? CONTROLLABLE_STATES : ANSWERED_STATES).includes(leg.state) ? null : 'not_answered';
}

type Refused = Extract<LegCommandResult, { ok: false }>;

/** The leg, or why the control is refused. */
export function controllableLeg(s: SessionParts, voiceId: string, kind: ControlKind): { leg: LegRow } | { refused: Refused } {
  const leg = s.legs.byVoice(voiceId);
  if (!leg) return { refused: { ok: false, error: 'not_found' } };
  const refusal = refuseControl({ state: leg.state, hangupRequested: leg.hangup_requested_at !== null }, kind);
  return refusal ? { refused: { ok: false, error: refusal } } : { leg };
}

export function accepted(s: SessionParts, leg: LegRow): Extract<LegCommandResult, { ok: true }> {
  return { ok: true, broadcastId: s.init().broadcastId, voiceId: leg.voice_id!, to: leg.to_number };
}

/** A command the node did not take, as the control's answer. */
export function notTaken(sent: Exclude<CommandOutcome, 'ok'>): Refused {
  return { ok: false, error: sent === 'gone' ? 'ended' : 'unavailable' };
}

