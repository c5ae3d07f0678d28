/**
 * The webhook outbox inside a BroadcastSession's SQLite storage.
 * Guarantees: at-least-once delivery; per-leg order (only the oldest pending
 * event of each leg is ever in flight, so a retried event holds back that leg's
 * later ones); retries on the documented schedule with the same event id; the
 * broadcastcall_complete event leaves only when nothing else is pending.
 * Each delivery carries X-Crier-Event-Id and an HMAC signature of the raw body.
 * The POSTs themselves go through `target.post` (the session's WebhookSender
 * shards, so no invocation holds more than 6 connections: docs/webhooks.md).
 *
 * Successes are written in one statement per refill of the delivery loop,
 * before anything reads the outbox again, not one per attempt: an object
 * that restarts in between sends those events again, which at-least-once
 * allows (receivers de-duplicate by X-Crier-Event-Id).
 */
import { ATTEMPT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER } from '../../webhooks/signature.ts';
import { RETRY_DELAYS_MS, delayBeforeAttempt } from '../../webhooks/retry-schedule.ts';
import { DELIVERY_TIMEOUT_MS, postWebhook, type WebhookHeaderNames } from '../../webhooks/post-webhook.ts';
import { Doorbell, pumpDeliveries } from '../../webhooks/delivery-pump.ts';
import { MAX_CONNECTIONS_PER_INVOCATION } from '../../webhooks/connection-cap.ts';
import type { PostAttempt } from '../../webhooks/sender-pool.ts';

export const COMPLETE_KEY = '__complete__';
const CRIER_HEADERS: WebhookHeaderNames = { eventId: EVENT_ID_HEADER, signature: SIGNATURE_HEADER, attempt: ATTEMPT_HEADER };

export interface OutboxRow extends Record<string, SqlStorageValue> {
  id: number;
  event_id: string;
  leg_key: string;
  body: string | null;
  attempts: number;
}

export interface DeliveryTarget {
  url: string;
  secret: string;
  /** Builds bodies that are too large to store (the complete event). */
  buildBody(row: OutboxRow): string;
  /** Delay before each attempt; its length is the number of attempts. */
  schedule?: readonly number[];
  /** Makes one attempt (default: a POST from this invocation, so at most 6 in flight). */
  post?: PostAttempt;
  /** Attempts in flight at once: what `post` can carry without queueing (default 6, the per-invocation cap). */
  maxInFlight?: number;
  /** True when the owner wants its loop back before the budget is spent (e.g. other events waiting to be handed on). */
  yieldWhen?: () => boolean;
}

export const OUTBOX_DDL = `
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,
  leg_key TEXT NOT NULL,
  body TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  last_error TEXT,
  delivered_at INTEGER
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(status, leg_key, id);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(status, next_at);
`;

export class WebhookOutbox {
  /** Rung on every enqueue, so a delivery run waiting on slow attempts starts new events at once. */
  #doorbell = new Doorbell();
  /** Ids delivered since the outbox was last read: written by #settle() in one statement. */
  #delivered: number[] = [];

  constructor(private readonly sql: SqlStorage) {}

  enqueue(legKey: string, body: Record<string, unknown> | null, nowMs: number): string {
    const eventId = crypto.randomUUID();
    this.sql.exec(
      'INSERT INTO outbox (event_id, leg_key, body, next_at) VALUES (?, ?, ?, ?)',
      eventId,
      legKey,
      body === null ? null : JSON.stringify(body),
      nowMs,
    );
    this.#doorbell.ring();
    return eventId;
  }

  /** The oldest pending event of each leg, if due; the complete event only once it is alone. */
  dueHeads(nowMs: number, limit: number): OutboxRow[] {
    this.#settle();
    const rows = this.sql
      .exec<OutboxRow & { next_at: number }>(
        `SELECT o.id, o.event_id, o.leg_key, o.body, o.attempts, o.next_at FROM outbox o
         JOIN (SELECT MIN(id) AS id FROM outbox WHERE status = 'pending' GROUP BY leg_key) h ON h.id = o.id
         WHERE o.next_at <= ? ORDER BY o.id LIMIT ?`,
        nowMs,
        limit,
      )
      .toArray();
    const complete = rows.find((r) => r.leg_key === COMPLETE_KEY);
    if (complete && this.pendingCount() > 1) return rows.filter((r) => r !== complete);
    return rows;
  }

  pendingCount(): number {
    this.#settle();
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'").one().n;
  }

  counts(): { pending: number; delivered: number; failed: number } {
    this.#settle();
    const out = { pending: 0, delivered: 0, failed: 0 };
    for (const row of this.sql.exec<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM outbox GROUP BY status')) {
      if (row.status === 'pending') out.pending = row.n;
      else if (row.status === 'delivered') out.delivered = row.n;
      else if (row.status === 'dead') out.failed = row.n;
    }
    return out;
  }

  /** When the earliest pending event is (or was) due; with `afterMs`, the earliest due later than that (a retry waiting its turn). */
  nextDueAt(afterMs?: number): number | null {
    this.#settle();
    return afterMs === undefined
      ? this.sql.exec<{ t: number | null }>("SELECT MIN(next_at) AS t FROM outbox WHERE status = 'pending'").one().t
      : this.sql.exec<{ t: number | null }>("SELECT MIN(next_at) AS t FROM outbox WHERE status = 'pending' AND next_at > ?", afterMs).one().t;
  }

  isSettled(legKey: string): boolean {
    this.#settle();
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE leg_key = ? AND status = 'pending'", legKey).one().n === 0;
  }

  /**
   * Delivers due events until none is due or the time budget is spent, keeping
   * up to `target.maxInFlight` requests busy: when one finishes the next due head
   * (another leg's, or this leg's next event on the following refill) takes its
   * place. Returns how many attempts were made.
   */
  async deliverDue(target: DeliveryTarget, budgetMs: number, now: () => number = Date.now): Promise<number> {
    try {
      return await this.#pump(target, budgetMs, now);
    } finally {
      this.#settle();
    }
  }

  /** Marks the successes recorded in memory as delivered, all in one statement. */
  #settle(): void {
    if (this.#delivered.length === 0) return;
    const ids = this.#delivered;
    this.#delivered = [];
    this.sql.exec(
      "UPDATE outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id IN (SELECT value FROM json_each(?)) AND status = 'pending'",
      Date.now(),
      JSON.stringify(ids),
    );
  }

  #pump(target: DeliveryTarget, budgetMs: number, now: () => number): Promise<number> {
    return pumpDeliveries(
      {
        due: (limit, busy) => this.dueHeads(now(), limit).filter((r) => !busy.has(r.leg_key)),
        laneOf: (row) => row.leg_key,
        attempt: (row) => this.#attempt(target, row, now),
      },
      {
        maxInFlight: target.maxInFlight ?? MAX_CONNECTIONS_PER_INVOCATION,
        budgetMs,
        now,
        wake: () => this.#doorbell.wait(),
        nextDueAt: () => this.nextDueAt(now()),
        yieldWhen: target.yieldWhen,
      },
    );
  }

  async #attempt(target: DeliveryTarget, row: OutboxRow, now: () => number): Promise<void> {
    const attempt = row.attempts + 1;
    let error: string | null;
    try {
      const body = row.body ?? target.buildBody(row);
      const result = await (target.post ?? postWebhook)({ url: target.url, secret: target.secret, body, eventId: row.event_id, attempt, headers: CRIER_HEADERS, timeoutMs: DELIVERY_TIMEOUT_MS });
      error = result.error;
    } catch (err) {
      error = (err as Error).message || String(err);
    }
    const t = now();
    if (error === null) {
      this.#delivered.push(row.id);
      return;
    }
    const delay = delayBeforeAttempt(attempt + 1, target.schedule ?? RETRY_DELAYS_MS);
    if (delay === null) {
      this.sql.exec("UPDATE outbox SET status = 'dead', attempts = ?, last_error = ? WHERE id = ?", attempt, error, row.id);
      console.warn(JSON.stringify({ msg: 'webhook dead-lettered', event_id: row.event_id, leg: row.leg_key, error }));
    } else {
      this.sql.exec('UPDATE outbox SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?', attempt, t + delay, error, row.id);
    }
  }
}
