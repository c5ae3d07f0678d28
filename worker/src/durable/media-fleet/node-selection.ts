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
