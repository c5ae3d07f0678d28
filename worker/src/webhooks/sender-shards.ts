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
