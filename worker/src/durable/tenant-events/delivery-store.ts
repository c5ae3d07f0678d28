/**
 * The dialer-webhook outbox inside a TenantEvents object's SQLite storage.
 *
 *   events      one row per event someone wanted: the envelope, serialised once
 *   deliveries  one row per (event, subscription): status, attempts, attempt log
 *   lanes       one row per (subscription, correlation_id) with pending work:
 *               its oldest pending delivery (the only one that may be tried)
 *               and when that is due
 *
 * Lanes make order cheap: a call's initiated → answered → completed share a
 * lane, so a retried event holds back that call's later events for that
 * subscriber only. "What is due" is an index range over lanes, never a scan
 * of pending deliveries, however many a slow subscriber has piled up.
 *
 * A hand-over of events is written in three statements, whatever its size
 * (addEvents), and its deliveries are kept in memory with their bodies for
 * their first attempt (first-attempts.ts), so that attempt reads nothing.
 *
 * Successes are kept in memory (markDelivered) and written together, three
 * statements for all of them, the next time anything reads or changes the
 * store: not four statements per attempt. An object that restarts in between
 * sends those events again, which at-least-once allows (receivers
 * de-duplicate by event id).
 */
import type { PreparedEvent } from '../../dialer-events/envelope.ts';
import { FirstAttempts } from './first-attempts.ts';
import { deliveryRows, firstPerLane, laneOf } from './hand-over.ts';

export type DeliveryStatus = 'pending' | 'delivered' | 'dead_lettered' | 'cancelled';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'dead_lettered', 'cancelled'];

export interface AttemptRecord {
  attempt: number;
  at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

/** A lane's head, as the delivery loop sees it. */
export interface DueHead {
  lane: string;
  subscriptionId: string;
  deliveryId: number;
}

/** A pending delivery with what an attempt needs. */
export interface PendingDelivery {
  id: number;
  lane: string | null;
  subscriptionId: string;
  attempts: number;
  log: AttemptRecord[];
  eventId: string;
  eventType: string;
  body: string;
}

/** One delivery as GET /v1/webhooks/{id}/deliveries shows it. */
export interface DeliveryView {
  id: number;
  event_id: string;
  event_type: string;
  correlation_id: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
  attempt_log: AttemptRecord[];
}

const DDL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE,
  event_type TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_seq INTEGER NOT NULL,
  subscription_id TEXT NOT NULL,
  lane TEXT,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER,
  last_status_code INTEGER,
  last_error TEXT,
  log TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS deliveries_lane ON deliveries(lane, id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS deliveries_subscription ON deliveries(subscription_id, id);
CREATE INDEX IF NOT EXISTS deliveries_subscription_status ON deliveries(subscription_id, status, id);
CREATE INDEX IF NOT EXISTS deliveries_event ON deliveries(event_seq);
CREATE INDEX IF NOT EXISTS deliveries_finished ON deliveries(finished_at) WHERE finished_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS lanes (
  lane TEXT PRIMARY KEY,
  subscription_id TEXT NOT NULL,
  head_id INTEGER NOT NULL,
  next_at INTEGER NOT NULL
);
-- head_id too, so "due heads in order" is read off the index: lanes raised in one hand-over share next_at, and
-- without it every refill sorted the whole group (the backlog's size) to return 96 (docs/webhooks.md "Third pass").
DROP INDEX IF EXISTS lanes_due;
CREATE INDEX IF NOT EXISTS lanes_due_heads ON lanes(subscription_id, next_at, head_id);
CREATE INDEX IF NOT EXISTS lanes_next ON lanes(next_at);
`;

export { laneOf };

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export class DeliveryStore {
  /** Successes not yet written (#settle). */
  #delivered: Array<{ id: number; lane: string | null; record: AttemptRecord }> = [];
  /** Deliveries enqueued here and not tried yet, with their bodies. */
  #firstAttempts = new FirstAttempts();

  constructor(private readonly sql: SqlStorage) {
    sql.exec(DDL);
  }

  /** A successful attempt: the delivery is settled and its lane moves on, written with the others before the store is next used. */
  markDelivered(delivery: PendingDelivery, record: AttemptRecord): void {
    this.#firstAttempts.forget(delivery.id);
    this.#delivered.push({ id: delivery.id, lane: delivery.lane, record });
  }

  /** Writes the successes kept in memory: each delivery once (a cancelled one stays cancelled), then each lane's next head. */
  #settle(): void {
    if (this.#delivered.length === 0) return;
    const done = this.#delivered;
    this.#delivered = [];
    this.sql.exec(
      `UPDATE deliveries SET status = 'delivered', attempts = j.attempt, next_at = NULL, last_status_code = j.code, last_error = NULL,
         log = json_insert(log, '$[#]', json(j.rec)), finished_at = ?
       FROM (SELECT value ->> 'id' AS id, value ->> 'attempt' AS attempt, value ->> 'code' AS code, value -> 'rec' AS rec FROM json_each(?)) AS j
       WHERE deliveries.id = j.id AND deliveries.status = 'pending'`,
      Date.now(),
      JSON.stringify(done.map((d) => ({ id: d.id, attempt: d.record.attempt, code: d.record.status_code, rec: d.record }))),
    );
    const lanes = JSON.stringify([...new Set(done.map((d) => d.lane).filter((l): l is string => l !== null))]);
    this.sql.exec(
      `DELETE FROM lanes WHERE lane IN (SELECT value FROM json_each(?))
         AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.lane = lanes.lane AND d.status = 'pending')`,
      lanes,
    );
    this.sql.exec(
      `UPDATE lanes SET (head_id, next_at) = (SELECT d.id, d.next_at FROM deliveries d WHERE d.lane = lanes.lane AND d.status = 'pending' ORDER BY d.id LIMIT 1)
       WHERE lane IN (SELECT value FROM json_each(?))`,
      lanes,
    );
  }

  meta(key: string): string | null {
    return this.sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key).toArray()[0]?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, value);
  }

  /** Stores an event's envelope; null when this event_id is already stored (a re-raise: nothing to add). */
  insertEvent(event: PreparedEvent, body: string, nowMs: number): number | null {
    const row = this.sql
      .exec<{ seq: number }>(
        'INSERT INTO events (event_id, event_type, correlation_id, body, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(event_id) DO NOTHING RETURNING seq',
        event.eventId,
        event.type,
        event.correlationId,
        body,
        nowMs,
      )
      .toArray()[0];
    return row?.seq ?? null;
  }

  /**
   * One hand-over: stores the events not stored yet (an event_id already
   * stored is a re-raise and adds nothing) and a delivery per (event,
   * subscription) at the tail of its lane, in the items' order; a delivery
   * becomes its lane's head (due now) if the lane was idle. Three statements
   * for the whole hand-over. Answers the new deliveries as an attempt needs
   * them (their first attempt will not read them back).
   */
  addEvents(items: ReadonlyArray<{ event: PreparedEvent; body: string; subscriptionIds: readonly string[] }>, nowMs: number): { events: number; deliveries: PendingDelivery[] } {
    this.#settle();
    if (items.length === 0) return { events: 0, deliveries: [] };
    const stored = this.sql
      .exec<{ seq: number; event_id: string }>(
        `INSERT INTO events (event_id, event_type, correlation_id, body, created_at)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, ? FROM json_each(?) WHERE true ORDER BY key
         ON CONFLICT(event_id) DO NOTHING RETURNING seq, event_id`,
        nowMs,
        JSON.stringify(items.map(({ event, body }) => [event.eventId, event.type, event.correlationId, body])),
      )
      .toArray();
    const seqs = new Map(stored.map((r) => [r.event_id, r.seq]));
    const plan = deliveryRows(
      items.map((i) => ({ eventId: i.event.eventId, correlationId: i.event.correlationId, subscriptionIds: i.subscriptionIds, event: i.event, body: i.body })),
      (eventId) => seqs.get(eventId),
    );
    if (plan.rows.length === 0) return { events: plan.items.length, deliveries: [] };
    // Rows are inserted in the array's order (ORDER BY key), so ids follow the events' order: a lane's order.
    const inserted = this.sql
      .exec<{ id: number; event_seq: number; subscription_id: string; lane: string }>(
        `INSERT INTO deliveries (event_seq, subscription_id, lane, next_at, created_at)
         SELECT value ->> 0, value ->> 1, value ->> 2, ?, ? FROM json_each(?) ORDER BY key
         RETURNING id, event_seq, subscription_id, lane`,
        nowMs,
        nowMs,
        JSON.stringify(plan.rows),
      )
      .toArray();
    this.sql.exec(
      `INSERT INTO lanes (lane, subscription_id, head_id, next_at)
       SELECT value ->> 0, value ->> 1, value ->> 2, ? FROM json_each(?) WHERE true
       ON CONFLICT(lane) DO NOTHING`,
      nowMs,
      JSON.stringify(firstPerLane(inserted.map((d) => ({ id: d.id, lane: d.lane, subscriptionId: d.subscription_id })))),
    );
    const eventOfSeq = new Map(plan.items.map((i) => [i.seq, i]));
    const deliveries = inserted
      .sort((a, b) => a.id - b.id)
      .map((d): PendingDelivery => {
        const { event, body } = eventOfSeq.get(d.event_seq)!;
        return { id: d.id, lane: d.lane, subscriptionId: d.subscription_id, attempts: 0, log: [], eventId: event.eventId, eventType: event.type, body };
      });
    for (const d of deliveries) this.#firstAttempts.keep(d);
    return { events: plan.items.length, deliveries };
  }

  /** A delivery at the tail of its lane; it becomes the lane's head (due now) if the lane was idle. */
  addDelivery(eventSeq: number, subscriptionId: string, correlationId: string, nowMs: number): void {
    this.#settle();
    const lane = laneOf(subscriptionId, correlationId);
    const { id } = this.sql
      .exec<{ id: number }>('INSERT INTO deliveries (event_seq, subscription_id, lane, next_at, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id', eventSeq, subscriptionId, lane, nowMs, nowMs)
      .one();
    this.sql.exec('INSERT INTO lanes (lane, subscription_id, head_id, next_at) VALUES (?, ?, ?, ?) ON CONFLICT(lane) DO NOTHING', lane, subscriptionId, id, nowMs);
  }

  /** A delivery outside any lane (the test event): tried once, at once, by the caller. */
  addLoneDelivery(eventSeq: number, subscriptionId: string, nowMs: number): number {
    return this.sql
      .exec<{ id: number }>('INSERT INTO deliveries (event_seq, subscription_id, lane, next_at, created_at) VALUES (?, ?, NULL, ?, ?) RETURNING id', eventSeq, subscriptionId, nowMs, nowMs)
      .one().id;
  }

  /**
   * Due lane heads, taking turns between subscriptions so one with a backlog
   * cannot fill the batch: up to `perSubscription` not-busy heads each.
   */
  dueHeads(subscriptionIds: readonly string[], nowMs: number, perSubscription: number, limit: number, busyLanes: ReadonlySet<string>): DueHead[] {
    this.#settle();
    const perSub = subscriptionIds.map((id) =>
      this.sql
        // Enough rows to find `perSubscription` lanes not in flight (or `limit`, if fewer), whichever lanes are.
        .exec<{ lane: string; head_id: number }>(
          'SELECT lane, head_id FROM lanes WHERE subscription_id = ? AND next_at <= ? ORDER BY next_at, head_id LIMIT ?',
          id,
          nowMs,
          Math.min(perSubscription, limit) + busyLanes.size,
        )
        .toArray()
        .filter((r) => !busyLanes.has(r.lane))
        .slice(0, perSubscription)
        .map((r) => ({ lane: r.lane, subscriptionId: id, deliveryId: r.head_id })),
    );
    const out: DueHead[] = [];
    for (let i = 0; out.length < limit; i++) {
      let any = false;
      for (const list of perSub) {
        const head = list[i];
        if (!head) continue;
        any = true;
        out.push(head);
        if (out.length >= limit) break;
      }
      if (!any) break;
    }
    return out;
  }

  /** Subscriptions that have lanes with pending work. */
  subscriptionsWithWork(): string[] {
    this.#settle();
    // One index step per subscriber (a loose index scan): SELECT DISTINCT read every lane, once per refill.
    return this.sql
      .exec<{ id: string }>(
        `WITH RECURSIVE s(id) AS (
           SELECT (SELECT MIN(subscription_id) FROM lanes)
           UNION ALL SELECT (SELECT MIN(subscription_id) FROM lanes WHERE subscription_id > s.id) FROM s WHERE s.id IS NOT NULL
         ) SELECT id FROM s WHERE id IS NOT NULL`,
      )
      .toArray()
      .map((r) => r.id);
  }

  pending(deliveryId: number): PendingDelivery | null {
    const fresh = this.#firstAttempts.take(deliveryId);
    if (fresh) return fresh;
    this.#settle();
    const row = this.sql
      .exec<{ id: number; lane: string | null; subscription_id: string; attempts: number; log: string; event_id: string; event_type: string; body: string }>(
        `SELECT d.id, d.lane, d.subscription_id, d.attempts, d.log, e.event_id, e.event_type, e.body
         FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE d.id = ? AND d.status = 'pending'`,
        deliveryId,
      )
      .toArray()[0];
    if (!row) return null;
    return {
      id: row.id,
      lane: row.lane,
      subscriptionId: row.subscription_id,
      attempts: row.attempts,
      log: JSON.parse(row.log) as AttemptRecord[],
      eventId: row.event_id,
      eventType: row.event_type,
      body: row.body,
    };
  }

  /**
   * Records one attempt's outcome: delivered, dead-lettered (no retry left:
   * `retryAt` null) or due again at `retryAt`. A delivery cancelled while its
   * attempt was in flight stays cancelled. The lane moves to its next event
   * once this one is settled either way.
   */
  recordAttempt(delivery: PendingDelivery, record: AttemptRecord, ok: boolean, retryAt: number | null, nowMs: number): DeliveryStatus {
    this.#firstAttempts.forget(delivery.id);
    this.#settle();
    const log = JSON.stringify([...delivery.log, record]);
    const status: DeliveryStatus = ok ? 'delivered' : retryAt === null ? 'dead_lettered' : 'pending';
    const cursor = this.sql.exec(
      `UPDATE deliveries SET status = ?, attempts = ?, next_at = ?, last_status_code = ?, last_error = ?, log = ?, finished_at = ?
       WHERE id = ? AND status = 'pending'`,
      status,
      record.attempt,
      status === 'pending' ? retryAt : null,
      record.status_code,
      record.error,
      log,
      status === 'pending' ? null : nowMs,
      delivery.id,
    );
    if (cursor.rowsWritten === 0) return 'cancelled';
    if (delivery.lane !== null) {
      if (status === 'pending') this.sql.exec('UPDATE lanes SET next_at = ? WHERE lane = ?', retryAt, delivery.lane);
      else this.advanceLane(delivery.lane);
    }
    return status;
  }

  /** Points a lane at its oldest pending delivery, or removes it when there is none. */
  advanceLane(lane: string): void {
    this.#settle();
    const next = this.sql.exec<{ id: number; next_at: number }>("SELECT id, next_at FROM deliveries WHERE lane = ? AND status = 'pending' ORDER BY id LIMIT 1", lane).toArray()[0];
    if (next) this.sql.exec('UPDATE lanes SET head_id = ?, next_at = ? WHERE lane = ?', next.id, next.next_at, lane);
    else this.sql.exec('DELETE FROM lanes WHERE lane = ?', lane);
  }

  /** A subscription was deleted or deactivated: its pending deliveries will never be tried. */
  cancelSubscription(subscriptionId: string, nowMs: number): number {
    this.#firstAttempts.forgetSubscription(subscriptionId);
    this.#settle();
    this.sql.exec('DELETE FROM lanes WHERE subscription_id = ?', subscriptionId);
    return this.sql.exec("UPDATE deliveries SET status = 'cancelled', next_at = NULL, finished_at = ? WHERE subscription_id = ? AND status = 'pending'", nowMs, subscriptionId)
      .rowsWritten;
  }

  /** When the earliest lane is due (null: nothing pending). */
  nextDueAt(afterMs?: number): number | null {
    this.#settle();
    const row =
      afterMs === undefined
        ? this.sql.exec<{ t: number | null }>('SELECT MIN(next_at) AS t FROM lanes').one()
        : this.sql.exec<{ t: number | null }>('SELECT MIN(next_at) AS t FROM lanes WHERE next_at > ?', afterMs).one();
    return row.t;
  }

  list(subscriptionId: string, filter: { status?: DeliveryStatus; beforeId?: number; limit: number }): DeliveryView[] {
    this.#settle();
    const where = ['d.subscription_id = ?'];
    const args: SqlStorageValue[] = [subscriptionId];
    if (filter.status) where.push('d.status = ?'), args.push(filter.status);
    if (filter.beforeId !== undefined) where.push('d.id < ?'), args.push(filter.beforeId);
    const rows = this.sql
      .exec<{
        id: number;
        event_id: string;
        event_type: string;
        correlation_id: string;
        status: DeliveryStatus;
        attempts: number;
        next_at: number | null;
        last_status_code: number | null;
        last_error: string | null;
        log: string;
        created_at: number;
        finished_at: number | null;
      }>(
        `SELECT d.id, e.event_id, e.event_type, e.correlation_id, d.status, d.attempts, d.next_at, d.last_status_code, d.last_error, d.log, d.created_at, d.finished_at
         FROM deliveries d JOIN events e ON e.seq = d.event_seq
         WHERE ${where.join(' AND ')} ORDER BY d.id DESC LIMIT ?`,
        ...args,
        filter.limit,
      )
      .toArray();
    return rows.map((r) => ({
      id: r.id,
      event_id: r.event_id,
      event_type: r.event_type,
      correlation_id: r.correlation_id,
      status: r.status,
      attempts: r.attempts,
      next_attempt_at: r.status === 'pending' ? iso(r.next_at) : null,
      last_status_code: r.last_status_code,
      last_error: r.last_error,
      created_at: iso(r.created_at)!,
      finished_at: iso(r.finished_at),
      attempt_log: JSON.parse(r.log) as AttemptRecord[],
    }));
  }

  count(subscriptionId: string, status?: DeliveryStatus): number {
    this.#settle();
    return status
      ? this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM deliveries WHERE subscription_id = ? AND status = ?', subscriptionId, status).one().n
      : this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM deliveries WHERE subscription_id = ?', subscriptionId).one().n;
  }

  /** Rows of each table: what the tests (and an operator) look at to see that nothing was stored. */
  sizes(): { events: number; deliveries: number; lanes: number } {
    this.#settle();
    const n = (table: string) => this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;
    return { events: n('events'), deliveries: n('deliveries'), lanes: n('lanes') };
  }

  /**
   * Forgets settled deliveries older than the retention, then events no
   * delivery refers to, at most `chunk` rows each per call. Returns when the
   * next settled delivery comes of age (null: none left).
   */
  prune(nowMs: number, retentionMs: number, chunk: number): number | null {
    this.#settle();
    const cutoff = nowMs - retentionMs;
    this.sql.exec('DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE finished_at IS NOT NULL AND finished_at < ? LIMIT ?)', cutoff, chunk);
    this.sql.exec(
      'DELETE FROM events WHERE seq IN (SELECT e.seq FROM events e WHERE e.created_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq) LIMIT ?)',
      cutoff,
      chunk,
    );
    const oldest = this.sql.exec<{ t: number | null }>('SELECT MIN(finished_at) AS t FROM deliveries WHERE finished_at IS NOT NULL').one().t;
    return oldest === null ? null : oldest + retentionMs;
  }
}
