/**
 * Progressive mode: one call per available agent, never more. A call in
 * flight or answered and waiting is already promised to one available agent,
 * so the dials are what is left: available − in flight − waiting, never below
 * zero. An answer can still meet no agent (the agent logs out or takes a
 * callback meanwhile) but pacing never plans for it.
 */
import type { FloorSnapshot, PacingStrategy } from './types.ts';

export function progressiveDials(s: FloorSnapshot): number {
  return Math.max(0, s.agentsAvailable - s.callsInFlight - s.callsWaiting);
}

export const progressive: PacingStrategy<null> = {
  initialState: () => null,
  decide: (s) => {
    const dials = progressiveDials(s);
    return { dials, state: null, dialLevel: s.agentsAvailable > 0 ? (s.callsInFlight + dials) / s.agentsAvailable : 0, reason: 'progressive: one line per available agent' };
  },
};
