/**
 * When a webhook is tried: immediately, then 30 s, 5 min, 30 min and 2 h after
 * the previous failure (the dialer spec's schedule, used for both APIs).
 * After the fifth failure the delivery is dead-lettered.
 */
export const RETRY_DELAYS_MS = [0, 30_000, 300_000, 1_800_000, 7_200_000] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length;

/** Delay before attempt number `attempt` (1-based), or null when there is no such attempt. */
export function delayBeforeAttempt(attempt: number, schedule: readonly number[] = RETRY_DELAYS_MS): number | null {
  return schedule[attempt - 1] ?? null;
}

/**
 * WEBHOOK_RETRY_DELAYS_MS ("0,30000,...") replaces the schedule: tests shrink
 * it, an operator may stretch it. Anything unreadable keeps the default.
 */
export function retryScheduleFrom(setting: string | undefined): readonly number[] {
  if (!setting) return RETRY_DELAYS_MS;
  const delays = setting.split(',').map((part) => Number(part.trim()));
  return delays.length > 0 && delays.every((d) => Number.isFinite(d) && d >= 0) ? delays : RETRY_DELAYS_MS;
}
