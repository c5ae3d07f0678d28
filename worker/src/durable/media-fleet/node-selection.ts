/**
 * Pure choice of media nodes for new legs: only live, non-draining nodes with
 * free capacity; each leg goes to the node with the lowest load ratio at that
 * moment, so a batch spreads across the fleet instead of filling one node.
 */

export interface NodeLoad {
  nodeId: string;
  controlUrl: string;
  capacity: number;
  /** Legs assigned to the node and not yet released (our own count, ahead of heartbeats). */
  assigned: number;
  /** Calls the node itself reported in its last heartbeat. */
  reportedLive: number;
  draining: boolean;
  lastSeenMs: number;
}

export function isAlive(node: NodeLoad, nowMs: number, timeoutMs: number): boolean {
  return nowMs - node.lastSeenMs <= timeoutMs;
}

/**
 * The loss check (the fleet's alarm): which nodes have been silent past the
 * timeout, and when to look again (null: no node left to watch). Silence is
 * counted from a node's last beat, but never from before this fleet object
 * started listening: the fleet's own downtime (a Worker restart or deploy,
 * the object evicted) is not the node's silence — its beats failed then and
 * are being retried — so after a restart every node gets a full timeout to be
 * heard again before it is declared lost (docs/media-protocol.md).
 */
export function silentNodes(
  nodes: ReadonlyArray<{ nodeId: string; lastSeenMs: number }>,
  listeningSinceMs: number,
  nowMs: number,
  timeoutMs: number,
): { lost: string[]; nextCheckAtMs: number | null } {
  const lost: string[] = [];
  let earliestHeard: number | null = null;
  for (const n of nodes) {
    const heard = Math.max(n.lastSeenMs, listeningSinceMs);
    if (nowMs - heard > timeoutMs) lost.push(n.nodeId);
    else earliestHeard = earliestHeard === null ? heard : Math.min(earliestHeard, heard);
  }
  return { lost, nextCheckAtMs: earliestHeard === null ? null : Math.max(nowMs + 1000, earliestHeard + timeoutMs + 1) };
}

export function load(node: NodeLoad): number {
  return Math.max(node.assigned, node.reportedLive);
}

/** Picks up to `count` slots; returns one node id per granted leg. */
export function pickNodes(nodes: readonly NodeLoad[], count: number, nowMs: number, timeoutMs: number): string[] {
  const pool = nodes
    .filter((n) => !n.draining && isAlive(n, nowMs, timeoutMs) && n.capacity > 0)
    .map((n) => ({ id: n.nodeId, used: load(n), capacity: n.capacity }));
  const picks: string[] = [];
  for (let i = 0; i < count; i++) {
    let best: (typeof pool)[number] | undefined;
    for (const n of pool) {
      if (n.used >= n.capacity) continue;
      if (!best || n.used / n.capacity < best.used / best.capacity) best = n;
    }
    if (!best) break;
    best.used += 1;
    picks.push(best.id);
  }
  return picks;
}
