/**
 * Preview mode: the dialer never dials by itself. The engine offers the next
 * contact to an agent (with its custom fields); the dial starts only when the
 * agent accepts, so no call can be abandoned. `pickAgentToOffer` is the one
 * decision here: which agent sees the next offer.
 */
import type { PacingStrategy } from './types.ts';

export const preview: PacingStrategy<null> = {
  initialState: () => null,
  decide: () => ({ dials: 0, state: null, dialLevel: 0, reason: 'preview: agents dial on accept' }),
};

export interface PreviewAgent {
  id: string;
  /** When the agent last became available (ms since epoch). */
  availableSinceMs: number;
  /** The agent already holds an offer it has not accepted or skipped. */
  hasOpenOffer: boolean;
}

/** The agent idle longest without an open offer (fair turn-taking), or null. Ties go to the smaller id, so the pick is stable. */
export function pickAgentToOffer(agents: readonly PreviewAgent[]): string | null {
  let best: PreviewAgent | null = null;
  for (const a of agents) {
    if (a.hasOpenOffer) continue;
    if (best === null || a.availableSinceMs < best.availableSinceMs || (a.availableSinceMs === best.availableSinceMs && a.id < best.id)) best = a;
  }
  return best?.id ?? null;
}
