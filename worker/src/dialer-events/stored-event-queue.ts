/**
 * A Durable Object's own queue of dialer events: an event is written to the
 * object's storage in the same step as the change it reports (so a restart
 * never loses it) and handed to emitDialerEvents by flush(), oldest first.
 * A failed flush keeps the events (their event ids fixed, so a resend after a
 * half-finished flush is recognised downstream) and is retried with backoff.
 * Used by AgentCall; BroadcastCallEvents does the same for broadcast legs at
 * broadcast scale (interest filtering, recording ids).
 */
import type { Env } from '../env.ts';
import { uuidv7 } from '../ids/uuid-v7.ts';
import { emitDialerEvents, type DialerEvent } from './emit.ts';

const MAX_RETRY_DELAY_MS = 30_000;
const FLUSH_CHUNK = 100;

export class StoredEventQueue {
  #retryAt: number | null = null;
  #failures = 0;

  constructor(
    private readonly sql: SqlStorage,
    private readonly env: Env,
    private readonly table = 'queued_dialer_events',
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS ${table} (id INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL)`);
  }

  /** Queues one event (its event id fixed now); answers the row id, so a step undone can take it back. */
  record(event: DialerEvent): number {
    const fixed: DialerEvent = { ...event, eventId: event.eventId ?? uuidv7() };
    return this.sql.exec<{ id: number }>(`INSERT INTO ${this.table} (event) VALUES (?) RETURNING id`, JSON.stringify(fixed)).one().id;
  }

  /** Takes back an event that never happened (the step that queued it was undone). */
  forget(id: number): void {
    this.sql.exec(`DELETE FROM ${this.table} WHERE id = ?`, id);
  }

  async flush(): Promise<void> {
    const now = Date.now();
    if (this.#retryAt !== null && now < this.#retryAt) return;
    try {
      for (;;) {
        const rows = this.sql.exec<{ id: number; event: string }>(`SELECT id, event FROM ${this.table} ORDER BY id LIMIT ?`, FLUSH_CHUNK).toArray();
        if (rows.length === 0) break;
        await emitDialerEvents(this.env, rows.map((r) => JSON.parse(r.event) as DialerEvent));
        this.sql.exec(`DELETE FROM ${this.table} WHERE id <= ?`, rows.at(-1)!.id);
      }
      this.#retryAt = null;
      this.#failures = 0;
    } catch (err) {
      this.#failures++;
      this.#retryAt = now + Math.min(MAX_RETRY_DELAY_MS, 1000 * 2 ** (this.#failures - 1));
      console.error(JSON.stringify({ msg: 'queued dialer events flush failed; will retry', failures: this.#failures, error: String(err), stack: (err as Error).stack }));
    }
  }

  /** When to flush again (null: nothing queued). */
  nextFlushAt(): number | null {
    if (this.sql.exec(`SELECT 1 FROM ${this.table} LIMIT 1`).toArray().length === 0) return null;
    return this.#retryAt ?? Date.now();
  }
}
