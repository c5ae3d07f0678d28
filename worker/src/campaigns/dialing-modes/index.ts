/**
 * The dialing modes behind one call: `decideDials(mode, snapshot, settings,
 * state)` with the state each mode keeps (`initialPacingState(mode)` at
 * campaign start, then whatever the last decision returned). The engine
 * persists `PacingState` as JSON between ticks. Contract and counting
 * conventions: ./types.ts; the predictive algorithm: docs/dialer-pacing.md.
 */
import { power } from './power.ts';
import { predictive, type PredictiveState } from './predictive.ts';
import { preview } from './preview.ts';
import { progressive } from './progressive.ts';
import type { DialingMode, FloorSnapshot, PacingDecision, PacingSettings } from './types.ts';

export type PacingState = { mode: 'preview' | 'progressive' | 'power'; inner: null } | { mode: 'predictive'; inner: PredictiveState };

export function initialPacingState(mode: DialingMode): PacingState {
  return mode === 'predictive' ? { mode, inner: predictive.initialState() } : { mode, inner: null };
}

/** How many calls to place now. A state saved under another mode (the campaign's mode was changed) starts that mode afresh. */
export function decideDials(mode: DialingMode, snapshot: FloorSnapshot, settings: PacingSettings, state: PacingState): PacingDecision<PacingState> {
  if (mode === 'predictive') {
    const inner = state.mode === 'predictive' ? state.inner : predictive.initialState();
    const d = predictive.decide(snapshot, settings, inner);
    return { ...d, state: { mode, inner: d.state } };
  }
  const strategy = mode === 'preview' ? preview : mode === 'progressive' ? progressive : power;
  const d = strategy.decide(snapshot, settings, null);
  return { ...d, state: { mode, inner: null } };
}

export { pickAgentToOffer, type PreviewAgent } from './preview.ts';
export { PREDICTIVE_TUNING, type PredictiveState, type PredictiveTuning } from './predictive.ts';
export { DEFAULT_PACING_SETTINGS, type DialingMode, type FloorSnapshot, type PacingDecision, type PacingSettings } from './types.ts';
