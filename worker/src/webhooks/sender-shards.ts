/**
 * How an outbox's POSTs are spread over WebhookSender objects: how many each
 * owner has, what they are named (after the owner, so two owners never share
 * one), and which one takes the next attempt. Pure: the benches read it too.
 */
import { MAX_CONNECTIONS_PER_INVOCATION } from './connection-cap.ts';

/** 11 × 6 = 66 attempts in flight per owner: at least the 64 the outboxes kept before the cap was honoured. */
export const SENDER_SHARDS = 11;

/** Connections one owner's senders hold at most, all together. */
export const OWNER_CONNECTIONS = SENDER_SHARDS * MAX_CONNECTIONS_PER_INVOCATION;

export function senderName(owner: string, shard: number): string {
  return `${owner}#${shard}`;
}

/** Index of the smallest count (the first on ties). */
export function leastBusy(counts: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < counts.length; k++) if (counts[k]! < counts[best]!) best = k;
  return best;
}

/**
 * Splits `n` attempts to one receiver into batches, one RPC each: the least
 * busy shard takes as many as it has free connections (at least one), then
 * the next least busy, so a batch never waits inside its sender for a
 * connection unless every shard is full. `counts` is updated in place.
 */
export function placeBatches(counts: number[], n: number, perShard: number = MAX_CONNECTIONS_PER_INVOCATION): Array<{ shard: number; size: number }> {
  const out: Array<{ shard: number; size: number }> = [];
  for (let left = n; left > 0; ) {
    const shard = leastBusy(counts);
    const size = Math.min(left, Math.max(1, perShard - counts[shard]!));
    counts[shard]! += size;
    out.push({ shard, size });
    left -= size;
  }
  return out;
}
