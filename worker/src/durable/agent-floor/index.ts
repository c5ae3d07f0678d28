/**
 * AgentFloor: one Durable Object per tenant holding the live state of its
 * agents (spec "Agents"). Every change goes through `apply`, one synchronous
 * SQLite transaction per call, so two changes to one agent never interleave
 * and the stored state_since is the instant of the change that made the state.
 * Every change of state also appends a row to `state_history` (kept 90 days),
 * the record time-in-state reports will be built on.
 *
 * Who is an agent is D1's business (users.role, users.disabled_at); the floor
 * is told when someone leaves or rejoins (remove / admit) and refuses client
 * changes for anyone removed, so a request that passed authentication just
 * before its user was disabled cannot put them back on the floor.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env.ts';
import { decide, neverSet, type AgentRecord, type AgentState, type FloorCommand, type RefusalReason, type SettableState } from '../../agents/agent-state-machine.ts';

export const HISTORY_RETENTION_MS = 90 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

export type ApplyResult =
  | { outcome: 'changed' | 'updated' | 'unchanged'; previous: AgentRecord; record: AgentRecord }
  | { outcome: 'refused'; why: RefusalReason; previous: AgentRecord; record: AgentRecord };

export interface HistoryEntry {
  seq: number;
  state: AgentState;
  previousState: AgentState;
  reason: string | null;
  callId: string | null;
  changedBy: string | null;
  at: string;
}

interface AgentRow extends Record<string, SqlStorageValue> {
  agent_id: string;
  state: string;
  state_since: string;
  reason: string | null;
  current_call_id: string | null;
  pre_call_state: string | null;
  pre_call_reason: string | null;
  removed: number;
  changed_by: string | null;
}

interface HistoryRow extends Record<string, SqlStorageValue> {
  seq: number;
  state: string;
  previous_state: string;
  reason: string | null;
  call_id: string | null;
  changed_by: string | null;
  at: string;
}

export class AgentFloor extends DurableObject<Env> {
  #sql: SqlStorage;
  #lastPruneMs = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(`
      CREATE TABLE IF NOT EXISTS agents (
        agent_id TEXT PRIMARY KEY, state TEXT NOT NULL, state_since TEXT NOT NULL, reason TEXT,
        current_call_id TEXT, pre_call_state TEXT, pre_call_reason TEXT,
        removed INTEGER NOT NULL DEFAULT 0, changed_by TEXT);
      CREATE TABLE IF NOT EXISTS state_history (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, agent_id TEXT NOT NULL, state TEXT NOT NULL,
        previous_state TEXT NOT NULL, reason TEXT, call_id TEXT, changed_by TEXT, at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS state_history_agent ON state_history (agent_id, seq);
      CREATE INDEX IF NOT EXISTS state_history_at ON state_history (at);
    `);
  }

  /**
   * Applies one command to one agent. `createdAt` (the user's creation) is
   * the state_since of an agent the floor has never seen: offline since then.
   */
  apply(agentId: string, createdAt: string, command: FloorCommand): ApplyResult {
    const nowMs = Date.now();
    const nowIso = new Date(nowMs).toISOString();
    return this.ctx.storage.transactionSync((): ApplyResult => {
      const row = this.#sql.exec<AgentRow>('SELECT * FROM agents WHERE agent_id = ?', agentId).toArray()[0];
      const previous = row ? toRecord(row) : neverSet(createdAt);
      const decision = decide(previous, command, nowIso);
      if (decision.kind === 'refused') return { outcome: 'refused', why: decision.why, previous, record: previous };
      if (decision.kind === 'unchanged') return { outcome: 'unchanged', previous, record: previous };
      const next = decision.next;
      this.#sql.exec(
        `INSERT INTO agents (agent_id, state, state_since, reason, current_call_id, pre_call_state, pre_call_reason, removed, changed_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(agent_id) DO UPDATE SET state = excluded.state, state_since = excluded.state_since, reason = excluded.reason,
           current_call_id = excluded.current_call_id, pre_call_state = excluded.pre_call_state, pre_call_reason = excluded.pre_call_reason,
           removed = excluded.removed, changed_by = excluded.changed_by`,
        agentId,
        next.state,
        next.stateSince,
        next.reason,
        next.currentCallId,
        next.preCallState,
        next.preCallReason,
        next.removed ? 1 : 0,
        next.changedBy,
      );
      if (decision.kind === 'changed') {
        this.#sql.exec(
          'INSERT INTO state_history (agent_id, state, previous_state, reason, call_id, changed_by, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          agentId,
          next.state,
          previous.state,
          next.reason,
          next.currentCallId,
          next.changedBy,
          next.stateSince,
        );
        this.#prune(nowMs);
      }
      return { outcome: decision.kind, previous, record: next };
    });
  }

  /** The stored records by agent id (agents never seen are absent: offline since creation). */
  snapshot(): Record<string, AgentRecord> {
    const records: Record<string, AgentRecord> = {};
    for (const row of this.#sql.exec<AgentRow>('SELECT * FROM agents')) records[row.agent_id] = toRecord(row);
    return records;
  }

  /** An agent's most recent state changes, newest first. */
  history(agentId: string, limit = 100): HistoryEntry[] {
    return this.#sql
      .exec<HistoryRow>('SELECT seq, state, previous_state, reason, call_id, changed_by, at FROM state_history WHERE agent_id = ? ORDER BY seq DESC LIMIT ?', agentId, limit)
      .toArray()
      .map((r) => ({ seq: r.seq, state: r.state as AgentState, previousState: r.previous_state as AgentState, reason: r.reason, callId: r.call_id, changedBy: r.changed_by, at: r.at }));
  }

  #prune(nowMs: number): void {
    if (nowMs - this.#lastPruneMs < PRUNE_EVERY_MS) return;
    this.#lastPruneMs = nowMs;
    this.#sql.exec('DELETE FROM state_history WHERE at < ?', new Date(nowMs - HISTORY_RETENTION_MS).toISOString());
  }
}

function toRecord(row: AgentRow): AgentRecord {
  return {
    state: row.state as AgentState,
    stateSince: row.state_since,
    reason: row.reason,
    currentCallId: row.current_call_id,
    preCallState: row.pre_call_state as SettableState | null,
    preCallReason: row.pre_call_reason,
    removed: row.removed === 1,
    changedBy: row.changed_by,
  };
}

/** The floor of a tenant. */
export function agentFloor(env: Env, tenantId: string): DurableObjectStub<AgentFloor> {
  return env.AGENT_FLOOR.get(env.AGENT_FLOOR.idFromName(tenantId));
}
