/**
 * Power mode: a fixed `dial_ratio` of lines per available agent, whatever the
 * answers do: floor(ratio × available) calls in flight or waiting, so 1.5
 * with one free agent is one line and with two free agents three. The ratio
 * is the campaign's choice and so is the abandon rate it brings; the engine
 * still records abandons and the live view shows them.
 */
import type { FloorSnapshot, PacingSettings, PacingStrategy } from './types.ts';

export function powerDials(s: FloorSnapshot, settings: PacingSettings): number {
  // The epsilon keeps 1.5 × 2 = 3 from becoming 2.9999… and losing a line.
  const lines = Math.floor(settings.dialRatio * s.agentsAvailable + 1e-9);
  return Math.max(0, lines - s.callsInFlight - s.callsWaiting);
}

export const power: PacingStrategy<null> = {
  initialState: () => null,
  decide: (s, settings) => {
    const dials = powerDials(s, settings);
    return { dials, state: null, dialLevel: s.agentsAvailable > 0 ? (s.callsInFlight + dials) / s.agentsAvailable : 0, reason: `power: ${settings.dialRatio} lines per available agent` };
  },
};
