/**
 * The calls history in D1 (GET /v1/calls) as every leg owner writes it: a row
 * inserted before the node can report on the leg (status in_progress), its
 * answer, its end (status, Q.850 cause, the connected seconds), or its removal
 * when the node refused the leg and nothing was dialled. Every write is
 * idempotent, so a retried job or a replayed event never doubles a row.
 * HistoryBatch queues the writes of a batch of node events for one D1 round
 * trip: leg state lives in the owner's storage first, D1 is the record.
 */
import type { CallHistoryStatus } from '../calls/call-outcome.ts';

export interface NewCallRow {
  id: string;
  tenantId: string;
  broadcastId?: string | null;
  campaignId?: string | null;
  contactId?: string | null;
  agentId?: string | null;
  /** E.164 with '+'. */
  contactPhone: string;
  fromNumber: string;
  status: 'in_progress' | 'failed';
  mediaNodeId?: string | null;
  startedAt: string;
}

export interface CallEnd {
  status: CallHistoryStatus;
  cause: number;
  reason: string;
  /** Seconds the callee was connected; 0 if never. */
  durationS: number;
  endedAt: string;
  /** Campaign calls answered with no agent free (counts toward abandon_rate). */
  abandonedAt?: string | null;
}

const INSERT_COLUMNS = 'id, tenant_id, broadcast_id, campaign_id, contact_id, agent_id, contact_phone, from_number, direction, status, media_node_id, started_at';
const ROW_PLACEHOLDERS = "(?, ?, ?, ?, ?, ?, ?, ?, 'outbound', ?, ?, ?)";
/** D1 binds at most 100 parameters per statement; a row binds 11. */
const ROWS_PER_INSERT = 9;

function rowValues(row: NewCallRow): unknown[] {
  return [
    row.id,
    row.tenantId,
    row.broadcastId ?? null,
    row.campaignId ?? null,
    row.contactId ?? null,
    row.agentId ?? null,
    row.contactPhone,
    row.fromNumber,
    row.status,
    row.mediaNodeId ?? null,
    row.startedAt,
  ];
}

/** Inserts the rows (several per statement, one D1 round trip); a row already there is kept as it is. */
export async function insertCallRows(db: D1Database, rows: readonly NewCallRow[]): Promise<void> {
  if (rows.length === 0) return;
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    statements.push(
      db
        .prepare(`INSERT INTO calls (${INSERT_COLUMNS}) VALUES ${chunk.map(() => ROW_PLACEHOLDERS).join(', ')} ON CONFLICT (id) DO NOTHING`)
        .bind(...chunk.flatMap(rowValues)),
    );
  }
  await db.batch(statements);
}

/** The callee answered; `answeredBy` (AMD's verdict) is left as it is when undefined. */
export function callAnsweredStatement(db: D1Database, callId: string, answeredAt: string, answeredBy?: 'HUMAN' | 'MACHINE' | null): D1PreparedStatement {
  if (answeredBy === undefined) return db.prepare('UPDATE calls SET answered_at = ?2 WHERE id = ?1').bind(callId, answeredAt);
  return db.prepare('UPDATE calls SET answered_at = ?2, answered_by = ?3 WHERE id = ?1').bind(callId, answeredAt, answeredBy);
}

export function callEndedStatement(db: D1Database, callId: string, end: CallEnd): D1PreparedStatement {
  return db
    .prepare('UPDATE calls SET status = ?2, cause_code = ?3, cause_reason = ?4, duration_seconds = ?5, ended_at = ?6, abandoned_at = ?7 WHERE id = ?1')
    .bind(callId, end.status, end.cause, end.reason, end.durationS, end.endedAt, end.abandonedAt ?? null);
}

/** A leg the node refused: nothing was dialled, so the history keeps nothing of it. */
export async function deleteCallRow(db: D1Database, callId: string): Promise<void> {
  await db.prepare('DELETE FROM calls WHERE id = ?').bind(callId).run();
}

/** History writes queued while a batch of events is applied, written together. */
export class HistoryBatch {
  #pending: D1PreparedStatement[] = [];

  constructor(private readonly db: D1Database) {}

  queue(statement: D1PreparedStatement): void {
    this.#pending.push(statement);
  }

  async flush(): Promise<void> {
    while (this.#pending.length > 0) await this.db.batch(this.#pending.splice(0, 50));
  }
}
