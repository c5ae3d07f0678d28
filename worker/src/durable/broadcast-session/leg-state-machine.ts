/**
 * The life of one call leg, as a pure transition table. The BroadcastSession
 * asks this before every state change; an impossible transition (a playstate
 * before the leg was answered, anything after the leg ended) is refused, so a
 * confused or replayed node event can never move a leg backwards.
 *
 *   queued → dialing → ringing → connected → playing ⇄ idle → disconnected
 *   any live state → disconnected (the call ended) | failed (the platform gave up)
 *   dialing → queued (the media node could not take the originate: try again)
 *   connected | playing | idle → connecting (PUT .../connect) → bridged (the destination answered)
 *   connecting | bridged → idle (the destination failed or hung up: the recipient stays)
 */
import type { LegState } from './contract.ts';

const NEXT: Readonly<Record<LegState, readonly LegState[]>> = {
  queued: ['dialing', 'failed'],
  dialing: ['queued', 'ringing', 'connected', 'disconnected', 'failed'],
  ringing: ['connected', 'disconnected', 'failed'],
  connected: ['playing', 'idle', 'connecting', 'disconnected', 'failed'],
  playing: ['playing', 'idle', 'connecting', 'disconnected', 'failed'],
  idle: ['playing', 'connecting', 'disconnected', 'failed'],
  connecting: ['bridged', 'idle', 'disconnected', 'failed'],
  bridged: ['idle', 'disconnected', 'failed'],
  disconnected: [],
  failed: [],
};

export const TERMINAL_STATES: readonly LegState[] = ['disconnected', 'failed'];
export const LIVE_STATES: readonly LegState[] = ['dialing', 'ringing', 'connected', 'playing', 'idle', 'connecting', 'bridged'];
/** Answered and still up: the maximum call duration applies. */
export const ANSWERED_STATES: readonly LegState[] = ['connected', 'playing', 'idle', 'connecting', 'bridged'];
/** Answered and ours to play on: play, and a new connect, are accepted. */
export const CONTROLLABLE_STATES: readonly LegState[] = ['connected', 'playing', 'idle'];
/** A connect owns what the recipient hears. */
export const BRIDGING_STATES: readonly LegState[] = ['connecting', 'bridged'];
/** Every leg state, in the order GET /voice/v1/broadcast/{id} lists them. */
export const ALL_LEG_STATES: readonly LegState[] = ['queued', 'dialing', 'ringing', 'connected', 'playing', 'idle', 'connecting', 'bridged', 'disconnected', 'failed'];

export function canTransition(from: LegState, to: LegState): boolean {
  return NEXT[from].includes(to);
}

export function isTerminal(state: LegState): boolean {
  return TERMINAL_STATES.includes(state);
}

export class IllegalTransition extends Error {
  constructor(
    readonly from: LegState,
    readonly to: LegState,
  ) {
    super(`illegal leg transition ${from} → ${to}`);
    this.name = 'IllegalTransition';
  }
}

export function transition(from: LegState, to: LegState): LegState {
  if (!canTransition(from, to)) throw new IllegalTransition(from, to);
  return to;
}

/**
 * The leg state a media event moves to. Given the leg's current state, a
 * playstate does not move a leg a connect owns: the connect interrupted that
 * audio, and a playstate the node sent just before it must not end the connect.
 */
export function stateForEvent(event: { type: string; playstate?: string }, current?: LegState): LegState | null {
  if (event.type === 'playstate' && current !== undefined && BRIDGING_STATES.includes(current)) return null;
  switch (event.type) {
    case 'ringing':
      return 'ringing';
    case 'connected':
      return 'connected';
    case 'playstate':
      // interrupted: a newer play is taking its place this instant, so the leg is not idle.
      return event.playstate === 'initiated' || event.playstate === 'interrupted' ? 'playing' : 'idle';
    case 'disconnected':
      return 'disconnected';
    default:
      return null;
  }
}

/**
 * What a connect's progress does to the recipient's leg: answered → bridged;
 * over (failed or hung up) → idle again, unless the recipient's own leg is what
 * ended it (its disconnected follows). Null: the leg stays as it is.
 */
export function legStateAfterConnect(current: LegState, outcome: 'answered' | 'over', endedBy?: 'destination' | 'recipient'): LegState | null {
  if (outcome === 'answered') return current === 'connecting' ? 'bridged' : null;
  if (!BRIDGING_STATES.includes(current) || endedBy === 'recipient') return null;
  return 'idle';
}
