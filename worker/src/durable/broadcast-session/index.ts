/**
 * BroadcastSession: one Durable Object per broadcast. Owns the broadcast's legs
 * (in its SQLite storage), paced dispatch to media nodes, the per-leg state
 * machine, the idle / max-duration / stuck-leg guards, the webhook outbox, and
 * exactly one broadcastcall_complete.
 *
 * Everything time-driven runs from one alarm loop (#tick): dispatch due legs,
 * enforce guards, deliver due webhooks, then sleep until the next deadline.
 * Legs are read from storage in small pages, so 100,000 legs never sit in
 * memory and never leave in one burst.
 */
import { DurableObject } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import type { Env } from '../../env.ts';
import { database } from '../../db/client.ts';
import { broadcasts, calls, prompts, recordings } from '../../db/schema.ts';
import type { BroadcastInit, BroadcastStatus, ConnectRequest, LegCommandResult, LegState, RecipientInput, StreamRequest } from './contract.ts';
import {
  canTransition,
  isTerminal,
  LIVE_STATES,
  stateForEvent,
  ANSWERED_STATES,
  ALL_LEG_STATES,
  CONTROLLABLE_STATES,
  legStateAfterConnect,
  BRIDGING_STATES,
} from './leg-state-machine.ts';
import { ConnectStore, CONNECTS_DDL, isConnectOver, type ConnectRow } from './connect-store.ts';
import { connectPayload, type ConnectProgress } from './connect-payload.ts';
import { WebhookOutbox, OUTBOX_DDL, COMPLETE_KEY, type OutboxRow } from './outbox.ts';
import * as payloads from './webhook-payloads.ts';
import { retryScheduleFrom } from '../../webhooks/retry-schedule.ts';
import { SenderPool } from '../../webhooks/sender-pool.ts';
import type { ConnectEvent, EventResult, MediaCommand, MediaEvent } from '../../media-protocol/index.ts';
import type { PlayInput } from '../../broadcast/play-schema.ts';
import { sendNodeCommands } from '../../media-dispatch/node-client.ts';
import { resolvePlay } from '../../media-dispatch/resolve-play.ts';
import { mediaFleet, tenantPacer } from '../stubs.ts';
import { Cause, q850Reason } from '../../telephony/q850.ts';
import { callHistoryStatus } from '../../calls/call-outcome.ts';
import { clearLegsForDialing } from './compliance-gate.ts';
import { BroadcastCallEvents } from '../../dialer-events/broadcast-call-events.ts';
import { liveLegsOf } from './live-legs.ts';
import { LEG_BOOTS_DDL, LEG_ON_RECORD_SELECT, legOnRecord, recordLegBoot, type LegOnRecordRow } from './leg-boots.ts';
import { reconcileLegs, type NodeLegsReport } from '../media-fleet/leg-reconciliation.ts';

/** At most this many legs leave per tick, whatever the CPS: keeps one tick short. */
const MAX_DISPATCH_PER_TICK = 100;
/** How long the alarm may spend delivering webhooks before it yields. */
const DELIVERY_BUDGET_MS = 2_000;
/** A dialing/ringing leg with no answer this long after its ring timeout is presumed lost by its node. */
const STUCK_GRACE_MS = 60_000;
/** A hangup the node never confirmed is finalised locally after this long. */
const HANGUP_CONFIRM_MS = 30_000;
/** How many times a leg is offered to media nodes before it fails with cause 41. */
const MAX_DISPATCH_ATTEMPTS = 3;
const IDLE_TICK_MS = 250;

interface LegRow extends Record<string, SqlStorageValue> {
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

type Phase = 'created' | 'running' | 'complete';
/** SQL lists of leg states, from the state machine's constants (never from input). */
const inList = (states: readonly LegState[]) => `(${states.map((st) => `'${st}'`).join(',')})`;
type D1Write = ReturnType<ReturnType<ReturnType<ReturnType<typeof database>['update']>['set']>['where']>;

export class BroadcastSession extends DurableObject<Env> {
  #sql: SqlStorage;
  #outbox: WebhookOutbox;
  #connects: ConnectStore;
  /** call.* dialer webhooks for these legs (docs/dialer-api.md "Webhooks"). */
  #callEvents: BroadcastCallEvents;
  #init: BroadcastInit | null = null;
  #counts = new Map<LegState, number>();
  #promptVersions = new Map<string, number | null>();
  #d1Pending: D1Write[] = [];
  /** The last live-leg report sent to the TenantPacer, so unchanged counts are not re-sent. */
  #reportedLive = '';

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(LEGS_DDL + OUTBOX_DDL + CONNECTS_DDL + LEG_BOOTS_DDL);
    this.#outbox = new WebhookOutbox(this.#sql);
    this.#connects = new ConnectStore(this.#sql);
    this.#callEvents = new BroadcastCallEvents(this.#sql, env, () => this.#requireInit());
    const init = this.#meta('init');
    this.#init = init ? (JSON.parse(init) as BroadcastInit) : null;
    this.#recount();
  }

  #recount(): void {
    this.#counts.clear();
    for (const row of this.#sql.exec<{ state: LegState; n: number }>('SELECT state, COUNT(*) AS n FROM legs GROUP BY state')) {
      this.#counts.set(row.state, row.n);
    }
  }

  // ── RPC: lifecycle ────────────────────────────────────────────────────

  /** Stores the broadcast's settings; repeating it for the same broadcast is a no-op. */
  async create(init: BroadcastInit): Promise<void> {
    if (this.#init) return;
    const { blacklisted, countryNotAllowed, ...settings } = init;
    this.#sql.exec('DELETE FROM filtered');
    let i = 0;
    for (const r of blacklisted) this.#sql.exec('INSERT INTO filtered (idx, bucket, recipient) VALUES (?, ?, ?)', i++, 'blacklisted', JSON.stringify(r));
    for (const r of countryNotAllowed) this.#sql.exec('INSERT INTO filtered (idx, bucket, recipient) VALUES (?, ?, ?)', i++, 'country', JSON.stringify(r));
    this.#init = { ...settings, blacklisted: [], countryNotAllowed: [] };
    this.#setMeta('init', JSON.stringify(this.#init));
    this.#setMeta('phase', 'created');
  }

  /** Appends recipients (callers send ≤ 5,000 per call). Re-sent indexes are ignored. */
  async addLegs(legs: Array<RecipientInput & { index: number }>): Promise<void> {
    this.#requireInit();
    for (const leg of legs) {
      this.#sql.exec('INSERT OR IGNORE INTO legs (idx, to_number, play) VALUES (?, ?, ?)', leg.index, leg.to, JSON.stringify(leg.play));
    }
    // rowsWritten also counts index rows, so count what is really there.
    this.#recount();
  }

  /** All legs are in: begin paced dispatch (or complete at once if there are none). */
  async start(): Promise<void> {
    this.#requireInit();
    if (this.#phase() !== 'created') return;
    this.#setMeta('phase', 'running');
    await this.#wake(Date.now());
  }

  /**
   * Forgets a broadcast whose acceptance failed before start(): nothing was
   * dialled, so everything stored goes. Returns false (and keeps all) once
   * dispatch has begun: that broadcast is live and stays.
   */
  async discard(): Promise<boolean> {
    if (this.#init && this.#phase() !== 'created') return false;
    await this.ctx.storage.deleteAll();
    this.#init = null;
    this.#counts.clear();
    return true;
  }

  async status(): Promise<BroadcastStatus | null> {
    const init = this.#init;
    if (!init) return null;
    const legs = Object.fromEntries(
      ALL_LEG_STATES.map((s) => [s, this.#count(s)]),
    ) as Record<LegState, number>;
    const phase = this.#phase();
    return {
      broadcast_id: init.broadcastId,
      state: phase === 'complete' ? 'broadcastcall_complete' : this.#count('queued') === this.#total() ? 'broadcastcall_initiated' : 'in_progress',
      name: init.name,
      owner_ref: init.ownerRef,
      from: init.from,
      total_legs: this.#total(),
      legs,
      webhooks: this.#outbox.counts(),
      created_at: init.acceptedAt,
      completed_at: this.#meta('completed_at'),
      timestamp: new Date().toISOString(),
    };
  }

  // ── RPC: media node events ────────────────────────────────────────────

  /** Applies one node's events in order; see docs/media-protocol.md for the statuses. */
  async applyEvents(events: MediaEvent[]): Promise<EventResult[]> {
    const results: EventResult[] = [];
    const released: Record<string, number> = {};
    for (const ev of events) {
      const leg = this.#legByVoice(ev.voice_id);
      if (!leg) {
        results.push({ voice_id: ev.voice_id, seq: ev.seq, status: 'rejected' });
        continue;
      }
      if (ev.seq <= leg.last_seq) {
        results.push({ voice_id: ev.voice_id, seq: ev.seq, status: 'duplicate' });
        continue;
      }
      if (ev.seq > leg.last_seq + 1) {
        results.push({ voice_id: ev.voice_id, seq: ev.seq, status: 'retry' });
        continue;
      }
      this.#sql.exec('UPDATE legs SET last_seq = ? WHERE idx = ?', ev.seq, leg.idx);
      leg.last_seq = ev.seq;
      const endedNode = await this.#applyEvent(leg, ev);
      if (endedNode) released[endedNode] = (released[endedNode] ?? 0) + 1;
      results.push({ voice_id: ev.voice_id, seq: ev.seq, status: 'applied' });
    }
    await this.#flushD1();
    await this.#afterLegsEnded(released);
    // Answers move legs from ringing to connected without ending any: active-count must see that too.
    if (JSON.stringify(this.#liveLegs()) !== this.#reportedLive) await this.#reportLive();
    await this.#wake(Date.now());
    return results;
  }

  /**
   * The fleet lost a node (keepBoot null: every live leg on it ends with cause
   * 41) or saw it restart as `keepBoot` (only legs known to be on another boot
   * end; a leg whose originate has not answered yet is left to reconciliation).
   * Returns how many ended; the fleet settles their slots itself.
   */
  async nodeLost(nodeId: string, keepBoot: string | null = null): Promise<number> {
    const now = Date.now();
    const rows = this.#sql
      .exec<LegRow>(
        `SELECT legs.* FROM legs LEFT JOIN leg_boots b ON b.voice_id = legs.voice_id AND b.node_id = legs.node_id
         WHERE legs.node_id = ? AND legs.state IN ${inList(LIVE_STATES)} AND (? IS NULL OR (b.boot IS NOT NULL AND b.boot != ?))`,
        nodeId,
        keepBoot,
        keepBoot,
      )
      .toArray();
    if (rows.length === 0) return 0;
    for (const leg of rows) await this.#finalize(leg, 'failed', Cause.TEMPORARY_FAILURE, now);
    await this.#flushD1();
    await this.#reportLive();
    await this.#wake(now);
    return rows.length;
  }

  /**
   * One heartbeat of a node, as it concerns this broadcast: answers the calls
   * the node holds that must be hung up, and ends live legs the node no longer
   * holds (cause 41, or the cause of a hangup already asked for).
   */
  async reconcileNode(report: NodeLegsReport): Promise<{ hangup: string[] }> {
    const now = Date.now();
    const record = (voiceId: string) => {
      const row = this.#sql.exec<LegOnRecordRow>(`${LEG_ON_RECORD_SELECT} WHERE legs.voice_id = ?`, voiceId).toArray()[0];
      return row ? legOnRecord(row, !isTerminal(row.state as LegState)) : null;
    };
    const onNode = this.#sql.exec<LegOnRecordRow>(`${LEG_ON_RECORD_SELECT} WHERE legs.node_id = ? AND legs.state IN ${inList(LIVE_STATES)}`, report.nodeId).toArray();
    const { hangup, end } = reconcileLegs(report, record, onNode.map((row) => legOnRecord(row, true)), now);
    if (end.length > 0) {
      for (const voiceId of end) {
        const leg = this.#legByVoice(voiceId)!;
        console.warn(JSON.stringify({ msg: 'leg missing from its media node: ended', voice_id: voiceId, node_id: report.nodeId, state: leg.state }));
        if (leg.hangup_requested_at) await this.#finalize(leg, 'disconnected', leg.hangup_cause ?? Cause.NORMAL_CLEARING, now);
        else await this.#finalize(leg, 'failed', Cause.TEMPORARY_FAILURE, now);
      }
      await this.#flushD1();
      await this.#afterLegsEnded({ [report.nodeId]: end.length });
      await this.#wake(now);
    }
    return { hangup };
  }

  // ── RPC: per-call controls ────────────────────────────────────────────

  async hangupLeg(voiceId: string): Promise<LegCommandResult> {
    const leg = this.#legByVoice(voiceId);
    if (!leg) return { ok: false, error: 'not_found' };
    const ok = { ok: true as const, broadcastId: this.#requireInit().broadcastId, voiceId, to: leg.to_number };
    if (isTerminal(leg.state)) return leg.hangup_by_client ? ok : { ok: false, error: 'ended' };
    if (leg.hangup_by_client) return ok;
    const now = Date.now();
    this.#sql.exec('UPDATE legs SET hangup_by_client = 1, hangup_requested_at = ?, hangup_cause = ? WHERE idx = ?', now, Cause.NORMAL_CLEARING, leg.idx);
    if (leg.state === 'queued' || !leg.control_url) {
      await this.#finalize({ ...leg, hangup_by_client: 1 }, 'disconnected', Cause.NORMAL_CLEARING, now);
      await this.#flushD1();
    } else {
      await this.#sendToLeg(leg, { type: 'hangup', command_id: `${voiceId}:hangup`, voice_id: voiceId, cause: Cause.NORMAL_CLEARING });
    }
    await this.#wake(now);
    return ok;
  }

  async playOnLeg(voiceId: string, play: PlayInput): Promise<LegCommandResult> {
    const leg = this.#legByVoice(voiceId);
    if (!leg) return { ok: false, error: 'not_found' };
    if (isTerminal(leg.state) || leg.hangup_requested_at) return { ok: false, error: 'ended' };
    const busy = this.#connectConflict(leg);
    if (busy) return busy;
    if (!ANSWERED_STATES.includes(leg.state)) return { ok: false, error: 'not_answered' };
    const spec = await resolvePlay(play, this.#playResolver());
    const sent = await this.#sendToLeg(leg, { type: 'play', command_id: crypto.randomUUID(), voice_id: voiceId, play: spec });
    if (sent !== 'ok') return { ok: false, error: sent === 'gone' ? 'ended' : 'unavailable' };
    // A new play cancels the idle guard until its own playfinished.
    this.#sql.exec('UPDATE legs SET idle_since = NULL WHERE idx = ?', leg.idx);
    return { ok: true, broadcastId: this.#requireInit().broadcastId, voiceId, to: leg.to_number };
  }

  async holdLeg(voiceId: string, hold: boolean): Promise<LegCommandResult> {
    const leg = this.#legByVoice(voiceId);
    if (!leg) return { ok: false, error: 'not_found' };
    if (isTerminal(leg.state) || leg.hangup_requested_at) return { ok: false, error: 'ended' };
    if (!ANSWERED_STATES.includes(leg.state)) return { ok: false, error: 'not_answered' };
    const sent = await this.#sendToLeg(leg, { type: 'hold', command_id: crypto.randomUUID(), voice_id: voiceId, hold });
    if (sent !== 'ok') return { ok: false, error: sent === 'gone' ? 'ended' : 'unavailable' };
    return { ok: true, broadcastId: this.#requireInit().broadcastId, voiceId, to: leg.to_number };
  }

  /**
   * Starts or stops recording a leg. Start creates the recordings row (the node
   * uploads the file on stop or hang-up); stop answers not_recording if none runs.
   */
  async recordLeg(voiceId: string, action: 'start' | 'stop', name?: string): Promise<LegCommandResult | { ok: false; error: 'not_recording' }> {
    const leg = this.#legByVoice(voiceId);
    if (!leg) return { ok: false, error: 'not_found' };
    if (isTerminal(leg.state) || leg.hangup_requested_at) return { ok: false, error: 'ended' };
    if (!ANSWERED_STATES.includes(leg.state)) return { ok: false, error: 'not_answered' };
    const init = this.#requireInit();
    const key = `recording:${voiceId}`;
    if (action === 'stop') {
      const recordingId = this.#meta(key);
      if (!recordingId) return { ok: false, error: 'not_recording' };
      await this.#sendToLeg(leg, { type: 'recording', command_id: `${recordingId}:stop`, voice_id: voiceId, action: 'stop', recording_id: recordingId });
      this.#deleteMeta(key);
      return { ok: true, broadcastId: init.broadcastId, voiceId, to: leg.to_number };
    }
    const previous = this.#meta(key);
    const recordingId = crypto.randomUUID();
    await database(this.env.DB)
      .insert(recordings)
      .values({
        id: recordingId,
        tenantId: init.tenantId,
        callId: voiceId,
        broadcastId: init.broadcastId,
        name: name ?? recordingId,
        status: 'recording',
        r2Key: `recordings/${init.tenantId}/${recordingId}.wav`,
        startedAt: new Date().toISOString(),
      });
    const sent = await this.#sendToLeg(leg, { type: 'recording', command_id: `${recordingId}:start`, voice_id: voiceId, action: 'start', recording_id: recordingId });
    if (sent !== 'ok') {
      await database(this.env.DB).update(recordings).set({ status: 'failed' }).where(eq(recordings.id, recordingId));
      return { ok: false, error: sent === 'gone' ? 'ended' : 'unavailable' };
    }
    // A new start replaces a running recording on the node; that one is uploaded as it stops.
    if (previous) this.#deleteMeta(key);
    this.#setMeta(key, recordingId);
    return { ok: true, broadcastId: init.broadcastId, voiceId, to: leg.to_number };
  }

  /**
   * Connects an answered leg to another party (docs/broadcast-api.md "Connect").
   * The leg is `connecting` before the node hears of it, so progress that races
   * the node's answer finds it so; the destination's calls row exists before any
   * event can update it. A node that refuses dialled nothing: the attempt is
   * forgotten and the leg is put back as it was.
   */
  async connectLeg(voiceId: string, request: ConnectRequest): Promise<LegCommandResult> {
    const leg = this.#legByVoice(voiceId);
    if (!leg) return { ok: false, error: 'not_found' };
    if (isTerminal(leg.state) || leg.hangup_requested_at) return { ok: false, error: 'ended' };
    const busy = this.#connectConflict(leg);
    if (busy) return busy;
    if (!CONTROLLABLE_STATES.includes(leg.state)) return { ok: false, error: 'not_answered' };
    const init = this.#requireInit();
    const connectId = crypto.randomUUID();
    const now = Date.now();
    const before = { state: leg.state, idleSince: leg.idle_since };
    this.#connects.insert({ connectId, voiceId, from: request.from, to: request.to, nodeId: leg.node_id, requestedAt: now });
    this.#setLegState(leg, 'connecting');
    this.#sql.exec('UPDATE legs SET idle_since = NULL WHERE idx = ?', leg.idx);
    await this.#insertCalls([
      {
        id: connectId,
        tenantId: init.tenantId,
        broadcastId: init.broadcastId,
        contactPhone: toE164(request.to),
        fromNumber: request.from,
        status: 'in_progress',
        mediaNodeId: leg.node_id,
        startedAt: new Date(now).toISOString(),
      },
    ]);
    const sent = await this.#sendToLeg(leg, {
      type: 'connect',
      command_id: `${connectId}:connect`,
      voice_id: voiceId,
      connect_id: connectId,
      from: digits(request.from),
      to: digits(request.to),
      ring_timeout_s: init.ringTimeoutS,
    });
    if (sent !== 'ok') {
      this.#connects.forget(connectId);
      await database(this.env.DB).delete(calls).where(eq(calls.id, connectId));
      const current = this.#legByVoice(voiceId);
      if (current?.state === 'connecting') {
        this.#setLegState(current, before.state);
        this.#sql.exec('UPDATE legs SET idle_since = ? WHERE idx = ?', before.idleSince, current.idx);
      }
      return { ok: false, error: sent === 'gone' ? 'ended' : 'unavailable' };
    }
    await this.#wake(now);
    return { ok: true, broadcastId: init.broadcastId, voiceId, to: leg.to_number };
  }

  /** The destination legs this broadcast's connects dialled, oldest first (the leg's connect history). */
  async connectsOf(voiceId: string): Promise<ConnectRow[]> {
    return this.#connects.forLeg(voiceId);
  }

  /**
   * Starts (replacing a running one) or stops the leg's wss stream. Whether the
   * node's socket really opened is told by stream events, never by this answer.
   * While a stream runs the idle guard waits: the client is talking to the call.
   */
  async streamLeg(voiceId: string, request: StreamRequest): Promise<LegCommandResult | { ok: false; error: 'not_streaming' }> {
    const leg = this.#legByVoice(voiceId);
    if (!leg) return { ok: false, error: 'not_found' };
    if (isTerminal(leg.state) || leg.hangup_requested_at) return { ok: false, error: 'ended' };
    if (!ANSWERED_STATES.includes(leg.state)) return { ok: false, error: 'not_answered' };
    const init = this.#requireInit();
    const key = streamKey(voiceId);
    const ok = { ok: true as const, broadcastId: init.broadcastId, voiceId, to: leg.to_number };
    if (request.action === 'stop') {
      const streamId = this.#meta(key);
      if (!streamId) return { ok: false, error: 'not_streaming' };
      this.#streamEnded(leg, streamId);
      await this.#sendToLeg(leg, { type: 'stream', command_id: `${streamId}:stop`, voice_id: voiceId, action: 'stop', stream_id: streamId });
      return ok;
    }
    // Marked before the command leaves: the node's events for this stream may be applied while we await its answer.
    const streamId = crypto.randomUUID();
    this.#setMeta(key, streamId);
    this.#sql.exec('UPDATE legs SET idle_since = NULL WHERE idx = ?', leg.idx);
    const sent = await this.#sendToLeg(leg, {
      type: 'stream',
      command_id: `${streamId}:start`,
      voice_id: voiceId,
      action: 'start',
      stream_id: streamId,
      wss_host: request.wssHost,
      account_id: init.appId,
      custom_parameters: init.customData,
    });
    if (sent !== 'ok') {
      this.#streamEnded(this.#legByVoice(voiceId) ?? leg, streamId);
      return { ok: false, error: sent === 'gone' ? 'ended' : 'unavailable' };
    }
    return ok;
  }

  /** A stream ended (stopped, failed, replaced): forget it if current; an idle leg's idle guard starts again. */
  #streamEnded(leg: LegRow, streamId: string): void {
    const key = streamKey(leg.voice_id!);
    if (this.#meta(key) === streamId) this.#deleteMeta(key);
    if (!this.#meta(key)) this.#sql.exec("UPDATE legs SET idle_since = COALESCE(idle_since, ?) WHERE idx = ? AND state = 'idle'", Date.now(), leg.idx);
  }

  // ── The alarm loop ────────────────────────────────────────────────────

  override async alarm(): Promise<void> {
    try {
      await this.#tick();
    } catch (err) {
      // Rethrown so the runtime retries the alarm; logged so the failure is never silent.
      console.error(JSON.stringify({ msg: 'broadcast tick failed', broadcast_id: this.#init?.broadcastId, error: String(err), stack: (err as Error).stack }));
      throw err;
    }
  }

  async #tick(): Promise<void> {
    const init = this.#init;
    if (!init || this.#phase() === 'created') return;
    const now = Date.now();
    await this.#callEvents.flush();
    const [dispatchAt] = await Promise.all([this.#dispatchDueLegs(now), this.#enforceGuards(now)]);
    await this.#flushD1();
    await this.#maybeComplete(now);
    await this.#outbox.deliverDue(this.#deliveryTarget(), DELIVERY_BUDGET_MS);
    await this.#finishIfSettled();
    const next = [dispatchAt, this.#outbox.nextDueAt(), this.#nextGuardAt(), this.#callEvents.nextFlushAt()].filter((t): t is number => t !== null);
    if (next.length > 0) await this.ctx.storage.setAlarm(Math.max(Date.now() + 10, Math.min(...next)));
  }

  /** Schedules the loop no later than `at`. */
  async #wake(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  // ── Dispatch ──────────────────────────────────────────────────────────

  /** Sends the next queued legs to media nodes within the tenant's pace; returns when to try again. */
  async #dispatchDueLegs(now: number): Promise<number | null> {
    const init = this.#requireInit();
    const queued = this.#count('queued');
    if (queued === 0) return null;
    const pacer = tenantPacer(this.env, init.tenantId);
    const decision = await pacer.acquire({
      ownerId: init.broadcastId,
      liveNow: this.#live(),
      wanted: Math.min(queued, MAX_DISPATCH_PER_TICK),
      callsPerSecond: init.callsPerSecond,
      maxConcurrent: init.maxConcurrentCalls,
    });
    if (decision.granted === 0) return decision.nextAtMs ?? now + IDLE_TICK_MS;

    const owner = { kind: 'broadcast' as const, id: init.broadcastId };
    const slots = await mediaFleet(this.env).reserve(owner, decision.granted);
    if (slots.length < decision.granted) await pacer.refund(init.broadcastId, decision.granted - slots.length);
    if (slots.length === 0) return this.#waitForNodes(now);
    this.#deleteMeta('no_node_since');

    const legs = await clearLegsForDialing({
      env: this.env,
      sql: this.#sql,
      init,
      nowMs: now,
      slots,
      legs: this.#sql.exec<LegRow>("SELECT * FROM legs WHERE state = 'queued' ORDER BY idx LIMIT ?", slots.length).toArray(),
      block: (leg, cause) => this.#finalize(leg, 'failed', cause, now),
    });
    const byNode = new Map<string, { controlUrl: string; legs: LegRow[]; commands: MediaCommand[] }>();
    const newCalls: Array<typeof calls.$inferInsert> = [];
    for (const [i, leg] of legs.entries()) {
      const slot = slots[i]!;
      const voiceId = leg.voice_id ?? crypto.randomUUID();
      if (!leg.voice_id) {
        newCalls.push({
          id: voiceId,
          tenantId: init.tenantId,
          broadcastId: init.broadcastId,
          contactPhone: toE164(leg.to_number),
          fromNumber: init.from,
          status: 'in_progress',
          mediaNodeId: slot.nodeId,
          startedAt: new Date(now).toISOString(),
        });
      }
      this.#sql.exec(
        "UPDATE legs SET state = 'dialing', voice_id = ?, node_id = ?, control_url = ?, dialed_at = ?, dispatch_attempts = dispatch_attempts + 1 WHERE idx = ?",
        voiceId,
        slot.nodeId,
        slot.controlUrl,
        now,
        leg.idx,
      );
      this.#move('queued', 'dialing');
      const group = byNode.get(slot.nodeId) ?? { controlUrl: slot.controlUrl, legs: [], commands: [] };
      group.legs.push({ ...leg, voice_id: voiceId, node_id: slot.nodeId, dispatch_attempts: leg.dispatch_attempts + 1 });
      group.commands.push({
        type: 'originate',
        command_id: `${voiceId}:originate:${leg.dispatch_attempts + 1}`,
        voice_id: voiceId,
        owner,
        from: digits(init.from),
        to: digits(leg.to_number),
        play: await resolvePlay(JSON.parse(leg.play) as PlayInput, this.#playResolver()),
        amd: init.amd,
        ring_timeout_s: init.ringTimeoutS,
        max_duration_s: init.maxCallDurationS,
      });
      byNode.set(slot.nodeId, group);
    }
    // The calls rows exist before any node can report on them, so voice_id lookups never miss.
    await this.#insertCalls(newCalls);
    this.#callEvents.initiated(newCalls);

    const released: Record<string, number> = {};
    await Promise.all(
      [...byNode.entries()].map(async ([nodeId, group]) => {
        const results = await sendNodeCommands(group.controlUrl, this.env.MEDIA_SHARED_SECRET, group.commands);
        for (const [i, result] of results.entries()) {
          const leg = group.legs[i]!;
          if (result.ok) {
            if (result.boot) recordLegBoot(this.#sql, leg.voice_id!, nodeId, result.boot);
            continue;
          }
          const current = this.#legByVoice(leg.voice_id!);
          if (!current || current.state !== 'dialing') continue;
          released[nodeId] = (released[nodeId] ?? 0) + 1;
          console.warn(JSON.stringify({ msg: 'originate refused', voice_id: leg.voice_id, node_id: nodeId, error: result.error }));
          if (leg.dispatch_attempts >= MAX_DISPATCH_ATTEMPTS) {
            await this.#finalize(current, 'failed', Cause.TEMPORARY_FAILURE, Date.now());
          } else {
            this.#sql.exec("UPDATE legs SET state = 'queued', node_id = NULL, control_url = NULL WHERE idx = ?", leg.idx);
            this.#move('dialing', 'queued');
          }
        }
      }),
    );
    if (Object.keys(released).length > 0) await mediaFleet(this.env).release(owner, released);
    return this.#count('queued') > 0 ? (decision.nextAtMs ?? now + 20) : null;
  }

  /** No live node: queued legs wait up to NO_MEDIA_NODE_WAIT_S, then fail with cause 34. */
  async #waitForNodes(now: number): Promise<number> {
    const since = Number(this.#meta('no_node_since') ?? now);
    if (!this.#meta('no_node_since')) this.#setMeta('no_node_since', String(now));
    const waitMs = Number(this.env.NO_MEDIA_NODE_WAIT_S || 60) * 1000;
    if (now - since < waitMs) return Math.min(since + waitMs, now + 1000);
    const legs = this.#sql.exec<LegRow>("SELECT * FROM legs WHERE state = 'queued' ORDER BY idx LIMIT 1000").toArray();
    for (const leg of legs) await this.#finalize(leg, 'failed', Cause.NO_CIRCUIT_AVAILABLE, now);
    return now + 10;
  }

  // ── Guards: nothing stays open forever ────────────────────────────────

  async #enforceGuards(now: number): Promise<void> {
    const init = this.#requireInit();
    const idleDeadline = now - init.idleTimeoutS * 1000;
    const durationDeadline = now - init.maxCallDurationS * 1000;
    const stuckDeadline = now - (init.ringTimeoutS * 1000 + STUCK_GRACE_MS);
    const confirmDeadline = now - HANGUP_CONFIRM_MS;

    const toHangUp = this.#sql
      .exec<LegRow>(
        `SELECT * FROM legs WHERE hangup_requested_at IS NULL AND (
           (state = 'idle' AND idle_since IS NOT NULL AND idle_since <= ?) OR
           (state IN ${inList(ANSWERED_STATES)} AND answered_at <= ?)) LIMIT 500`,
        idleDeadline,
        durationDeadline,
      )
      .toArray();
    for (const leg of toHangUp) {
      this.#sql.exec('UPDATE legs SET hangup_requested_at = ?, hangup_cause = ? WHERE idx = ?', now, Cause.NORMAL_CLEARING, leg.idx);
      await this.#sendToLeg(leg, { type: 'hangup', command_id: `${leg.voice_id}:guard-hangup`, voice_id: leg.voice_id!, cause: Cause.NORMAL_CLEARING });
    }

    const stuck = this.#sql
      .exec<LegRow>(
        `SELECT * FROM legs WHERE (state IN ('dialing','ringing') AND dialed_at <= ?)
           OR (hangup_requested_at IS NOT NULL AND hangup_requested_at <= ? AND state IN ${inList(LIVE_STATES)}) LIMIT 500`,
        stuckDeadline,
        confirmDeadline,
      )
      .toArray();
    const released: Record<string, number> = {};
    for (const leg of stuck) {
      const cause = leg.hangup_requested_at ? (leg.hangup_cause ?? Cause.NORMAL_CLEARING) : Cause.RECOVERY_ON_TIMER_EXPIRY;
      console.warn(JSON.stringify({ msg: 'leg finalised by guard', voice_id: leg.voice_id, state: leg.state, cause }));
      if (leg.voice_id && leg.control_url) {
        await this.#sendToLeg(leg, { type: 'hangup', command_id: `${leg.voice_id}:stuck-hangup`, voice_id: leg.voice_id, cause });
      }
      await this.#finalize(leg, leg.hangup_requested_at ? 'disconnected' : 'failed', cause, now);
      if (leg.node_id) released[leg.node_id] = (released[leg.node_id] ?? 0) + 1;
    }
    await this.#afterLegsEnded(released);

    // A connect still dialling long past its ring timeout was lost by its node: the recipient gets its leg back.
    for (const row of this.#connects.pendingSince(stuckDeadline)) {
      const leg = this.#legByVoice(row.voice_id);
      if (!leg) continue;
      console.warn(JSON.stringify({ msg: 'connect finalised by guard', voice_id: row.voice_id, connect_id: row.connect_id }));
      this.#closeConnect(leg, row, { connectstate: 'failed', cause: Cause.RECOVERY_ON_TIMER_EXPIRY, reason: q850Reason(Cause.RECOVERY_ON_TIMER_EXPIRY), endedBy: 'destination' }, now);
    }
  }

  #nextGuardAt(): number | null {
    const init = this.#requireInit();
    const row = this.#sql
      .exec<{ idle: number | null; answered: number | null; dialed: number | null; hangup: number | null }>(
        `SELECT
           (SELECT MIN(idle_since) FROM legs WHERE state = 'idle' AND hangup_requested_at IS NULL) AS idle,
           (SELECT MIN(answered_at) FROM legs WHERE state IN ${inList(ANSWERED_STATES)} AND hangup_requested_at IS NULL) AS answered,
           (SELECT MIN(dialed_at) FROM legs WHERE state IN ('dialing','ringing')) AS dialed,
           (SELECT MIN(hangup_requested_at) FROM legs WHERE hangup_requested_at IS NOT NULL AND state IN ${inList(LIVE_STATES)}) AS hangup`,
      )
      .one();
    const pendingConnect = this.#connects.oldestPendingAt();
    const candidates = [
      pendingConnect === null ? null : pendingConnect + init.ringTimeoutS * 1000 + STUCK_GRACE_MS,
      row.idle === null ? null : row.idle + init.idleTimeoutS * 1000,
      row.answered === null ? null : row.answered + init.maxCallDurationS * 1000,
      row.dialed === null ? null : row.dialed + init.ringTimeoutS * 1000 + STUCK_GRACE_MS,
      row.hangup === null ? null : row.hangup + HANGUP_CONFIRM_MS,
    ].filter((t): t is number => t !== null);
    return candidates.length > 0 ? Math.min(...candidates) + 1 : null;
  }

  // ── Events → state → webhooks ─────────────────────────────────────────

  /** Applies one in-order event; returns the node id when the leg ended (to release its slot). */
  async #applyEvent(leg: LegRow, ev: MediaEvent): Promise<string | null> {
    if (isTerminal(leg.state)) return null;
    const ctx = this.#context();
    const legCtx = { voiceId: leg.voice_id!, to: leg.to_number };
    const at = Date.parse(ev.at);
    const eventTime = Number.isFinite(at) ? at : Date.now();
    const timestamp = new Date(eventTime).toISOString();

    if (ev.type === 'dtmf') {
      this.#outbox.enqueue(leg.voice_id!, payloads.dtmfPayload(ctx, legCtx, ev.digit, ev.duration_ms, timestamp), Date.now());
      return null;
    }
    if (ev.type === 'connect') {
      this.#applyConnectEvent(leg, ev, eventTime, timestamp);
      return null;
    }
    if (ev.type === 'stream') {
      const stream = { streamstate: ev.streamstate, streamId: ev.stream_id, wssHost: ev.wss_host, reason: ev.reason, framesSent: ev.frames_sent, framesDropped: ev.frames_dropped };
      this.#outbox.enqueue(leg.voice_id!, payloads.streamPayload(ctx, legCtx, stream, timestamp), Date.now());
      if (ev.streamstate !== 'started') this.#streamEnded(leg, ev.stream_id);
      return null;
    }
    if (ev.type === 'disconnected') {
      const answered = leg.answered_at !== null;
      const duration = answered ? ev.duration_s : 0;
      await this.#finalize(leg, 'disconnected', ev.cause, eventTime, { reason: ev.reason, durationS: duration });
      return leg.node_id;
    }
    const next = stateForEvent(ev, leg.state);
    if (!next) {
      // A connect owns the leg: the play it interrupted (or one that finished just before it)
      // still reaches the client, but moves nothing (docs/broadcast-api.md "Connect").
      if (ev.type === 'playstate' && BRIDGING_STATES.includes(leg.state)) {
        this.#outbox.enqueue(
          leg.voice_id!,
          payloads.playstatePayload(ctx, legCtx, { playstate: ev.playstate, promptRef: ev.prompt_ref, promptName: ev.prompt_name, error: ev.error }, timestamp),
          Date.now(),
        );
      }
      return null;
    }
    if (ev.type === 'ringing' && leg.state === 'ringing') return null; // one ringing per leg, whatever the node saw
    if (!canTransition(leg.state, next)) {
      console.warn(JSON.stringify({ msg: 'illegal transition ignored', voice_id: leg.voice_id, from: leg.state, to: next, event: ev.type }));
      return null;
    }
    this.#sql.exec('UPDATE legs SET state = ? WHERE idx = ?', next, leg.idx);
    this.#move(leg.state, next);

    switch (ev.type) {
      case 'ringing':
        this.#sql.exec('UPDATE legs SET channel_id = ? WHERE idx = ?', ev.channel_id, leg.idx);
        this.#outbox.enqueue(leg.voice_id!, payloads.ringingPayload(ctx, legCtx, ev.channel_id, timestamp), Date.now());
        break;
      case 'connected': {
        const answeredBy = ev.answered_by ?? null;
        this.#sql.exec('UPDATE legs SET answered_at = ?, answered_by = ? WHERE idx = ?', eventTime, answeredBy, leg.idx);
        this.#outbox.enqueue(leg.voice_id!, payloads.connectedPayload(ctx, legCtx, answeredBy, timestamp), Date.now());
        this.#callEvents.answered({ voiceId: leg.voice_id!, to: leg.to_number, dialedAt: leg.dialed_at }, timestamp, answeredBy);
        this.#d1Pending.push(database(this.env.DB).update(calls).set({ answeredAt: timestamp, answeredBy }).where(eq(calls.id, leg.voice_id!)));
        break;
      }
      case 'playstate':
        this.#sql.exec('UPDATE legs SET idle_since = ? WHERE idx = ?', next === 'idle' && !this.#meta(streamKey(leg.voice_id!)) ? Date.now() : null, leg.idx);
        this.#outbox.enqueue(
          leg.voice_id!,
          payloads.playstatePayload(ctx, legCtx, { playstate: ev.playstate, promptRef: ev.prompt_ref, promptName: ev.prompt_name, error: ev.error }, timestamp),
          Date.now(),
        );
        break;
    }
    return null;
  }

  /** A connect in progress or bridged owns what the recipient hears: play and a new connect wait. */
  #connectConflict(leg: LegRow): Extract<LegCommandResult, { ok: false }> | null {
    if (leg.state === 'connecting') return { ok: false, error: 'connect_in_progress' };
    if (leg.state === 'bridged') return { ok: false, error: 'bridged' };
    return null;
  }

  #setLegState(leg: LegRow, next: LegState): void {
    if (leg.state === next) return;
    this.#sql.exec('UPDATE legs SET state = ? WHERE idx = ?', next, leg.idx);
    this.#move(leg.state, next);
    leg.state = next;
  }

  /** A connect's progress, reported on the recipient leg's own seq. */
  #applyConnectEvent(leg: LegRow, ev: ConnectEvent, eventTime: number, timestamp: string): void {
    const row = this.#connects.get(ev.connect_id);
    if (!row || row.voice_id !== leg.voice_id || isConnectOver(row.state)) {
      console.warn(JSON.stringify({ msg: 'connect event ignored', voice_id: leg.voice_id, connect_id: ev.connect_id, connectstate: ev.connectstate, known: row?.state ?? null }));
      return;
    }
    const legCtx = { voiceId: leg.voice_id!, to: leg.to_number };
    const target = { connectVoiceId: row.connect_id, from: row.from_number, to: row.to_number };
    switch (ev.connectstate) {
      case 'ringing':
        if (row.state !== 'requested') return;
        this.#connects.markRinging(row.connect_id);
        this.#outbox.enqueue(leg.voice_id!, connectPayload(this.#context(), legCtx, target, { connectstate: 'ringing' }, timestamp), Date.now());
        return;
      case 'connected': {
        if (row.state === 'connected') return;
        this.#connects.markAnswered(row.connect_id, eventTime);
        const next = legStateAfterConnect(leg.state, 'answered');
        if (next) this.#setLegState(leg, next);
        this.#d1Pending.push(database(this.env.DB).update(calls).set({ answeredAt: timestamp }).where(eq(calls.id, row.connect_id)));
        this.#outbox.enqueue(leg.voice_id!, connectPayload(this.#context(), legCtx, target, { connectstate: 'connected' }, timestamp), Date.now());
        return;
      }
      case 'failed':
      case 'disconnected': {
        const cause = ev.cause ?? Cause.NORMAL_CLEARING;
        this.#closeConnect(
          leg,
          row,
          { connectstate: ev.connectstate, cause, reason: ev.reason ?? q850Reason(cause), durationS: ev.duration_s ?? 0, endedBy: ev.ended_by ?? 'destination' },
          eventTime,
        );
      }
    }
  }

  /**
   * A connect is over: its record, the destination's calls row, the
   * connectstate webhook, and the recipient's leg back to idle (the idle guard
   * applies again) unless the leg itself is what ended.
   */
  #closeConnect(leg: LegRow, row: ConnectRow, progress: Extract<ConnectProgress, { cause: number }>, atMs: number): void {
    const answered = row.answered_at !== null;
    const state = answered ? 'disconnected' : 'failed';
    const durationS = answered ? (progress.durationS ?? 0) : 0;
    this.#connects.close(row.connect_id, { state, cause: progress.cause, reason: progress.reason, durationS, endedBy: progress.endedBy, atMs });
    this.#d1Pending.push(
      database(this.env.DB)
        .update(calls)
        .set({
          status: callHistoryStatus({ answered, answeredBy: null, cause: progress.cause }),
          causeCode: progress.cause,
          causeReason: progress.reason,
          durationSeconds: durationS,
          endedAt: new Date(atMs).toISOString(),
        })
        .where(eq(calls.id, row.connect_id)),
    );
    const timestamp = new Date(atMs).toISOString();
    this.#outbox.enqueue(
      leg.voice_id!,
      connectPayload(
        this.#context(),
        { voiceId: leg.voice_id!, to: leg.to_number },
        { connectVoiceId: row.connect_id, from: row.from_number, to: row.to_number },
        { ...progress, connectstate: state, durationS },
        timestamp,
      ),
      Date.now(),
    );
    const next = legStateAfterConnect(leg.state, 'over', progress.endedBy);
    if (next) {
      this.#setLegState(leg, next);
      this.#sql.exec('UPDATE legs SET idle_since = ? WHERE idx = ?', Date.now(), leg.idx);
    }
  }

  /**
   * Ends a leg for good: terminal state, cause, the disconnected webhook, the
   * calls row. Returning the leg's fleet slot is the caller's job.
   */
  async #finalize(
    leg: LegRow,
    state: 'disconnected' | 'failed',
    cause: number,
    atMs: number,
    detail?: { reason: string; durationS: number },
  ): Promise<void> {
    const current = this.#sql.exec<LegRow>('SELECT * FROM legs WHERE idx = ?', leg.idx).one();
    if (isTerminal(current.state)) return;
    const init = this.#requireInit();
    // A connect the node did not close (node lost, guard) ends with the leg, and says so first.
    const openConnect = current.voice_id ? this.#connects.openFor(current.voice_id) : null;
    if (openConnect) {
      const answered = openConnect.answered_at !== null;
      this.#closeConnect(current, openConnect, {
        connectstate: answered ? 'disconnected' : 'failed',
        cause,
        reason: detail?.reason ?? q850Reason(cause),
        durationS: answered ? Math.max(0, (atMs - openConnect.answered_at!) / 1000) : 0,
        endedBy: 'recipient',
      }, atMs);
    }
    const voiceId = current.voice_id ?? crypto.randomUUID();
    const reason = detail?.reason ?? q850Reason(cause);
    const durationS = detail?.durationS ?? (current.answered_at !== null ? Math.max(0, (atMs - current.answered_at) / 1000) : 0);
    this.#sql.exec(
      'UPDATE legs SET state = ?, voice_id = ?, cause = ?, reason = ?, ended_at = ?, duration = ? WHERE idx = ?',
      state,
      voiceId,
      cause,
      reason,
      atMs,
      durationS,
      current.idx,
    );
    this.#move(current.state, state);
    if (!current.voice_id) {
      // A leg that never reached a node still gets a voice_id and a history row, so every recipient is accounted for.
      await this.#insertCalls([
        {
          id: voiceId,
          tenantId: init.tenantId,
          broadcastId: init.broadcastId,
          contactPhone: toE164(current.to_number),
          fromNumber: init.from,
          status: 'failed',
          startedAt: new Date(atMs).toISOString(),
        },
      ]);
    }
    const answeredBy = (current.answered_by as 'HUMAN' | 'MACHINE' | null) ?? null;
    this.#outbox.enqueue(
      voiceId,
      payloads.disconnectedPayload(this.#context(), { voiceId, to: current.to_number }, { durationS, reason, cause, answeredBy }, new Date(atMs).toISOString()),
      Date.now(),
    );
    this.#callEvents.completed(
      { voiceId, to: current.to_number, dialedAt: current.dialed_at, answeredAt: current.answered_at },
      { answeredBy, cause, reason, durationS, endedAtMs: atMs },
    );
    this.#d1Pending.push(
      database(this.env.DB)
        .update(calls)
        .set({
          status: callHistoryStatus({ answered: current.answered_at !== null, answeredBy, cause }),
          causeCode: cause,
          causeReason: reason,
          durationSeconds: durationS,
          endedAt: new Date(atMs).toISOString(),
        })
        .where(eq(calls.id, voiceId)),
    );
  }

  /**
   * Writes the queued history updates in one D1 batch. Leg state lives in this
   * object's storage first; D1 is the record, so one round trip per batch of
   * events instead of one per event.
   */
  async #flushD1(): Promise<void> {
    while (this.#d1Pending.length > 0) {
      const chunk = this.#d1Pending.splice(0, 50);
      await database(this.env.DB).batch(chunk as [D1Write, ...D1Write[]]);
    }
  }

  async #afterLegsEnded(releasedPerNode: Record<string, number>): Promise<void> {
    if (Object.keys(releasedPerNode).length === 0) return;
    const init = this.#requireInit();
    await mediaFleet(this.env).release({ kind: 'broadcast', id: init.broadcastId }, releasedPerNode);
    await this.#reportLive();
  }

  async #reportLive(): Promise<void> {
    const init = this.#requireInit();
    const live = this.#liveLegs();
    await tenantPacer(this.env, init.tenantId).report(init.broadcastId, live);
    this.#reportedLive = JSON.stringify(live);
  }

  #liveLegs() {
    return liveLegsOf((s) => this.#count(s));
  }

  // ── Completion ────────────────────────────────────────────────────────

  /** Once every leg is final, enqueue broadcastcall_complete exactly once. */
  async #maybeComplete(now: number): Promise<void> {
    if (this.#phase() !== 'running' || this.#meta('complete_enqueued')) return;
    if (this.#count('disconnected') + this.#count('failed') < this.#total()) return;
    this.#setMeta('complete_enqueued', new Date(now).toISOString());
    this.#setMeta('completed_at', new Date(now).toISOString());
    this.#outbox.enqueue(COMPLETE_KEY, null, now);
    await this.#reportLive();
  }

  /** After the complete event has left (or been dead-lettered), the broadcast is closed for good. */
  async #finishIfSettled(): Promise<void> {
    if (this.#phase() !== 'running' || !this.#meta('complete_enqueued') || !this.#outbox.isSettled(COMPLETE_KEY)) return;
    this.#setMeta('phase', 'complete');
    const init = this.#requireInit();
    await database(this.env.DB)
      .update(broadcasts)
      .set({ status: 'completed', completedAt: this.#meta('completed_at') })
      .where(eq(broadcasts.id, init.broadcastId));
  }

  #deliveryTarget() {
    const init = this.#requireInit();
    // POSTs leave through this broadcast's own sender shards: ≤ 6 connections each (docs/webhooks.md).
    const senders = new SenderPool(this.env.WEBHOOK_SENDER, `broadcast:${init.broadcastId}`);
    const startedAt = Date.now();
    return {
      url: init.eventUrl,
      secret: init.webhookSecret,
      schedule: retryScheduleFrom(this.env.WEBHOOK_RETRY_DELAYS_MS),
      post: senders.post,
      maxInFlight: senders.capacity,
      // call.* events queued meanwhile reach TenantEvents within ~100 ms (the next tick flushes them), not after the 2 s budget.
      yieldWhen: () => Date.now() - startedAt >= 100 && (this.#callEvents.nextFlushAt() ?? Infinity) <= Date.now(),
      buildBody: (row: OutboxRow) => {
        if (row.leg_key !== COMPLETE_KEY) throw new Error(`outbox row ${row.id} has no body`);
        return JSON.stringify(this.#completeBody());
      },
    };
  }

  #completeBody(): Record<string, unknown> {
    const filtered = { blacklisted: [] as RecipientInput[], countryNotAllowed: [] as RecipientInput[] };
    for (const row of this.#sql.exec<{ bucket: string; recipient: string }>('SELECT bucket, recipient FROM filtered ORDER BY idx')) {
      (row.bucket === 'blacklisted' ? filtered.blacklisted : filtered.countryNotAllowed).push(JSON.parse(row.recipient) as RecipientInput);
    }
    const sql = this.#sql;
    function* summaries(): Generator<payloads.LegSummary> {
      for (const leg of sql.exec<LegRow>('SELECT * FROM legs WHERE voice_id IS NOT NULL ORDER BY idx')) {
        yield {
          voiceId: leg.voice_id!,
          to: leg.to_number,
          durationS: leg.duration ?? 0,
          answered: leg.answered_at !== null,
          answeredBy: (leg.answered_by as 'HUMAN' | 'MACHINE' | null) ?? null,
          cause: leg.cause ?? Cause.NORMAL_UNSPECIFIED,
          reason: leg.reason ?? q850Reason(leg.cause ?? Cause.NORMAL_UNSPECIFIED),
        };
      }
    }
    return payloads.completePayload(this.#context(), filtered, summaries(), this.#meta('completed_at') ?? new Date().toISOString());
  }

  // ── Helpers over storage ──────────────────────────────────────────────

  /**
   * Sends one command to the leg's node. 'gone': the node has no such leg (it
   * ended there); 'unavailable': the node did not answer or failed otherwise,
   * which is worth retrying and must not be reported as an ended call.
   */
  async #sendToLeg(leg: LegRow, command: MediaCommand): Promise<'ok' | 'gone' | 'unavailable'> {
    if (!leg.control_url) return 'gone';
    const [result] = await sendNodeCommands(leg.control_url, this.env.MEDIA_SHARED_SECRET, [command]);
    if (result?.ok) return 'ok';
    console.warn(JSON.stringify({ msg: 'node command failed', voice_id: leg.voice_id, type: command.type, error: result?.error }));
    return result?.error === 'unknown_leg' ? 'gone' : 'unavailable';
  }

  async #insertCalls(rows: Array<typeof calls.$inferInsert>): Promise<void> {
    if (rows.length === 0) return;
    const db = database(this.env.DB);
    // D1 caps bound parameters per statement at 100; a calls row binds 9.
    const chunks: Array<typeof rows> = [];
    for (let i = 0; i < rows.length; i += 10) chunks.push(rows.slice(i, i + 10));
    const statements = chunks.map((chunk) => db.insert(calls).values(chunk).onConflictDoNothing());
    await db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
  }

  #playResolver() {
    const init = this.#requireInit();
    return {
      tenantId: init.tenantId,
      baseUrl: this.env.PUBLIC_BASE_URL ?? 'http://127.0.0.1:8787',
      secret: this.env.URL_SIGNING_SECRET,
      promptVersion: async (name: string) => {
        if (this.#promptVersions.has(name)) return this.#promptVersions.get(name)!;
        const row = await database(this.env.DB)
          .select({ version: prompts.version })
          .from(prompts)
          .where(and(eq(prompts.tenantId, init.tenantId), eq(prompts.name, name)))
          .get();
        const version = row?.version ?? null;
        this.#promptVersions.set(name, version);
        return version;
      },
    };
  }

  #context(): payloads.BroadcastContext {
    const init = this.#requireInit();
    return { broadcastId: init.broadcastId, from: init.from, amd: init.amd, customData: init.customData };
  }

  #legByVoice(voiceId: string): LegRow | null {
    return this.#sql.exec<LegRow>('SELECT * FROM legs WHERE voice_id = ?', voiceId).toArray()[0] ?? null;
  }

  #requireInit(): BroadcastInit {
    if (!this.#init) throw new Error('BroadcastSession used before create()');
    return this.#init;
  }

  #phase(): Phase {
    return (this.#meta('phase') as Phase | null) ?? 'created';
  }

  #meta(key: string): string | null {
    return this.#sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key).toArray()[0]?.value ?? null;
  }

  #setMeta(key: string, value: string): void {
    this.#sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, value);
  }

  #deleteMeta(key: string): void {
    this.#sql.exec('DELETE FROM meta WHERE key = ?', key);
  }

  #count(state: LegState): number {
    return this.#counts.get(state) ?? 0;
  }

  #total(): number {
    let n = 0;
    for (const v of this.#counts.values()) n += v;
    return n;
  }

  #live(): number {
    return LIVE_STATES.reduce((sum, s) => sum + this.#count(s), 0);
  }

  #bump(state: LegState, by: number): void {
    this.#counts.set(state, this.#count(state) + by);
  }

  #move(from: LegState, to: LegState): void {
    this.#bump(from, -1);
    this.#bump(to, 1);
  }
}

/** Meta key holding the id of the leg's running stream, if any. */
function streamKey(voiceId: string): string {
  return `stream:${voiceId}`;
}

function digits(number: string): string {
  return number.replace(/^\+/, '');
}

function toE164(number: string): string {
  return number.startsWith('+') ? number : `+${number}`;
}
