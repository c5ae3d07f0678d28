/**
 * The life of one call leg, as a pure transition table. The BroadcastSession
 * asks this before every state change; an impossible transition (a playstate
 * before the leg was answered, anything after the leg ended) is refused, so a
 * confused or replayed node event can never move a leg backwards.
 *
 *   queued → dialing → ringing → connected → playing ⇄ idle → disconnected
 *   any live state → disconnected (the call ended) | failed (the platform gave up)
 *   dialing → queued (the media node could not take the originate: try again)
 */
import type { LegState } from './contract.ts';

const NEXT: Readonly<Record<LegState, readonly LegState[]>> = {
  queued: ['dialing', 'failed'],
  dialing: ['queued', 'ringing', 'connected', 'disconnected', 'failed'],
  ringing: ['connected', 'disconnected', 'failed'],
  connected: ['playing', 'idle', 'disconnected', 'failed'],
  playing: ['playing', 'idle', 'disconnected', 'failed'],
  idle: ['playing', 'disconnected', 'failed'],
  disconnected: [],
  failed: [],
};

export const TERMINAL_STATES: readonly LegState[] = ['disconnected', 'failed'];
export const LIVE_STATES: readonly LegState[] = ['dialing', 'ringing', 'connected', 'playing', 'idle'];
export const ANSWERED_STATES: readonly LegState[] = ['connected', 'playing', 'idle'];

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

/** The leg state a media event moves to. */
export function stateForEvent(event: { type: string; playstate?: string }): LegState | null {
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
