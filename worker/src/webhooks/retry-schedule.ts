/**
 * When a webhook is tried: immediately, then 30 s, 5 min, 30 min and 2 h after
 * the previous failure (the dialer spec's schedule, used for both APIs).
 * After the fifth failure the delivery is dead-lettered.
 */
export const RETRY_DELAYS_MS = [0, 30_000, 300_000, 1_800_000, 7_200_000] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length;

/** Delay before attempt number `attempt` (1-based), or null when there is no such attempt. */
export function delayBeforeAttempt(attempt: number): number | null {
  return RETRY_DELAYS_MS[attempt - 1] ?? null;
}
