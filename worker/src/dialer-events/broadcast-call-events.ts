/**
 * call.* dialer webhooks for a broadcast's legs, raised from inside its
 * BroadcastSession. Leg transitions (dialled, connected, ended) are written
 * to a small table in the session's own storage in the same step as the
 * transition, so none is lost if the object restarts. What is recorded in
 * one turn (a batch of node events, a tick's dispatch) is handed to
 * emitDialerEvents right after it, one call per chunk, by one flush at a time
 * (the session's tick also flushes, to retry after a failure). A 100,000-leg
 * broadcast thus costs a few hundred Durable Object calls, not 300,000, the
 * transitions of one leg leave in order, and none waits for the session's
 * next tick (it used to: docs/webhooks.md).
 *
 * Only event types the tenant has subscribers for are written at all (the
 * interest cached by the last flush; before the first, everything is written
 * and filtered at flush).
 */
import type { Env } from '../env.ts';
import { callHistoryStatus } from '../calls/call-outcome.ts';
import { uuidv7 } from '../ids/uuid-v7.ts';
import { filterAccepts } from './catalog.ts';
import { callAnswered, callCompleted, callInitiated, type CallIdentity } from './call-payloads.ts';
import { emitDialerEvents, type DialerEvent } from './emit.ts';
import { interestOf } from './interest.ts';

const DDL = 'CREATE TABLE IF NOT EXISTS dialer_events (id INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL)';
/** Events per emit call, and chunks per flush: one tick never spends long here. */
const FLUSH_CHUNK = 500;
const MAX_CHUNKS_PER_FLUSH = 20;
/** D1 binds at most 100 parameters per statement. */
const RECORDING_LOOKUP_CHUNK = 90;
const MAX_RETRY_DELAY_MS = 30_000;

export interface BroadcastIdentity {
  tenantId: string;
  broadcastId: string;
}

/** A leg as the session knows it: its voice_id, its `to` as given, and the times it reached each stage (epoch ms). */
export interface LegFacts {
  voiceId: string;
  to: string;
  dialedAt: number | null;
  answeredAt?: number | null;
}

export class BroadcastCallEvents {
  #interest: readonly string[] | null = null;
  #retryAt: number | null = null;
  #failures = 0;
  /** The flush under way, if any; `#again` asks it to look once more when it is done. */
  #flushing: Promise<void> | null = null;
  #again = false;
  #soon = false;

  constructor(
    private readonly sql: SqlStorage,
    private readonly env: Env,
    private readonly identity: () => BroadcastIdentity,
  ) {
    sql.exec(DDL);
  }

  /** Legs handed to media nodes for the first time (the calls rows just inserted). */
  initiated(rows: ReadonlyArray<{ id: string; contactPhone: string; startedAt: string }>): void {
    if (!this.#wants('call.initiated')) return;
    for (const row of rows) this.#record(callInitiated(this.#call(row.id, row.contactPhone), { startedAt: row.startedAt }, uuidv7()));
  }

  answered(leg: LegFacts, answeredAt: string, answeredBy: 'HUMAN' | 'MACHINE' | null): void {
    if (!this.#wants('call.answered')) return;
    this.#record(callAnswered(this.#call(leg.voiceId, leg.to), { startedAt: isoOrNull(leg.dialedAt), answeredAt, answeredBy }, uuidv7()));
  }

  /** The leg ended (disconnected or failed); a leg that never reached a node gets this event only. */
  completed(leg: LegFacts, end: { answeredBy: 'HUMAN' | 'MACHINE' | null; cause: number; reason: string; durationS: number; endedAtMs: number }): void {
    if (!this.#wants('call.completed')) return;
    const answeredAt = leg.answeredAt ?? null;
    const endedAt = new Date(end.endedAtMs).toISOString();
    this.#record(
      callCompleted(
        this.#call(leg.voiceId, leg.to),
        {
          status: callHistoryStatus({ answered: answeredAt !== null, answeredBy: end.answeredBy, cause: end.cause }),
          disposition: null,
          durationSeconds: end.durationS,
          // Filled in at flush: a recording may be stopped and stored after the leg ends.
          recordingId: null,
          startedAt: isoOrNull(leg.dialedAt) ?? endedAt,
          answeredAt: isoOrNull(answeredAt),
          endedAt,
          causeCode: end.cause,
          causeReason: end.reason,
        },
        uuidv7(),
      ),
    );
  }

  /**
   * Sends what is queued, oldest first. A failure is logged and retried with
   * backoff on a later tick; the events stay queued (their event ids fixed,
   * so a resend after a half-finished flush is recognised downstream).
   */
  flush(): Promise<void> {
    if (this.#flushing) {
      this.#again = true;
      return this.#flushing;
    }
    const run = async () => {
      try {
        do {
          this.#again = false;
          await this.#flushOnce();
        } while (this.#again);
      } finally {
        this.#flushing = null;
      }
    };
    this.#flushing = run();
    return this.#flushing;
  }

  async #flushOnce(): Promise<void> {
    const now = Date.now();
    if (this.#retryAt !== null && now < this.#retryAt) return;
    const { tenantId } = this.identity();
    try {
      this.#interest = await interestOf(this.env, tenantId);
      for (let chunk = 0; chunk < MAX_CHUNKS_PER_FLUSH; chunk++) {
        const rows = this.sql.exec<{ id: number; event: string }>('SELECT id, event FROM dialer_events ORDER BY id LIMIT ?', FLUSH_CHUNK).toArray();
        if (rows.length === 0) break;
        const events = rows.map((r) => JSON.parse(r.event) as DialerEvent).filter((e) => filterAccepts(this.#interest!, e.type));
        await this.#attachRecordings(events);
        if (events.length > 0) await emitDialerEvents(this.env, events);
        this.sql.exec('DELETE FROM dialer_events WHERE id <= ?', rows.at(-1)!.id);
      }
      this.#retryAt = null;
      this.#failures = 0;
    } catch (err) {
      this.#failures++;
      this.#retryAt = now + Math.min(MAX_RETRY_DELAY_MS, 1000 * 2 ** (this.#failures - 1));
      console.error(JSON.stringify({ msg: 'dialer call events flush failed; will retry', tenant_id: tenantId, failures: this.#failures, error: String(err), stack: (err as Error).stack }));
    }
  }

  /** When the session should tick again for these events (null: nothing queued). */
  nextFlushAt(): number | null {
    if (this.sql.exec('SELECT 1 FROM dialer_events LIMIT 1').toArray().length === 0) return null;
    return this.#retryAt ?? Date.now();
  }

  #wants(type: string): boolean {
    return this.#interest === null || filterAccepts(this.#interest, type);
  }

  #record(event: DialerEvent): void {
    this.sql.exec('INSERT INTO dialer_events (event) VALUES (?)', JSON.stringify(event));
    if (this.#soon) return;
    this.#soon = true;
    // After the turn that recorded it, so a batch of node events leaves in one hand-over.
    queueMicrotask(() => {
      this.#soon = false;
      this.flush().catch((err: unknown) => console.error(JSON.stringify({ msg: 'dialer call events flush failed', error: String(err), stack: (err as Error).stack })));
    });
  }

  #call(callId: string, to: string): CallIdentity {
    const { tenantId, broadcastId } = this.identity();
    return { tenantId, callId, contactPhone: to.startsWith('+') ? to : `+${to}`, agentId: null, campaignId: null, broadcastId };
  }

  /** recording_id of each call.completed: the leg's latest recording that did not fail (one D1 read per 90 calls). */
  async #attachRecordings(events: DialerEvent[]): Promise<void> {
    const completed = events.filter((e) => e.type === 'call.completed');
    for (let i = 0; i < completed.length; i += RECORDING_LOOKUP_CHUNK) {
      const chunk = completed.slice(i, i + RECORDING_LOOKUP_CHUNK);
      const { results } = await this.env.DB.prepare(
        `SELECT id, call_id FROM recordings WHERE call_id IN (${chunk.map(() => '?').join(',')}) AND status != 'failed' ORDER BY started_at, id`,
      )
        .bind(...chunk.map((e) => e.correlationId))
        .all<{ id: string; call_id: string }>();
      const latest = new Map(results.map((r) => [r.call_id, r.id]));
      for (const e of chunk) e.payload.recording_id = latest.get(e.correlationId) ?? null;
    }
  }
}

function isoOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}
