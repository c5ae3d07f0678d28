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
 *
 * It also holds the agents' SIP bindings (CONTRACT-AGENTS §3, rules in
 * agents/sip-bindings.ts): media nodes report registrations through the
 * Worker, MediaFleet drops a node's bindings when the node is lost or
 * restarts, and the dialer claims an agent for a call (claimForCall) in the
 * same transaction that checks the agent is registered and not busy.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env.ts';
import { decide, neverSet, type AgentRecord, type AgentState, type Decision, type FloorCommand, type RefusalReason, type SettableState } from '../../agents/agent-state-machine.ts';
import { bootOrder, currentBinding, type SipBinding, type StoredBinding } from '../../agents/sip-bindings.ts';
import type { RegistrationChange } from '../../media-protocol/registrations.ts';

export const HISTORY_RETENTION_MS = 90 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

export type ApplyResult =
  | { outcome: 'changed' | 'updated' | 'unchanged'; previous: AgentRecord; record: AgentRecord }
  | { outcome: 'refused'; why: RefusalReason; previous: AgentRecord; record: AgentRecord };

/** claimForCall: the state machine's refusals, plus "no live SIP binding" when one is required. */
export type ClaimResult =
  | { outcome: 'changed' | 'updated' | 'unchanged'; previous: AgentRecord; record: AgentRecord; binding: SipBinding | null }
  | { outcome: 'refused'; why: RefusalReason | 'not_registered'; previous: AgentRecord; record: AgentRecord; binding: SipBinding | null };

export interface RegistrationsApplied {
  /** Changes recorded (0 when the report came from an older boot of the node than one already seen). */
  applied: number;
  stale: boolean;
}

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

interface BindingRow extends StoredBinding, Record<string, SqlStorageValue> {}

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
      CREATE TABLE IF NOT EXISTS sip_bindings (
        agent_id TEXT NOT NULL, node_id TEXT NOT NULL, sip_user TEXT NOT NULL, realm TEXT NOT NULL,
        contact TEXT NOT NULL, user_agent TEXT NOT NULL, registered_at TEXT NOT NULL, expires_at TEXT NOT NULL, reported_ms INTEGER NOT NULL,
        PRIMARY KEY (agent_id, node_id));
      CREATE INDEX IF NOT EXISTS sip_bindings_node ON sip_bindings (node_id);
      -- The boot of each node the bindings above come from: a report from a newer boot replaces them all.
      CREATE TABLE IF NOT EXISTS node_boots (node_id TEXT PRIMARY KEY, started_at TEXT NOT NULL);
    `);
  }

  /**
   * Applies one command to one agent. `createdAt` (the user's creation) is
   * the state_since of an agent the floor has never seen: offline since then.
   */
  apply(agentId: string, createdAt: string, command: FloorCommand): ApplyResult {
    return this.ctx.storage.transactionSync(() => this.#apply(agentId, createdAt, command, Date.now()));
  }

  /**
   * The dialer takes the agent for `callId` (before ringing them): on_call
   * with that call, unless they are on another call (busy), off the floor,
   * or, with `requireBinding`, not SIP-registered. One transaction, so two
   * originates for one agent cannot both win.
   */
  claimForCall(agentId: string, createdAt: string, callId: string, requireBinding: boolean): ClaimResult {
    const nowMs = Date.now();
    return this.ctx.storage.transactionSync((): ClaimResult => {
      const binding = this.#binding(agentId, nowMs);
      const { previous, decision } = this.#decide(agentId, createdAt, { kind: 'claim', callId }, nowMs);
      // Not registered is the answer only when the state machine would have accepted the claim.
      if (requireBinding && binding === null && decision.kind !== 'refused') return { outcome: 'refused', why: 'not_registered', previous, record: previous, binding };
      return { ...this.#commit(agentId, previous, decision, nowMs), binding };
    });
  }

  /** Call `callId` is over for the agent: back to the state before it (only if it is still their current call). */
  releaseFromCall(agentId: string, createdAt: string, callId: string): ApplyResult {
    return this.apply(agentId, createdAt, { kind: 'release', callId });
  }

  /** The agent's live binding (the one they are rung through), or null. */
  sipBinding(agentId: string): SipBinding | null {
    return this.#binding(agentId, Date.now());
  }

  /** Every agent's live binding, by agent id (agents without one are absent). */
  sipBindings(): Record<string, SipBinding> {
    const nowMs = Date.now();
    const byAgent = new Map<string, StoredBinding[]>();
    for (const row of this.#sql.exec<BindingRow>('SELECT * FROM sip_bindings WHERE expires_at > ?', new Date(nowMs).toISOString())) {
      byAgent.set(row.agent_id, [...(byAgent.get(row.agent_id) ?? []), row]);
    }
    const out: Record<string, SipBinding> = {};
    for (const [agentId, rows] of byAgent) {
      const b = currentBinding(rows, nowMs);
      if (b) out[agentId] = b;
    }
    return out;
  }

  /** A batch of registration changes from one boot of one node (changes of this tenant only). */
  applyRegistrations(nodeId: string, startedAt: string, changes: readonly RegistrationChange[]): RegistrationsApplied {
    const nowMs = Date.now();
    return this.ctx.storage.transactionSync((): RegistrationsApplied => {
      const known = this.#sql.exec<{ started_at: string }>('SELECT started_at FROM node_boots WHERE node_id = ?', nodeId).toArray()[0]?.started_at ?? null;
      const order = bootOrder(startedAt, known);
      if (order === 'stale') return { applied: 0, stale: true };
      if (order === 'newer') {
        this.#sql.exec('DELETE FROM sip_bindings WHERE node_id = ?', nodeId);
        this.#sql.exec('INSERT INTO node_boots (node_id, started_at) VALUES (?, ?) ON CONFLICT(node_id) DO UPDATE SET started_at = excluded.started_at', nodeId, startedAt);
      }
      for (const ch of changes) {
        if (ch.state === 'unregistered') {
          this.#sql.exec('DELETE FROM sip_bindings WHERE agent_id = ? AND node_id = ?', ch.agent_id, nodeId);
          continue;
        }
        this.#sql.exec(
          `INSERT INTO sip_bindings (agent_id, node_id, sip_user, realm, contact, user_agent, registered_at, expires_at, reported_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(agent_id, node_id) DO UPDATE SET sip_user = excluded.sip_user, realm = excluded.realm,
             contact = excluded.contact, user_agent = excluded.user_agent, registered_at = excluded.registered_at, expires_at = excluded.expires_at,
             reported_ms = excluded.reported_ms`,
          ch.agent_id,
          nodeId,
          ch.sip_user,
          ch.realm,
          ch.contact,
          ch.user_agent,
          ch.registered_at,
          normaliseInstant(ch.expires_at),
          nowMs,
        );
      }
      // Bindings that lapsed a day ago are history nobody reads.
      this.#sql.exec('DELETE FROM sip_bindings WHERE expires_at < ?', new Date(nowMs - 86_400_000).toISOString());
      return { applied: changes.length, stale: false };
    });
  }

  /**
   * MediaFleet: the node is gone (`startedAt` null: declared lost) or has
   * restarted as boot `startedAt`; its bindings from before are dropped.
   * Answers how many were.
   */
  dropNodeBindings(nodeId: string, startedAt: string | null): number {
    return this.ctx.storage.transactionSync(() => {
      if (startedAt === null) return this.#sql.exec('DELETE FROM sip_bindings WHERE node_id = ?', nodeId).rowsWritten;
      const known = this.#sql.exec<{ started_at: string }>('SELECT started_at FROM node_boots WHERE node_id = ?', nodeId).toArray()[0]?.started_at ?? null;
      // Every binding of the node is from the boot recorded in node_boots (a newer report replaces them all).
      if (bootOrder(startedAt, known) !== 'newer') return 0;
      this.#sql.exec('INSERT INTO node_boots (node_id, started_at) VALUES (?, ?) ON CONFLICT(node_id) DO UPDATE SET started_at = excluded.started_at', nodeId, startedAt);
      return this.#sql.exec('DELETE FROM sip_bindings WHERE node_id = ?', nodeId).rowsWritten;
    });
  }

  /** Forgets an agent's bindings (their credentials were removed or renamed). */
  dropAgentBindings(agentId: string): void {
    this.#sql.exec('DELETE FROM sip_bindings WHERE agent_id = ?', agentId);
  }

  #binding(agentId: string, nowMs: number): SipBinding | null {
    return currentBinding(this.#sql.exec<BindingRow>('SELECT * FROM sip_bindings WHERE agent_id = ?', agentId).toArray(), nowMs);
  }

  #record(agentId: string, createdAt: string): AgentRecord {
    const row = this.#sql.exec<AgentRow>('SELECT * FROM agents WHERE agent_id = ?', agentId).toArray()[0];
    return row ? toRecord(row) : neverSet(createdAt);
  }

  /** One command inside the caller's transaction. */
  #apply(agentId: string, createdAt: string, command: FloorCommand, nowMs: number): ApplyResult {
    const { previous, decision } = this.#decide(agentId, createdAt, command, nowMs);
    return this.#commit(agentId, previous, decision, nowMs);
  }

  #decide(agentId: string, createdAt: string, command: FloorCommand, nowMs: number): { previous: AgentRecord; decision: Decision } {
    const previous = this.#record(agentId, createdAt);
    return { previous, decision: decide(previous, command, new Date(nowMs).toISOString()) };
  }

  /** Stores a decision (and its history row when the state or call changed). */
  #commit(agentId: string, previous: AgentRecord, decision: Decision, nowMs: number): ApplyResult {
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

/** expires_at is compared as text in SQL, so it is stored in one form (toISOString); an unparseable one as given. */
function normaliseInstant(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : iso;
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

/** Reached through the stubs module; named here too for the tests that drive the floor directly. */
export { agentFloor } from '../stubs.ts';
