// BatchSendQueue with fake timers: order, batch size, partial acknowledgement,
// backoff after failures and on requested retries, resume() when the Worker is
// back, flushed() and stop().
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchSendQueue, type BatchResult } from './batch-send-queue.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function queue(send: (batch: number[]) => Promise<BatchResult<number>>, maxBatch = 2) {
  const failures: number[] = [];
  const q = new BatchSendQueue<number>({ maxBatch, send, onFailure: (_e, _p, retryInMs) => failures.push(retryInMs) });
  return { q, failures };
}

describe('BatchSendQueue', () => {
  it('sends in order, at most maxBatch at a time, one batch in flight', async () => {
    const batches: number[][] = [];
    const { q } = queue(async (batch) => (batches.push(batch), { done: () => true }));
    for (const n of [1, 2, 3, 4, 5]) q.push(n);
    const flushed = q.flushed();
    await vi.runAllTimersAsync();
    await flushed;
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    expect(q.pending).toBe(0);
  });

  it('keeps what the sender is not done with and comes back soon when asked to', async () => {
    const batches: number[][] = [];
    let first = true;
    const { q, failures } = queue(async (batch) => {
      batches.push(batch);
      if (first) return (first = false), { done: (n) => n !== 2, retrySoon: true };
      return { done: () => true };
    }, 3);
    for (const n of [1, 2, 3, 4]) q.push(n);
    await vi.advanceTimersByTimeAsync(0);
    expect(q.items).toEqual([2, 4]);
    await vi.advanceTimersByTimeAsync(199);
    expect(batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches[1]).toEqual([2, 4]);
    expect(failures).toEqual([]);
  });

  it('backs off 500 ms, doubling to 30 s, while sends fail, and resets after a success', async () => {
    let fail = 3;
    const { q, failures } = queue(async () => {
      if (fail-- > 0) throw new Error('ECONNREFUSED');
      return { done: () => true };
    });
    q.push(1);
    const flushed = q.flushed();
    await vi.runAllTimersAsync();
    await flushed;
    expect(failures).toEqual([500, 1000, 2000]);
  });

  it('resume() (the Worker answers again) sends at once instead of waiting out the backoff, which then starts over', async () => {
    let down = true;
    const sentAt: number[] = [];
    const { q, failures } = queue(async (batch) => {
      sentAt.push(Date.now());
      if (down) throw new Error('ECONNREFUSED');
      return { done: (n) => batch.includes(n) };
    });
    const start = Date.now();
    q.push(1);
    // A long outage: 0.5 + 1 + 2 + 4 + 8 + 16 s of failures; the next try is 30 s away.
    await vi.advanceTimersByTimeAsync(31_500);
    expect(failures).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000]);
    const tries = sentAt.length;
    down = false;
    q.resume();
    await vi.advanceTimersByTimeAsync(0);
    expect(sentAt).toHaveLength(tries + 1);
    expect(sentAt.at(-1)! - start).toBe(31_500);
    expect(q.pending).toBe(0);
    // A failure after that backs off from the minimum again.
    down = true;
    q.push(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(failures.at(-1)).toBe(500);
  });

  it('resume() changes nothing while sends succeed or when nothing failed (a requested retry keeps its backoff)', async () => {
    const batches: number[][] = [];
    let first = true;
    const { q } = queue(async (batch) => {
      batches.push(batch);
      if (first) return (first = false), { done: () => false, retrySoon: true };
      return { done: () => true };
    });
    q.resume();
    q.push(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toHaveLength(1);
    q.resume();
    await vi.advanceTimersByTimeAsync(100);
    expect(batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(batches).toHaveLength(2);
  });

  it('sends nothing more after stop()', async () => {
    const send = vi.fn(async () => ({ done: () => true }));
    const { q } = queue(send);
    q.stop();
    q.push(1);
    await vi.runAllTimersAsync();
    expect(send).not.toHaveBeenCalled();
    expect(q.pending).toBe(1);
  });
});
