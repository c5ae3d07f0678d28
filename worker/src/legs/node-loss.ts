/**
 * Which of an owner's live legs end when the fleet reports their media node
 * lost or restarted (docs/media-protocol.md "Heartbeats and node loss"): a
 * lost node (keepBoot null) takes every leg on it; a node that restarted as
 * `keepBoot` takes only the legs known to live on another boot. A leg whose
 * originate result has not told its boot yet is left to reconciliation, so a
 * new boot never fails the legs placed on it. Boots compare as instants
 * (media-fleet/node-boot.ts), as everywhere else boots are compared.
 */
import { sameBoot } from '../durable/media-fleet/node-boot.ts';

export interface LegOnNode {
  nodeId: string | null;
  /** The boot the node's originate result named, or null when it has not said. */
  boot: string | null;
}

export function endsWithNode(leg: LegOnNode, nodeId: string, keepBoot: string | null): boolean {
  if (leg.nodeId !== nodeId) return false;
  return keepBoot === null || (leg.boot !== null && !sameBoot(leg.boot, keepBoot));
}
