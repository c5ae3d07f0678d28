/**
 * The connects of a broadcast's legs, in the BroadcastSession's own SQLite:
 * one row per accepted PUT .../connect, the destination leg's record (the
 * numbers, when it answered, how and by whom it ended), linked to the
 * recipient's leg by voice_id. A leg has at most one open connect.
 */

export const CONNECTS_DDL = `
CREATE TABLE IF NOT EXISTS connects (
  connect_id TEXT PRIMARY KEY,
  voice_id TEXT NOT NULL,
  from_number TEXT NOT NULL,
  to_number TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'requested',
  node_id TEXT,
  requested_at INTEGER NOT NULL,
  answered_at INTEGER,
  ended_at INTEGER,
  cause INTEGER,
  reason TEXT,
  duration REAL,
  ended_by TEXT
);
CREATE INDEX IF NOT EXISTS connects_voice ON connects(voice_id, state);
CREATE INDEX IF NOT EXISTS connects_pending ON connects(state, requested_at);
`;

/** requested → ringing → connected → disconnected; requested | ringing → failed. */
export type ConnectRowState = 'requested' | 'ringing' | 'connected' | 'failed' | 'disconnected';
const OPEN = "('requested','ringing','connected')";
const PENDING = "('requested','ringing')";

export interface ConnectRow extends Record<string, SqlStorageValue> {
  connect_id: string;
  voice_id: string;
  from_number: string;
  to_number: string;
  state: ConnectRowState;
  node_id: string | null;
  requested_at: number;
  answered_at: number | null;
  ended_at: number | null;
  cause: number | null;
  reason: string | null;
  duration: number | null;
  ended_by: string | null;
}

export function isConnectOver(state: ConnectRowState): boolean {
  return state === 'failed' || state === 'disconnected';
}

export class ConnectStore {
  constructor(private readonly sql: SqlStorage) {}

  insert(row: { connectId: string; voiceId: string; from: string; to: string; nodeId: string | null; requestedAt: number }): void {
    this.sql.exec(
      'INSERT INTO connects (connect_id, voice_id, from_number, to_number, node_id, requested_at) VALUES (?, ?, ?, ?, ?, ?)',
      row.connectId,
      row.voiceId,
      row.from,
      row.to,
      row.nodeId,
      row.requestedAt,
    );
  }

  /** The node refused the command: nothing was dialled, so nothing is kept. */
  forget(connectId: string): void {
    this.sql.exec('DELETE FROM connects WHERE connect_id = ?', connectId);
  }

  get(connectId: string): ConnectRow | null {
    return this.sql.exec<ConnectRow>('SELECT * FROM connects WHERE connect_id = ?', connectId).toArray()[0] ?? null;
  }

  openFor(voiceId: string): ConnectRow | null {
    return this.sql.exec<ConnectRow>(`SELECT * FROM connects WHERE voice_id = ? AND state IN ${OPEN} LIMIT 1`, voiceId).toArray()[0] ?? null;
  }

  /** Which of these legs have an open connect, in one read (a batch of node events). */
  openAmong(voiceIds: readonly string[]): Set<string> {
    const rows = this.sql.exec<{ voice_id: string }>(
      `SELECT DISTINCT voice_id FROM connects WHERE voice_id IN (SELECT value FROM json_each(?)) AND state IN ${OPEN}`,
      JSON.stringify(voiceIds),
    );
    return new Set(Array.from(rows, (r) => r.voice_id));
  }

  /** Every connect of a leg, oldest first (its history). */
  forLeg(voiceId: string): ConnectRow[] {
    return this.sql.exec<ConnectRow>('SELECT * FROM connects WHERE voice_id = ? ORDER BY requested_at', voiceId).toArray();
  }

  markRinging(connectId: string): void {
    this.sql.exec("UPDATE connects SET state = 'ringing' WHERE connect_id = ? AND state = 'requested'", connectId);
  }

  markAnswered(connectId: string, atMs: number): void {
    this.sql.exec("UPDATE connects SET state = 'connected', answered_at = ? WHERE connect_id = ?", atMs, connectId);
  }

  close(connectId: string, end: { state: 'failed' | 'disconnected'; cause: number; reason: string; durationS: number; endedBy: string; atMs: number }): void {
    this.sql.exec(
      'UPDATE connects SET state = ?, cause = ?, reason = ?, duration = ?, ended_by = ?, ended_at = ? WHERE connect_id = ?',
      end.state,
      end.cause,
      end.reason,
      end.durationS,
      end.endedBy,
      end.atMs,
      connectId,
    );
  }

  /** Connects still dialling that were requested at or before `before`: their node must have lost them. */
  pendingSince(before: number): ConnectRow[] {
    return this.sql.exec<ConnectRow>(`SELECT * FROM connects WHERE state IN ${PENDING} AND requested_at <= ? LIMIT 100`, before).toArray();
  }

  oldestPendingAt(): number | null {
    return this.sql.exec<{ at: number | null }>(`SELECT MIN(requested_at) AS at FROM connects WHERE state IN ${PENDING}`).one().at;
  }
}
