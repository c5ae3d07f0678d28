/**
 * The owner's side of the WebhookSender shards: an outbox that wants N
 * attempts in flight hands each one to the least busy of its own senders
 * (named after the owner, so two broadcasts or two tenants never share one
 * and a dead receiver of one never holds another's connections). The
 * owner's RPCs to senders are not outgoing connections (Cloudflare counts
 * fetch, KV, Cache, R2, Queues and sockets), so the owner is bounded only by
 * `capacity`: shards × 6.
 */
import type { WebhookSender } from '../durable/webhook-sender/index.ts';
import { MAX_CONNECTIONS_PER_INVOCATION } from './connection-cap.ts';
import type { WebhookAttemptResult, WebhookRequest } from './post-webhook.ts';
import { leastBusy, senderName, SENDER_SHARDS } from './sender-shards.ts';

export type PostAttempt = (req: WebhookRequest) => Promise<WebhookAttemptResult>;

export class SenderPool {
  readonly capacity: number;
  #stubs: Array<DurableObjectStub<WebhookSender>>;
  #inFlight: number[];

  constructor(namespace: DurableObjectNamespace<WebhookSender>, owner: string, shards: number = SENDER_SHARDS) {
    this.#stubs = Array.from({ length: shards }, (_, k) => namespace.get(namespace.idFromName(senderName(owner, k))));
    this.#inFlight = new Array<number>(shards).fill(0);
    this.capacity = shards * MAX_CONNECTIONS_PER_INVOCATION;
  }

  /** One attempt through the least busy sender. A sender that cannot be reached is a failed attempt, retried on the schedule like any other. */
  readonly post: PostAttempt = async (req) => {
    const k = leastBusy(this.#inFlight);
    this.#inFlight[k]!++;
    const started = Date.now();
    try {
      return await this.#stubs[k]!.post(req);
    } catch (err) {
      return { ok: false, statusCode: null, error: `webhook sender unavailable: ${(err as Error).message || String(err)}`, durationMs: Date.now() - started };
    } finally {
      this.#inFlight[k]!--;
    }
  };
}
