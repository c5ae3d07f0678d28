/**
 * The CampaignDialer's calls in progress (and ended ones kept briefly for
 * late node events), in the object's SQLite: one row per attempt with its
 * pure flow state as JSON. Bounded by the calls in flight, never by the
 * contact list.
 */
import type { CampaignCallFlow } from '../../campaigns/engine/call-flow.ts';

export interface StoredCall {
  callId: string;
  contactId: string;
  phone: string;
  cli: string;
  /** The contact's attempts including this one. */
  attempt: number;
  nodeId: string;
  controlUrl: string;
  /** The node boot that took the leg (the originate result's `boot`), when it said. */
  boot: string | null;
  dialedAtMs: number;
  phaseSinceMs: number;
  lastSeq: number;
  connectId: string;
  /** The agent the call was bridged to (kept after the flow released them). */
  bridgedAgentId: string | null;
  flow: CampaignCallFlow;
  /** The end was written to D1 (contact, row) and the slot given back. */
  settled: boolean;
  /** The fleet settled the node slot itself (node lost or restarted): the settle must not give it back again. */
  slotSettled?: boolean;
  /**
   * call.initiated not queued yet: stored before the originate, cleared with the event once the node took it. Still
   * set when the object died waiting for the node's answer (a Worker restart): the call's first node event, proof the
   * node took it, queues call.initiated then (call-steps.ts announceIfUnannounced).
   */
  unannounced?: boolean;
}

interface Row extends Record<string, SqlStorageValue> {
  call_id: string;
  data: string;
  ended: number;
  settled: number;
}

export class CallStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS calls (call_id TEXT PRIMARY KEY, data TEXT NOT NULL, ended INTEGER NOT NULL DEFAULT 0, settled INTEGER NOT NULL DEFAULT 0, ended_at_ms INTEGER)`);
  }

  get(callId: string): StoredCall | null {
    const row = this.sql.exec<Row>('SELECT * FROM calls WHERE call_id = ?', callId).toArray()[0];
    return row ? (JSON.parse(row.data) as StoredCall) : null;
  }

  put(call: StoredCall): void {
    this.sql.exec(
      `INSERT INTO calls (call_id, data, ended, settled, ended_at_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (call_id) DO UPDATE SET data = excluded.data, ended = excluded.ended, settled = excluded.settled, ended_at_ms = excluded.ended_at_ms`,
      call.callId,
      JSON.stringify(call),
      call.flow.phase === 'ended' ? 1 : 0,
      call.settled ? 1 : 0,
      call.flow.endedAtMs,
    );
  }

  /** Forgets a call that was never placed (the node refused it). */
  delete(callId: string): void {
    this.sql.exec('DELETE FROM calls WHERE call_id = ?', callId);
  }

  /** Calls not ended, or ended and not yet settled. */
  open(): StoredCall[] {
    return this.sql.exec<Row>('SELECT * FROM calls WHERE ended = 0 OR settled = 0').toArray().map((r) => JSON.parse(r.data) as StoredCall);
  }

  openCount(): number {
    return this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM calls WHERE ended = 0 OR settled = 0').one().n;
  }

  /** Forgets settled calls ended before `beforeMs`. */
  prune(beforeMs: number): void {
    this.sql.exec('DELETE FROM calls WHERE ended = 1 AND settled = 1 AND ended_at_ms < ?', beforeMs);
  }
}
