/**
 * Pure pacing decision for one tenant: how many new dials may start now.
 * Two rules. A sliding one-second window of past dial times (not a token
 * bucket, which would allow 2×CPS across a refill boundary) guarantees that no
 * one-second interval ever holds more than `callsPerSecond` dials. And dials
 * are spread evenly, one every 1000/CPS ms (small batches at high rates), so a
 * carrier never sees a second's worth of INVITEs in one burst; with bursts,
 * any jitter downstream would put two bursts into one second.
 * The limit is the carrier's, so it must hold for the INVITEs on the wire, not
 * for the grants: a granted dial passes the compliance gate, a command request
 * and the node's event loop before its INVITE leaves, and that delay varies.
 * So the pacer counts a window DISPATCH_ALLOWANCE_MS longer than a second (and
 * spaces dials to match), leaving that much room for the variation: at most
 * CPS dials in any 1.1 s of grants. Measured on the e2e stack (2 cores, test/e2e
 * broadcast test): without the allowance 11 INVITEs left within ~975 ms at 10 CPS.
 * Concurrency is the sum of each owner's reported live legs.
 */

export interface PacingInput {
  nowMs: number;
  /** Dial start times already granted, any order; older than PACING_WINDOW_MS are ignored. */
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

/** The carrier's window: no WINDOW_MS interval on the wire may hold more than CPS INVITEs. */
export const WINDOW_MS = 1000;
/** Room for the grant-to-INVITE delay to vary (see above). */
export const DISPATCH_ALLOWANCE_MS = 100;
/** The window the pacer counts grants in. */
export const PACING_WINDOW_MS = WINDOW_MS + DISPATCH_ALLOWANCE_MS;

/** The most dials granted at one instant: 50 ms worth of the rate, at least one. */
export function maxBatch(callsPerSecond: number): number {
  return Math.max(1, Math.floor(callsPerSecond / 20));
}

export function decideDials(input: PacingInput): PacingDecision {
  const windowStart = input.nowMs - PACING_WINDOW_MS;
  const inWindow = input.recentDialsMs.filter((t) => t > windowStart).sort((a, b) => a - b);
  const spacing = PACING_WINDOW_MS / input.callsPerSecond;
  const last = inWindow.at(-1);
  const batch = maxBatch(input.callsPerSecond);
  const smoothRoom = last === undefined ? batch : Math.min(batch, Math.floor((input.nowMs - last) / spacing));
  const rateRoom = Math.max(0, input.callsPerSecond - inWindow.length);
  const concurrencyRoom = Math.max(0, input.maxConcurrent - input.liveLegs);
  const granted = Math.max(0, Math.min(input.wanted, rateRoom, concurrencyRoom, smoothRoom));
  if (granted >= input.wanted) return { granted, nextAtMs: null };
  if (concurrencyRoom <= granted) return { granted, nextAtMs: null };
  // Rate-limited: the next evenly spaced slot, and no earlier than the oldest dial leaving the window.
  const all = [...inWindow, ...Array(granted).fill(input.nowMs)].sort((a, b) => a - b);
  const newest = all.at(-1)!;
  const oldest = all.length >= input.callsPerSecond ? all[all.length - input.callsPerSecond]! + PACING_WINDOW_MS + 1 : 0;
  return { granted, nextAtMs: Math.ceil(Math.max(newest + spacing * batch, oldest, input.nowMs + 1)) };
}
