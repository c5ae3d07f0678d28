// The per-invocation connection cap and the sender choice: pure, no I/O.
import { describe, expect, it } from 'vitest';
import { ConnectionCap, MAX_CONNECTIONS_PER_INVOCATION } from '../../../worker/src/webhooks/connection-cap.ts';
import { leastBusy, placeBatches, senderName, SENDER_SHARDS } from '../../../worker/src/webhooks/sender-shards.ts';
import { MAX_IN_FLIGHT } from '../../../worker/src/durable/tenant-events/index.ts';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('ConnectionCap', () => {
  it('never holds more than its limit, starts waiters in order, and frees a slot when an attempt fails', async () => {
    const cap = new ConnectionCap(6);
    const releases: Array<(fail: boolean) => void> = [];
    const started: number[] = [];
    const runs = Array.from({ length: 20 }, (_, i) =>
      cap
        .run(
          () =>
            new Promise<number>((resolve, reject) => {
              started.push(i);
              releases[i] = (fail) => (fail ? reject(new Error(`attempt ${i} failed`)) : resolve(i));
            }),
        )
        .catch((err: Error) => err.message),
    );
    await tick();
    expect(cap.inUse).toBe(6);
    expect(cap.waiting).toBe(14);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    for (let i = 0; i < 20; i++) {
      releases[i]!(i % 3 === 0);
      await tick();
      expect(cap.inUse).toBeLessThanOrEqual(6);
    }
    const outcomes = await Promise.all(runs);
    expect(outcomes[0]).toBe('attempt 0 failed');
    expect(outcomes[1]).toBe(1);
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(cap.peak).toBe(6);
    expect(cap.inUse).toBe(0);
  });

  it('defaults to Cloudflare’s 6 and refuses nonsense', () => {
    expect(new ConnectionCap().limit).toBe(MAX_CONNECTIONS_PER_INVOCATION);
    expect(MAX_CONNECTIONS_PER_INVOCATION).toBe(6);
    expect(() => new ConnectionCap(0)).toThrow();
  });
});

describe('sender shards', () => {
  it('pick the least busy shard, the first on ties', () => {
    expect(leastBusy([0, 0, 0])).toBe(0);
    expect(leastBusy([3, 1, 1])).toBe(1);
    expect(leastBusy([6, 6, 5, 6])).toBe(2);
  });

  it('take a turn’s attempts in batches no larger than a shard’s free connections', () => {
    const counts = [0, 0, 0];
    expect(placeBatches(counts, 14, 6)).toEqual([
      { shard: 0, size: 6 },
      { shard: 1, size: 6 },
      { shard: 2, size: 2 },
    ]);
    expect(counts).toEqual([6, 6, 2]);
    expect(placeBatches(counts, 5, 6)).toEqual([
      { shard: 2, size: 4 },
      // Every shard full: one at a time to the least busy, to wait inside it for a connection.
      { shard: 0, size: 1 },
    ]);
    expect(counts).toEqual([7, 6, 6]);
    expect(placeBatches([1, 0], 0, 6)).toEqual([]);
  });

  it('are named after their owner, so two owners never share one', () => {
    expect(senderName('broadcast:a', 3)).toBe('broadcast:a#3');
    expect(senderName('broadcast:a', 3)).not.toBe(senderName('broadcast:b', 3));
  });

  it('carry at least what the dialer outbox keeps in flight, so no attempt waits for a connection', () => {
    expect(MAX_IN_FLIGHT).toBeLessThanOrEqual(SENDER_SHARDS * MAX_CONNECTIONS_PER_INVOCATION);
  });
});
