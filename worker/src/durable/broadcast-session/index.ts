/**
 * BroadcastSession: one Durable Object per broadcast. Owns the broadcast's
 * legs (in its SQLite storage) and exactly one broadcastcall_complete. The
 * object only wires its modules to its RPC methods and its alarm:
 *
 *   leg-store.ts          the legs, their per-state counts, the broadcast's meta
 *   dispatch.ts           paced dispatch of queued legs to media nodes (through compliance-gate.ts)
 *   event-application.ts  node events → leg state → webhooks and history
 *   guards.ts             idle / max-duration / stuck-leg / unconfirmed-hangup guards
 *   leg-controls.ts       hangup, play, hold, record (the ladder: control-preconditions.ts)
 *   stream-control.ts     a leg's wss stream
 *   connect-flow.ts       connect a leg to another party, its progress and close
 *   leg-end.ts            the end of a leg, whatever ends it
 *   node-reconciliation.ts a node lost, restarted, or reconciled on heartbeat
 *   completion.ts         broadcastcall_complete, once
 *   outbox.ts             the webhook outbox (per-leg order, retries)
 *
 * What every leg owner shares (event order, node commands, history writes,
 * slots, the pacer report) is in worker/src/legs/ (docs/legs.md).
 *
 * Everything time-driven runs from one alarm loop (#tick): dispatch due legs,
 * enforce guards, deliver due webhooks, then sleep until the next deadline.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env.ts';
import type { BroadcastInit, BroadcastStatus, ConnectRequest, LegCommandResult, LegState, RecipientInput, StreamRequest } from './contract.ts';
import { ALL_LEG_STATES } from './leg-state-machine.ts';
import { ConnectStore, CONNECTS_DDL, type ConnectRow } from './connect-store.ts';
import { WebhookOutbox, OUTBOX_DDL, COMPLETE_KEY, type OutboxRow } from './outbox.ts';
import type { BroadcastContext } from './webhook-payloads.ts';
import { retryScheduleFrom } from '../../webhooks/retry-schedule.ts';
import { SenderPool } from '../../webhooks/sender-pool.ts';
import type { EventResult, MediaEvent } from '../../media-protocol/index.ts';
import type { PlayInput } from '../../broadcast/play-schema.ts';
import { BroadcastCallEvents } from '../../dialer-events/broadcast-call-events.ts';
import { HistoryBatch } from '../../legs/call-history.ts';
import { sendLegCommand } from '../../legs/leg-command.ts';
import { LiveReporter } from '../../legs/live-report.ts';
import { LEG_BOOTS_DDL } from './leg-boots.ts';
import type { NodeLegsReport } from '../media-fleet/leg-reconciliation.ts';
import { LegStore } from './leg-store.ts';
import { PromptVersions } from './prompt-versions.ts';
import type { SessionParts } from './session-parts.ts';
import { dispatchDueLegs } from './dispatch.ts';
import { applyNodeEvents } from './event-application.ts';
import { enforceGuards, nextGuardAt } from './guards.ts';
import { hangupLeg, holdLeg, playOnLeg, recordLeg } from './leg-controls.ts';
import { streamLeg } from './stream-control.ts';
import { connectLeg } from './connect-flow.ts';
import { nodeLost, reconcileNode } from './node-reconciliation.ts';
import { completeBody, finishIfSettled, maybeComplete } from './completion.ts';

/** How long the alarm may spend delivering webhooks before it yields. */
const DELIVERY_BUDGET_MS = 2_000;

export class BroadcastSession extends DurableObject<Env> {
  #legs: LegStore;
  #outbox: WebhookOutbox;
  #callEvents: BroadcastCallEvents;
  #init: BroadcastInit | null = null;
  #parts: SessionParts;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(OUTBOX_DDL + CONNECTS_DDL + LEG_BOOTS_DDL);
    this.#legs = new LegStore(sql);
    this.#outbox = new WebhookOutbox(sql);
    this.#callEvents = new BroadcastCallEvents(sql, env, () => this.#requireInit());
    const init = this.#legs.meta('init');
    this.#init = init ? (JSON.parse(init) as BroadcastInit) : null;
    const requireInit = () => this.#requireInit();
    this.#parts = {
      env,
      legs: this.#legs,
      connects: new ConnectStore(sql),
      outbox: this.#outbox,
      callEvents: this.#callEvents,
      history: new HistoryBatch(env.DB),
      pacerReport: new LiveReporter(env, () => requireInit().tenantId, () => requireInit().broadcastId),
      prompts: new PromptVersions(env, () => requireInit().tenantId),
      init: requireInit,
      context: () => this.#context(),
      wake: (at) => this.#wake(at),
      send: (leg, command) => sendLegCommand(env, leg.control_url, command),
    };
  }

  // ── RPC: lifecycle ────────────────────────────────────────────────────

  /** Stores the broadcast's settings; repeating it for the same broadcast is a no-op. */
  async create(init: BroadcastInit): Promise<void> {
    if (this.#init) return;
    const { blacklisted, countryNotAllowed, ...settings } = init;
    const sql = this.#legs.sql;
    sql.exec('DELETE FROM filtered');
    let i = 0;
    for (const r of blacklisted) sql.exec('INSERT INTO filtered (idx, bucket, recipient) VALUES (?, ?, ?)', i++, 'blacklisted', JSON.stringify(r));
    for (const r of countryNotAllowed) sql.exec('INSERT INTO filtered (idx, bucket, recipient) VALUES (?, ?, ?)', i++, 'country', JSON.stringify(r));
    this.#init = { ...settings, blacklisted: [], countryNotAllowed: [] };
    this.#legs.setMeta('init', JSON.stringify(this.#init));
    this.#legs.setMeta('phase', 'created');
  }

  /** Appends recipients (callers send ≤ 5,000 per call). Re-sent indexes are ignored. */
  async addLegs(legs: Array<RecipientInput & { index: number }>): Promise<void> {
    this.#requireInit();
    for (const leg of legs) {
      this.#legs.addLeg(leg.index, leg.to, JSON.stringify(leg.play));
    }
    // rowsWritten also counts index rows, so count what is really there.
    this.#legs.recount();
  }

  /** All legs are in: begin paced dispatch (or complete at once if there are none). */
  async start(): Promise<void> {
    this.#requireInit();
    if (this.#legs.phase() !== 'created') return;
    this.#legs.setMeta('phase', 'running');
    await this.#wake(Date.now());
  }

  /**
   * Forgets a broadcast whose acceptance failed before start(): nothing was
   * dialled, so everything stored goes. Returns false (and keeps all) once
   * dispatch has begun: that broadcast is live and stays.
   */
  async discard(): Promise<boolean> {
    if (this.#init && this.#legs.phase() !== 'created') return false;
    await this.ctx.storage.deleteAll();
    this.#init = null;
    this.#legs.forgetCounts();
    return true;
  }

  async status(): Promise<BroadcastStatus | null> {
    const init = this.#init;
    if (!init) return null;
    const legs = Object.fromEntries(ALL_LEG_STATES.map((s) => [s, this.#legs.count(s)])) as Record<LegState, number>;
    const phase = this.#legs.phase();
    const total = this.#legs.total();
    return {
      broadcast_id: init.broadcastId,
      state: phase === 'complete' ? 'broadcastcall_complete' : this.#legs.count('queued') === total ? 'broadcastcall_initiated' : 'in_progress',
      name: init.name,
      owner_ref: init.ownerRef,
      from: init.from,
      total_legs: total,
      legs,
      webhooks: this.#outbox.counts(),
      created_at: init.acceptedAt,
      completed_at: this.#legs.meta('completed_at'),
      timestamp: new Date().toISOString(),
    };
  }

  // ── RPC: media node events and node health ────────────────────────────

  /** Applies one node's events in order; see docs/media-protocol.md for the statuses. */
  async applyEvents(events: MediaEvent[]): Promise<EventResult[]> {
    return applyNodeEvents(this.#parts, events);
  }

  async nodeLost(nodeId: string, keepBoot: string | null = null): Promise<number> {
    return nodeLost(this.#parts, nodeId, keepBoot);
  }

  async reconcileNode(report: NodeLegsReport): Promise<{ hangup: string[] }> {
    return reconcileNode(this.#parts, report);
  }

  // ── RPC: per-call controls ────────────────────────────────────────────

  async hangupLeg(voiceId: string): Promise<LegCommandResult> {
    return hangupLeg(this.#parts, voiceId);
  }

  async playOnLeg(voiceId: string, play: PlayInput): Promise<LegCommandResult> {
    return playOnLeg(this.#parts, voiceId, play);
  }

  async holdLeg(voiceId: string, hold: boolean): Promise<LegCommandResult> {
    return holdLeg(this.#parts, voiceId, hold);
  }

  async recordLeg(voiceId: string, action: 'start' | 'stop', name?: string): Promise<LegCommandResult | { ok: false; error: 'not_recording' }> {
    return recordLeg(this.#parts, voiceId, action, name);
  }

  async connectLeg(voiceId: string, request: ConnectRequest): Promise<LegCommandResult> {
    return connectLeg(this.#parts, voiceId, request);
  }

  /** The destination legs this broadcast's connects dialled, oldest first (the leg's connect history). */
  async connectsOf(voiceId: string): Promise<ConnectRow[]> {
    return this.#parts.connects.forLeg(voiceId);
  }

  async streamLeg(voiceId: string, request: StreamRequest): Promise<LegCommandResult | { ok: false; error: 'not_streaming' }> {
    return streamLeg(this.#parts, voiceId, request);
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
    if (!init || this.#legs.phase() === 'created') return;
    const s = this.#parts;
    const now = Date.now();
    await this.#callEvents.flush();
    const [dispatchAt] = await Promise.all([dispatchDueLegs(s, now), enforceGuards(s, now)]);
    await s.history.flush();
    await maybeComplete(s, now);
    await this.#outbox.deliverDue(this.#deliveryTarget(), DELIVERY_BUDGET_MS);
    await finishIfSettled(s);
    const next = [dispatchAt, this.#outbox.nextDueAt(), nextGuardAt(s), this.#callEvents.nextFlushAt()].filter((t): t is number => t !== null);
    if (next.length > 0) await this.ctx.storage.setAlarm(Math.max(Date.now() + 10, Math.min(...next)));
  }

  /** Schedules the loop no later than `at`. */
  async #wake(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  #deliveryTarget() {
    const init = this.#requireInit();
    // POSTs leave through this broadcast's own sender shards: ≤ 6 connections each (docs/webhooks.md).
    const senders = new SenderPool(this.env.WEBHOOK_SENDER, `broadcast:${init.broadcastId}`);
    return {
      url: init.eventUrl,
      secret: init.webhookSecret,
      schedule: retryScheduleFrom(this.env.WEBHOOK_RETRY_DELAYS_MS),
      post: senders.post,
      maxInFlight: senders.capacity,
      buildBody: (row: OutboxRow) => {
        if (row.leg_key !== COMPLETE_KEY) throw new Error(`outbox row ${row.id} has no body`);
        return JSON.stringify(completeBody(this.#parts));
      },
    };
  }

  #context(): BroadcastContext {
    const init = this.#requireInit();
    return { broadcastId: init.broadcastId, from: init.from, amd: init.amd, customData: init.customData };
  }

  #requireInit(): BroadcastInit {
    if (!this.#init) throw new Error('BroadcastSession used before create()');
    return this.#init;
  }
}
