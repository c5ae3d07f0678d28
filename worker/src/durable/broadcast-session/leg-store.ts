/**
 * A broadcast's legs in its BroadcastSession's SQLite: one row per recipient
 * (the `legs` table), the broadcast's small key/value facts (`meta`: its
 * settings, phase, running recordings and streams), the numbers filtered at
 * acceptance (`filtered`), and the per-state counts kept in memory so status
 * and pacing never scan 100,000 rows. Every state change goes through here
 * so the counts stay true.
 */
import type { LegState } from './contract.ts';
import { LIVE_STATES } from './leg-state-machine.ts';

export interface LegRow extends Record<string, SqlStorageValue> {
  idx: number;
  to_number: string;
  play: string;
  state: LegState;
  voice_id: string | null;
  channel_id: string | null;
  node_id: string | null;
  control_url: string | null;
  last_seq: number;
  answered_by: string | null;
  cause: number | null;
  reason: string | null;
  dialed_at: number | null;
  answered_at: number | null;
  ended_at: number | null;
  idle_since: number | null;
  hangup_requested_at: number | null;
  hangup_by_client: number;
  hangup_cause: number | null;
  dispatch_attempts: number;
  duration: number | null;
}

const LEGS_DDL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS filtered (idx INTEGER PRIMARY KEY, bucket TEXT NOT NULL, recipient TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS legs (
  idx INTEGER PRIMARY KEY,
  to_number TEXT NOT NULL,
  play TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued',
  voice_id TEXT,
  channel_id TEXT,
  node_id TEXT,
  control_url TEXT,
  last_seq INTEGER NOT NULL DEFAULT 0,
  answered_by TEXT,
  cause INTEGER,
  reason TEXT,
  dialed_at INTEGER,
  answered_at INTEGER,
  ended_at INTEGER,
  idle_since INTEGER,
  hangup_requested_at INTEGER,
  hangup_by_client INTEGER NOT NULL DEFAULT 0,
  hangup_cause INTEGER,
  dispatch_attempts INTEGER NOT NULL DEFAULT 0,
  duration REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS legs_voice ON legs(voice_id) WHERE voice_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS legs_state ON legs(state, idx);
`;

/** What applying node events may change in a leg's row, idx first (the key): written back per batch. */
export const BATCH_COLUMNS = ['idx', 'last_seq', 'state', 'channel_id', 'answered_at', 'answered_by', 'idle_since', 'voice_id', 'cause', 'reason', 'ended_at', 'duration'] as const;

/** created: legs still arriving; running: dispatching or finishing; complete: broadcastcall_complete has left. */
export type Phase = 'created' | 'running' | 'complete';

/** SQL lists of leg states, from the state machine's constants (never from input). */
export const inList = (states: readonly LegState[]) => `(${states.map((st) => `'${st}'`).join(',')})`;

export class LegStore {
  readonly #counts = new Map<LegState, number>();

  constructor(readonly sql: SqlStorage) {
    sql.exec(LEGS_DDL);
    this.recount();
  }

  /** Reads the per-state counts from the table (after bulk inserts, whose rowsWritten also counts index rows). */
  recount(): void {
    this.#counts.clear();
    for (const row of this.sql.exec<{ state: LegState; n: number }>('SELECT state, COUNT(*) AS n FROM legs GROUP BY state')) {
      this.#counts.set(row.state, row.n);
    }
  }

  forgetCounts(): void {
    this.#counts.clear();
  }

  byVoice(voiceId: string): LegRow | null {
    return this.sql.exec<LegRow>('SELECT * FROM legs WHERE voice_id = ?', voiceId).toArray()[0] ?? null;
  }

  /** The legs with these voice_ids, in one read (a batch of node events: leg-batch.ts). */
  byVoices(voiceIds: readonly string[]): LegRow[] {
    return this.sql
      .exec<LegRow>('SELECT * FROM legs WHERE voice_id IS NOT NULL AND voice_id IN (SELECT value FROM json_each(?))', JSON.stringify(voiceIds))
      .toArray();
  }

  /**
   * Writes back, in one statement, the columns applying node events changes
   * (BATCH_COLUMNS) of rows read and changed in memory (leg-batch.ts); the
   * per-state counts were kept by the caller's move().
   */
  writeBack(rows: readonly LegRow[]): void {
    if (rows.length === 0) return;
    const values = rows.map((row) => BATCH_COLUMNS.map((c) => row[c]));
    this.sql.exec(
      `UPDATE legs SET ${BATCH_COLUMNS.slice(1).map((c, i) => `${c} = json_extract(w.value, '$[${i + 1}]')`).join(', ')}
       FROM json_each(?) AS w WHERE legs.idx = json_extract(w.value, '$[0]')`,
      JSON.stringify(values),
    );
  }

  byIdx(idx: number): LegRow {
    return this.sql.exec<LegRow>('SELECT * FROM legs WHERE idx = ?', idx).one();
  }

  queued(limit: number): LegRow[] {
    return this.sql.exec<LegRow>("SELECT * FROM legs WHERE state = 'queued' ORDER BY idx LIMIT ?", limit).toArray();
  }

  /** Moves a leg to `next` (the caller has asked the state machine), keeping the counts. */
  setState(leg: LegRow, next: LegState): void {
    if (leg.state === next) return;
    this.sql.exec('UPDATE legs SET state = ? WHERE idx = ?', next, leg.idx);
    this.move(leg.state, next);
    leg.state = next;
  }

  /** Appends a recipient's leg; an index already stored is kept as it is. */
  addLeg(idx: number, to: string, play: string): void {
    this.sql.exec('INSERT OR IGNORE INTO legs (idx, to_number, play) VALUES (?, ?, ?)', idx, to, play);
  }

  /** When the idle guard's clock started (null: it is not running: a play, a stream or a connect owns the leg). */
  setIdleSince(idx: number, atMs: number | null): void {
    this.sql.exec('UPDATE legs SET idle_since = ? WHERE idx = ?', atMs, idx);
  }

  /** A hangup asked for (by the client, or by a guard): the leg ends when the node confirms, or the hangup guard gives up. */
  requestHangup(idx: number, atMs: number, cause: number, byClient: boolean): void {
    this.sql.exec(
      'UPDATE legs SET hangup_requested_at = ?, hangup_cause = ?, hangup_by_client = MAX(hangup_by_client, ?) WHERE idx = ?',
      atMs,
      cause,
      byClient ? 1 : 0,
      idx,
    );
  }

  /** Counts a state change written by the caller's own UPDATE. */
  move(from: LegState, to: LegState): void {
    this.#bump(from, -1);
    this.#bump(to, 1);
  }

  count(state: LegState): number {
    return this.#counts.get(state) ?? 0;
  }

  total(): number {
    let n = 0;
    for (const v of this.#counts.values()) n += v;
    return n;
  }

  live(): number {
    return LIVE_STATES.reduce((sum, s) => sum + this.count(s), 0);
  }

  phase(): Phase {
    return (this.meta('phase') as Phase | null) ?? 'created';
  }

  meta(key: string): string | null {
    return this.sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key).toArray()[0]?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, value);
  }

  deleteMeta(key: string): void {
    this.sql.exec('DELETE FROM meta WHERE key = ?', key);
  }

  #bump(state: LegState, by: number): void {
    this.#counts.set(state, this.count(state) + by);
  }
}
