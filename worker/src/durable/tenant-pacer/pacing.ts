/**
 * Pure pacing decision for one tenant: how many new dials may start now.
 * A sliding one-second window of past dial times (not a token bucket, which
 * would allow 2×CPS across a refill boundary) guarantees that no one-second
 * interval ever holds more than `callsPerSecond` dials; concurrency is the sum
 * of each owner's reported live legs.
 */

export interface PacingInput {
  nowMs: number;
  /** Dial start times already granted, any order; older than 1 s are ignored. */
  recentDialsMs: readonly number[];
  callsPerSecond: number;
  maxConcurrent: number;
  liveLegs: number;
  wanted: number;
}

export interface PacingDecision {
  granted: number;
  /** When asking again could grant more (ms since epoch), or null if concurrency is the limit. */
  nextAtMs: number | null;
}

export const WINDOW_MS = 1000;

export function decideDials(input: PacingInput): PacingDecision {
  const windowStart = input.nowMs - WINDOW_MS;
  const inWindow = input.recentDialsMs.filter((t) => t > windowStart).sort((a, b) => a - b);
  const rateRoom = Math.max(0, input.callsPerSecond - inWindow.length);
  const concurrencyRoom = Math.max(0, input.maxConcurrent - input.liveLegs);
  const granted = Math.max(0, Math.min(input.wanted, rateRoom, concurrencyRoom));
  if (granted >= input.wanted) return { granted, nextAtMs: null };
  if (concurrencyRoom <= granted) return { granted, nextAtMs: null };
  // Rate-limited: room opens when the oldest dial in the window leaves it.
  const all = [...inWindow, ...Array(granted).fill(input.nowMs)].sort((a, b) => a - b);
  const oldest = all[all.length - input.callsPerSecond];
  return { granted, nextAtMs: (oldest ?? input.nowMs) + WINDOW_MS + 1 };
}
