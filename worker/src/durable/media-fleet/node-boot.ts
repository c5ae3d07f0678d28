/**
 * Pure: what a heartbeat means for the boot the fleet knows for that node. A
 * node's boot is its `started_at`; the fleet must tell a restarted process (its
 * predecessor's legs are gone) from a return after a partition (same process,
 * its calls already ended for the client) and from a late beat of a process
 * that has already been replaced (which must not undo the newer boot).
 */

export type BeatKind =
  /** Never seen: a new node. */
  | 'first'
  /** The boot the fleet knows, not declared lost. */
  | 'same'
  /** The boot the fleet knows, back after being declared lost: the calls it still carries were ended. */
  | 'returned'
  /** Another boot replacing the known one: legs of the older boot are gone, legs of this one are not. */
  | 'restarted'
  /** An older boot while the known (newer) one is alive: a late beat from a replaced process. */
  | 'stale';

export interface KnownBoot {
  startedAt: string;
  lost: boolean;
  lastSeenMs: number;
}

export function classifyBeat(known: KnownBoot | null, startedAt: string, nowMs: number, timeoutMs: number): BeatKind {
  if (!known) return 'first';
  if (sameBoot(known.startedAt, startedAt)) return known.lost ? 'returned' : 'same';
  // Once the known boot is lost or silent, any other boot takes over, even one whose clock says it is older.
  const knownAlive = !known.lost && nowMs - known.lastSeenMs <= timeoutMs;
  return knownAlive && bootIsOlder(startedAt, known.startedAt) ? 'stale' : 'restarted';
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Boots are compared as instants, never as strings: the same instant written
 * with another precision ("…:00Z", "…:00.000Z") is the same boot. Every place
 * that orders boots (the fleet's heartbeats, an agent floor's bindings) uses
 * these two, so they cannot disagree about which boot is current.
 */
export function sameBoot(a: string, b: string): boolean {
  return a === b || (ISO_INSTANT.test(a) && ISO_INSTANT.test(b) && Date.parse(a) === Date.parse(b));
}

/** Boot `a` started before boot `b`. Only two ISO instants compare: anything else is never older, so a node is never locked out. */
export function bootIsOlder(a: string, b: string): boolean {
  if (!ISO_INSTANT.test(a) || !ISO_INSTANT.test(b)) return false;
  return Date.parse(a) < Date.parse(b);
}

/**
 * Whether the node's answer asks it to report every agent binding it holds
 * again (heartbeat ack `report_registrations`). A node back after being
 * declared lost had its bindings dropped at every floor, and would otherwise
 * only re-report each one at its softphone's next refresh (up to the
 * registration's expiry, 10 minutes by default), the agent unreachable
 * meanwhile; a node the fleet has never seen may hold bindings nobody knows
 * of. `sipBindings` is the count the beat carries (absent: an older node;
 * asked anyway, it ignores the field).
 */
export function wantsRegistrations(kind: BeatKind, sipBindings: number | undefined): boolean {
  if (sipBindings === 0) return false;
  if (kind === 'returned') return true;
  return kind === 'first' && sipBindings !== undefined;
}
