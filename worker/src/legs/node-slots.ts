/**
 * Media-node slots an owner gives back to the MediaFleet: a tally per node of
 * the legs that ended (or were never placed), released in one call. Every
 * owner holds one slot per live leg on its node (docs/media-protocol.md).
 */
import type { Env } from '../env.ts';
import type { LegOwner } from '../media-protocol/index.ts';
import { mediaFleet } from '../durable/stubs.ts';

export type SlotsPerNode = Record<string, number>;

export class SlotTally {
  readonly perNode: SlotsPerNode = {};

  add(nodeId: string | null, n = 1): void {
    if (!nodeId || n <= 0) return;
    this.perNode[nodeId] = (this.perNode[nodeId] ?? 0) + n;
  }

  get empty(): boolean {
    return Object.keys(this.perNode).length === 0;
  }
}

/** Slots per node of a list of reserved slots (those given back unused). */
export function slotsPerNode(slots: ReadonlyArray<{ nodeId: string }>): SlotsPerNode {
  const tally = new SlotTally();
  for (const slot of slots) tally.add(slot.nodeId);
  return tally.perNode;
}

/** Gives the slots back; nothing is sent when there are none. */
export async function releaseSlots(env: Env, owner: LegOwner, perNode: SlotsPerNode): Promise<void> {
  if (Object.keys(perNode).length === 0) return;
  await mediaFleet(env).release(owner, perNode);
}
