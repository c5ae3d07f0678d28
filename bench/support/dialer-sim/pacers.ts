/**
 * Crier's dialing modes as simulation pacers: the engine's own
 * `decideDials`, called with the simulated snapshot and its returned state
 * fed back, exactly as the CampaignDialer will call it.
 */
import { decideDials, initialPacingState, type DialingMode, type PacingSettings, type PacingState } from '../../../worker/src/campaigns/dialing-modes/index.ts';
import type { Pacer, SimView } from './call-centre.ts';

export class CrierPacer implements Pacer {
  #state: PacingState;

  constructor(
    readonly mode: DialingMode,
    readonly settings: PacingSettings,
  ) {
    this.#state = initialPacingState(mode);
  }

  dials(v: SimView): number {
    const d = decideDials(this.mode, v.snapshot, this.settings, this.#state);
    this.#state = d.state;
    return d.dials;
  }
}
