/**
 * A broadcast's live legs as the TenantPacer wants them reported: not yet
 * answered (dialing, ringing) vs answered (connected, playing, idle). Kept
 * beside the state machine's lists so a new live state cannot be forgotten.
 */
import type { LegState } from './contract.ts';
import type { LiveLegs } from '../tenant-pacer/live-calls.ts';
import { ANSWERED_STATES, LIVE_STATES } from './leg-state-machine.ts';

export function liveLegsOf(count: (state: LegState) => number): LiveLegs {
  let ringing = 0;
  let connected = 0;
  for (const s of LIVE_STATES) {
    if (ANSWERED_STATES.includes(s)) connected += count(s);
    else ringing += count(s);
  }
  return { ringing, connected };
}
