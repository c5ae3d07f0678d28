// The owner's side of the sender shards with stand-in senders: attempts asked
// for in one turn travel in one RPC per receiver URL and shard, never more per
// RPC than a shard's free connections, and a slow receiver's batch never holds
// back another receiver's results.
import { describe, expect, it } from 'vitest';
import { SenderPool } from '../../../worker/src/webhooks/sender-pool.ts';
import type { WebhookAttemptResult, WebhookRequest } from '../../../worker/src/webhooks/post-webhook.ts';
import type { WebhookSender } from '../../../worker/src/durable/webhook-sender/index.ts';

interface Call {
  shard: number;
  urls: string[];
  release: () => void;
}

/** A namespace whose senders record each postBatch and answer it when the test releases it. */
function fakeSenders() {
  const calls: Call[] = [];
  const namespace = {
    idFromName: (name: string) => name,
    get: (name: string) => ({
      postBatch: (reqs: WebhookRequest[]) =>
        new Promise<WebhookAttemptResult[]>((resolve) => {
          calls.push({
            shard: Number(name.split('#')[1]),
            urls: reqs.map((r) => r.url),
            release: () => resolve(reqs.map(() => ({ ok: true, statusCode: 200, error: null, durationMs: 1 }))),
          });
        }),
    }),
  } as unknown as DurableObjectNamespace<WebhookSender>;
  return { calls, namespace };
}

const req = (url: string, i: number): WebhookRequest => ({ url, secret: 's', body: '{}', eventId: `e${i}`, attempt: 1, headers: { eventId: 'a', signature: 'b', attempt: 'c' } });
const turn = () => new Promise((r) => setTimeout(r, 0));

describe('sender pool', () => {
  it('sends one turn’s attempts in batches per URL and shard, sized to the free connections', async () => {
    const { calls, namespace } = fakeSenders();
    const pool = new SenderPool(namespace, 'broadcast:x', 3);
    const results = [...Array.from({ length: 8 }, (_, i) => pool.post(req('https://a.test/', i))), pool.post(req('https://b.test/', 99))];
    await turn();
    expect(calls.map((c) => ({ shard: c.shard, urls: c.urls.length, url: c.urls[0] }))).toEqual([
      { shard: 0, urls: 6, url: 'https://a.test/' },
      { shard: 1, urls: 2, url: 'https://a.test/' },
      { shard: 2, urls: 1, url: 'https://b.test/' },
    ]);
    for (const c of calls) expect(new Set(c.urls).size).toBe(1);

    // b's batch answers while a's are still open: its result does not wait for them.
    calls[2]!.release();
    expect(await results[8]).toMatchObject({ ok: true });
    calls[0]!.release();
    calls[1]!.release();
    expect((await Promise.all(results)).every((r) => r.ok)).toBe(true);
  });

  it('turns a sender that cannot be reached into failed attempts, never a rejection', async () => {
    const namespace = {
      idFromName: (name: string) => name,
      get: () => ({ postBatch: () => Promise.reject(new Error('object reset')) }),
    } as unknown as DurableObjectNamespace<WebhookSender>;
    const pool = new SenderPool(namespace, 'tenant-events:t', 2);
    const results = await Promise.all([pool.post(req('https://a.test/', 1)), pool.post(req('https://a.test/', 2))]);
    for (const r of results) expect(r).toMatchObject({ ok: false, statusCode: null, error: 'webhook sender unavailable: object reset' });
  });
});
