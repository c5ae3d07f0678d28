/**
 * The tenant's live calls as its dialers report them to the TenantPacer:
 * per owner (a broadcast, later a campaign) how many legs are live and how
 * many of those are answered. "Ringing" is everything live and not yet
 * answered (INVITE sent or 180 seen); "connected" is answered (playing, idle,
 * bridged). Reports are absolute numbers, so the newest one simply replaces
 * the last; an owner that only reports a total keeps its last answered count
 * (clamped to the total).
 */

/** What an owner reports: its unanswered and answered live legs. */
export interface LiveLegs {
  ringing: number;
  connected: number;
}

export interface OwnerLive {
  /** All live legs (ringing + connected). */
  live: number;
  /** Of those, answered. Absent in state stored before the split existed. */
  connected?: number;
  seenMs: number;
}

export interface LiveCalls {
  active_calls: number;
  ringing: number;
  connected: number;
  as_of: string;
}

/** The owner's record after a report of either shape. */
export function ownerAfterReport(previous: OwnerLive | undefined, report: number | LiveLegs, nowMs: number): OwnerLive {
  if (typeof report === 'number') return withTotal(previous, report, nowMs);
  const ringing = Math.max(0, report.ringing);
  const connected = Math.max(0, report.connected);
  return { live: ringing + connected, connected, seenMs: nowMs };
}

/** The owner's record with a new total (a pacing request or a refund): its answered count is kept, never above the total. */
export function withTotal(previous: OwnerLive | undefined, live: number, nowMs: number): OwnerLive {
  const total = Math.max(0, live);
  return { live: total, connected: Math.min(previous?.connected ?? 0, total), seenMs: nowMs };
}

export function sumLive(owners: Iterable<OwnerLive>, asOf: Date): LiveCalls {
  let active = 0;
  let connected = 0;
  for (const o of owners) {
    active += o.live;
    connected += Math.min(o.connected ?? 0, o.live);
  }
  return { active_calls: active, ringing: active - connected, connected, as_of: asOf.toISOString() };
}
