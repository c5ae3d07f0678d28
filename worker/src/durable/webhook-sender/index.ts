/**
 * WebhookSender: a stateless Durable Object that makes webhook POSTs for an
 * outbox that lives elsewhere (a BroadcastSession's, a TenantEvents'). It owns
 * no storage and no decisions: one RPC is one signed attempt, answered with
 * its result (or a batch of them, `postBatch`); the owner records it. Its only job is to be another I/O context,
 * so an owner that needs more than 6 requests in flight (Cloudflare's cap per
 * invocation, shared by all requests of one object) spreads them over several
 * senders, each holding at most 6 (webhooks/sender-pool.ts, docs/webhooks.md).
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env.ts';
import { ConnectionCap } from '../../webhooks/connection-cap.ts';
import { postWebhook, type WebhookAttemptResult, type WebhookRequest } from '../../webhooks/post-webhook.ts';

export interface SenderStats {
  /** Attempts made since this object started. */
  sent: number;
  /** Most POSTs this object ever had open at once (never above the cap). */
  peak: number;
  limit: number;
}

export class WebhookSender extends DurableObject<Env> {
  #cap = new ConnectionCap();
  #sent = 0;

  /** One attempt; never rejects for a failed delivery (the result says why). */
  async post(req: WebhookRequest): Promise<WebhookAttemptResult> {
    return this.#cap.run(() => {
      this.#sent++;
      return postWebhook(req);
    });
  }

  /** Several attempts in one RPC (the owner's pool sends one per receiver and turn, never more than its free connections); results in the same order. */
  async postBatch(reqs: WebhookRequest[]): Promise<WebhookAttemptResult[]> {
    return Promise.all(reqs.map((req) => this.post(req)));
  }

  async stats(): Promise<SenderStats> {
    return { sent: this.#sent, peak: this.#cap.peak, limit: this.#cap.limit };
  }
}
