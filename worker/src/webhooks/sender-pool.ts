/**
 * The owner's side of the WebhookSender shards: an outbox that wants N
 * attempts in flight hands them to its own senders (named after the owner,
 * so two broadcasts or two tenants never share one and a dead receiver of one
 * never holds another's connections). The owner's RPCs to senders are not
 * outgoing connections (Cloudflare counts fetch, KV, Cache, R2, Queues and
 * sockets), so the owner is bounded only by `capacity`: shards × 6.
 *
 * Attempts started in the same turn (a refill of the delivery loop) travel
 * together: one RPC per (receiver URL, shard), up to the shard's free
 * connections, answered when all of its attempts are done. A batch only ever
 * holds one URL, so a slow receiver never holds back another receiver's
 * results. Fewer, larger RPCs cost less of the owner's and the senders' time
 * per webhook than one per attempt (docs/webhooks.md "Second pass").
 */
import type { WebhookSender } from '../durable/webhook-sender/index.ts';
import { MAX_CONNECTIONS_PER_INVOCATION } from './connection-cap.ts';
import type { WebhookAttemptResult, WebhookRequest } from './post-webhook.ts';
import { placeBatches, senderName, SENDER_SHARDS } from './sender-shards.ts';

export type PostAttempt = (req: WebhookRequest) => Promise<WebhookAttemptResult>;

interface Waiting {
  req: WebhookRequest;
  resolve: (result: WebhookAttemptResult) => void;
}

export class SenderPool {
  readonly capacity: number;
  #stubs: Array<DurableObjectStub<WebhookSender>>;
  #inFlight: number[];
  /** Attempts asked for in this turn, by URL; sent at the end of the turn. */
  #forming = new Map<string, Waiting[]>();

  constructor(namespace: DurableObjectNamespace<WebhookSender>, owner: string, shards: number = SENDER_SHARDS) {
    this.#stubs = Array.from({ length: shards }, (_, k) => namespace.get(namespace.idFromName(senderName(owner, k))));
    this.#inFlight = new Array<number>(shards).fill(0);
    this.capacity = shards * MAX_CONNECTIONS_PER_INVOCATION;
  }

  /** One attempt through the senders. Never rejects: a sender that cannot be reached is a failed attempt, retried on the schedule like any other. */
  readonly post: PostAttempt = (req) =>
    new Promise((resolve) => {
      if (this.#forming.size === 0) queueMicrotask(() => this.#send());
      const list = this.#forming.get(req.url);
      if (list) list.push({ req, resolve });
      else this.#forming.set(req.url, [{ req, resolve }]);
    });

  #send(): void {
    const forming = this.#forming;
    this.#forming = new Map();
    for (const waiting of forming.values()) {
      let from = 0;
      for (const { shard, size } of placeBatches(this.#inFlight, waiting.length)) {
        void this.#batch(shard, waiting.slice(from, from + size));
        from += size;
      }
    }
  }

  async #batch(shard: number, waiting: Waiting[]): Promise<void> {
    const started = Date.now();
    try {
      const results = await this.#stubs[shard]!.postBatch(waiting.map((w) => w.req));
      waiting.forEach((w, i) => w.resolve(results[i] ?? unavailable(`no result for attempt ${i + 1} of ${waiting.length}`, started)));
    } catch (err) {
      for (const w of waiting) w.resolve(unavailable((err as Error).message || String(err), started));
    } finally {
      this.#inFlight[shard]! -= waiting.length;
    }
  }
}

function unavailable(reason: string, started: number): WebhookAttemptResult {
  return { ok: false, statusCode: null, error: `webhook sender unavailable: ${reason}`, durationMs: Date.now() - started };
}
