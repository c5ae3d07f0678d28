/**
 * Pure: one leg owner's half of reconciling a node's heartbeat with its own
 * records. Calls the node holds that the owner has ended (or never placed
 * there) are to be hung up at once; legs the owner thinks live on the node that
 * the node does not hold are to be ended, unless they were dispatched so
 * recently that the beat may have left the node before the leg reached it. A
 * beat speaks only for its own boot and those before it: a leg an older boot
 * took is gone at once, a leg a newer boot took (whose beats have not arrived
 * yet) is not this beat's to judge.
 */

import { bootIsOlder } from './node-boot.ts';

/** What the Worker tells each owner about one heartbeat. */
export interface NodeLegsReport {
  nodeId: string;
  /** The reporting boot (its `started_at`). */
  boot: string;
  /** This owner's voice ids that the node holds. */
  held: string[];
  /** False for a late beat from a replaced boot: its list says nothing about the node's current legs, so only hang-ups follow. */
  current: boolean;
  /** A leg dispatched less than this long ago is never ended for being missing. */
  graceMs: number;
}

/** A leg as its owner has it on record. */
export interface LegOnRecord {
  voiceId: string;
  /** Not yet ended for the client (queued legs count: they may come back to this node). */
  live: boolean;
  nodeId: string | null;
  /** The node boot that took the leg, when the originate result said. */
  boot: string | null;
  dialedAtMs: number | null;
}

export interface Reconciliation {
  /** Voice ids the node must hang up. */
  hangup: string[];
  /** Voice ids of live legs to end (the node has lost them). */
  end: string[];
}

/**
 * `record` looks a held voice id up (null: the owner does not know it);
 * `liveOnNode` are the owner's live legs placed on this node.
 */
export function reconcileLegs(
  report: NodeLegsReport,
  record: (voiceId: string) => LegOnRecord | null,
  liveOnNode: readonly LegOnRecord[],
  nowMs: number,
): Reconciliation {
  const held = new Set(report.held);
  const hangup: string[] = [];
  for (const voiceId of held) {
    const leg = record(voiceId);
    if (!leg || !leg.live || (leg.nodeId !== null && leg.nodeId !== report.nodeId)) hangup.push(voiceId);
  }
  const end = report.current
    ? liveOnNode
        .filter((leg) => leg.nodeId === report.nodeId && !held.has(leg.voiceId))
        .filter((leg) => (leg.boot === null || leg.boot === report.boot ? leg.dialedAtMs === null || nowMs - leg.dialedAtMs >= report.graceMs : bootIsOlder(leg.boot, report.boot)))
        .map((leg) => leg.voiceId)
    : [];
  return { hangup, end };
}
