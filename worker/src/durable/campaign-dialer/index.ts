/**
 * CampaignDialer: one Durable Object per campaign (named by its id), the
 * owner (`campaign`) of the campaign's customer legs. An alarm-driven tick
 * (every second while it has work) asks the campaign's dialing mode how many
 * to dial, takes that many due contacts from D1, passes each through the
 * compliance engine and the tenant's pacer, and places the customer leg on
 * the media node of an available assigned agent. Node events step each
 * call's pure flow (campaigns/engine/call-flow.ts); this class only carries
 * out what the flow asks. docs/campaign-engine.md describes the whole.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env.ts';
import type { EventResult, LegOwner, MediaCommand, MediaEvent } from '../../media-protocol/index.ts';
import { reconcileLegs, type LegOnRecord, type NodeLegsReport } from '../media-fleet/leg-reconciliation.ts';
import { agentFloor, tenantPacer } from '../stubs.ts';
import { applyInOrder } from '../../legs/event-order.ts';
import { callAnsweredStatement } from '../../legs/call-history.ts';
import { sendLegCommand, type CommandOutcome } from '../../legs/leg-command.ts';
import { endsWithNode } from '../../legs/node-loss.ts';
import { liveLegsFrom, reportLiveLegs } from '../../legs/live-report.ts';
import { releaseSlots } from '../../legs/node-slots.ts';
import { digits } from '../../legs/number-forms.ts';
import { StoredEventQueue } from '../../dialer-events/stored-event-queue.ts';
import { claimAgentForCall, releaseAgentFromCall } from '../../agents/agent-on-call.ts';
import { uuidv7 } from '../../ids/uuid-v7.ts';
import { localDayOf } from '../../calls/local-day.ts';
import { emptyAbandonWindows, recordLiveAnswer, abandonFigures, type AbandonWindows } from '../../campaigns/abandon-windows.ts';
import { decideDials, initialPacingState, type PacingState } from '../../campaigns/dialing-modes/index.ts';
import { retryDelayMs } from '../../campaigns/dialer-settings.ts';
import { campaignFloor } from '../../campaigns/assignment/floor-readiness.ts';
import { availableOn } from '../../campaigns/assignment/agent-readiness.ts';
import { callDeadline, stepCall, type CallEffect, type CallInput, type CallLimits } from '../../campaigns/engine/call-flow.ts';
import { contactAfterCall } from '../../campaigns/engine/contact-after.ts';
import { EMPTY_STATS, floorSnapshot, type DialStats } from '../../campaigns/engine/floor-snapshot.ts';
import { nodeLoads, spreadDials } from '../../campaigns/engine/node-spread.ts';
import { campaignTts } from '../../campaigns/engine/campaign-messages.ts';
import { callInputOf } from '../../campaigns/engine/node-event-input.ts';
import { campaignCallAbandoned, campaignCallAnswered, campaignCallCompleted, type CampaignCallFacts } from '../../campaigns/engine/campaign-call-events.ts';
import { CallStore, type StoredCall } from './call-store.ts';
import { contactsLongInCall, dueContacts, markContactConnected, settleContactStatement } from './contact-rows.ts';
import { endCallStatement, historyStatus, markBridged } from './call-rows.ts';
import { loadCampaignContext, type CampaignContext } from './campaign-context.ts';
import { completeIfDone } from './completion.ts';
import { PreviewOffers, type PreviewOffer } from './preview-offers.ts';
import { MAX_CALL_S, placeDial, type DialDeps } from './place-dial.ts';
import { campaignOwner } from '../media-fleet/leg-owners.ts';

const TICK_MS = 1_000;
/** Most dials placed in one tick (the rest wait for the next second). */
const MAX_DIALS_PER_TICK = 20;
/** Ended calls are kept this long for late node events. */
const ENDED_RETENTION_MS = 10 * 60_000;

const LIMITS: Omit<CallLimits, 'ringTimeoutS'> = { agentWaitS: 2, agentRingS: 15, maxCallS: MAX_CALL_S, messageMaxS: 60, graceS: 30, hangupConfirmS: 15 };
const AGENT_RING_S = 15;
/** A contact in a call this long without a call in the object is an orphan (longer than any call's guards). */
const ORPHAN_AFTER_MS = 2 * 3600_000;

interface Meta {
  tenantId: string;
  campaignId: string;
}

/** What the dialer shows of itself (tests, the demo's live view). */
export interface DialerView {
  campaignId: string | null;
  status: string | null;
  dialLevel: number;
  reason: string;
  callsInFlight: number;
  callsWaiting: number;
  callsBridged: number;
  openCalls: Array<{ callId: string; contactId: string; phase: string; nodeId: string; agentId: string | null }>;
  abandon: { campaign: number | null; last24Hours: number | null; last30Days: number | null };
  completedSent: boolean;
}

export class CampaignDialer extends DurableObject<Env> {
  #calls: CallStore;
  #offers: PreviewOffers;
  #events: StoredEventQueue;
  #lock: Promise<unknown> = Promise.resolve();
  /** When the tenant's pacer can grant the dials this tick could not place. */
  #nextDialAtMs: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#calls = new CallStore(ctx.storage.sql);
    this.#offers = new PreviewOffers(ctx.storage.sql);
    this.#events = new StoredEventQueue(ctx.storage.sql, env);
  }

  // ── RPC ───────────────────────────────────────────────────────────────

  /** Start, resume or pause happened (or anything that may give it work): tick now. */
  async wake(meta: Meta): Promise<void> {
    await this.#serial(async () => {
      await this.ctx.storage.put('meta', meta);
      await this.ctx.storage.setAlarm(Date.now());
    });
  }

  async applyEvents(events: MediaEvent[]): Promise<EventResult[]> {
    return this.#serial(async () => {
      const ctx = await this.#context();
      const results = await applyInOrder(events, {
        find: (voiceId) => (ctx ? this.#calls.get(voiceId) : null),
        lastSeq: (call) => call.lastSeq,
        apply: async (call, ev) => {
          call.lastSeq = ev.seq;
          const input = callInputOf(ev, call.connectId);
          if (input) await this.#step(ctx!, call, input);
          else this.#calls.put(call);
        },
      });
      await this.#afterChange();
      return results;
    });
  }

  /**
   * The node is gone (`keepBoot` null), or restarted as `keepBoot`: its calls
   * (those known to live on an older boot, after a restart) end (41), contacts
   * are rescheduled by their outcome, agents released. Answers how many ended;
   * the fleet settles their slots itself.
   */
  async nodeLost(nodeId: string, keepBoot: string | null = null): Promise<number> {
    return this.#serial(async () => {
      const ctx = await this.#context();
      if (!ctx) return 0;
      let ended = 0;
      for (const call of this.#calls.open()) {
        if (call.flow.phase === 'ended' || !endsWithNode(call, nodeId, keepBoot)) continue;
        call.slotSettled = true;
        await this.#step(ctx, call, { kind: 'node_lost', atMs: Date.now() }, { nodeGone: true });
        ended++;
      }
      await this.#afterChange();
      return ended;
    });
  }

  /**
   * One heartbeat of a node (media-fleet/leg-reconciliation.ts): calls the node
   * holds that this campaign has ended are hung up; live calls it no longer
   * holds end (41) like a lost node's.
   */
  async reconcileNode(report: NodeLegsReport): Promise<{ hangup: string[] }> {
    return this.#serial(async () => {
      const onRecord = (c: StoredCall): LegOnRecord => ({ voiceId: c.callId, live: c.flow.phase !== 'ended', nodeId: c.nodeId, boot: c.boot, dialedAtMs: c.dialedAtMs });
      const live = this.#calls.open().filter((c) => c.flow.phase !== 'ended' && c.nodeId === report.nodeId);
      const { hangup, end } = reconcileLegs(
        report,
        (voiceId) => {
          const c = this.#calls.get(voiceId);
          return c ? onRecord(c) : null;
        },
        live.map(onRecord),
        Date.now(),
      );
      if (end.length > 0) {
        const ctx = await this.#context();
        if (ctx) {
          for (const callId of end) {
            const call = this.#calls.get(callId);
            if (!call || call.flow.phase === 'ended') continue;
            console.warn(JSON.stringify({ msg: 'campaign call missing from its media node: ended', call_id: callId, node_id: report.nodeId, phase: call.flow.phase }));
            await this.#step(ctx, call, { kind: 'node_lost', atMs: Date.now() }, { nodeGone: true });
          }
          await this.#afterChange();
        }
      }
      return { hangup };
    });
  }

  async view(): Promise<DialerView> {
    const meta = await this.ctx.storage.get<Meta>('meta');
    const open = this.#calls.open().filter((c) => c.flow.phase !== 'ended');
    const decision = (await this.ctx.storage.get<{ dialLevel: number; reason: string }>('decision')) ?? { dialLevel: 0, reason: 'not started' };
    const abandon = (await this.ctx.storage.get<AbandonWindows>('abandon')) ?? emptyAbandonWindows();
    const now = Date.now();
    const figures = abandonFigures(abandon, now, now - 86_400_000);
    return {
      campaignId: meta?.campaignId ?? null,
      status: (await this.ctx.storage.get<string>('status')) ?? null,
      dialLevel: decision.dialLevel,
      reason: decision.reason,
      callsInFlight: open.filter((c) => c.flow.phase === 'dialing').length,
      callsWaiting: open.filter((c) => c.flow.phase === 'waiting').length,
      callsBridged: open.filter((c) => c.flow.phase === 'bridged').length,
      openCalls: open.map((c) => ({ callId: c.callId, contactId: c.contactId, phase: c.flow.phase, nodeId: c.nodeId, agentId: c.bridgedAgentId ?? c.flow.agentId })),
      abandon: { campaign: figures.campaign.rate, last24Hours: figures.last24Hours.rate, last30Days: figures.last30Days.rate },
      completedSent: (await this.ctx.storage.get<boolean>('completed_sent')) ?? false,
    };
  }

  // ── Preview ───────────────────────────────────────────────────────────

  /** The agent's current offer, or the next due contact offered to them now; null when none is due. */
  async previewNext(agentId: string): Promise<PreviewOffer | null> {
    return this.#serial(async () => {
      const meta = await this.ctx.storage.get<Meta>('meta');
      if (!meta) return null;
      const held = this.#offers.ofAgent(agentId);
      if (held) return held;
      const [contact] = await dueContacts(this.env.DB, meta.campaignId, new Date().toISOString(), 1, this.#offers.contactIds());
      if (!contact) return null;
      return this.#offers.offer(agentId, contact, Date.now());
    });
  }

  /** The agent accepts their offer: they are taken for the call, then the customer is dialled on their node. */
  async previewAccept(agentId: string, contactId: string): Promise<{ ok: true; callId: string } | { ok: false; error: 'no_offer' | 'agent_unavailable' | 'not_dialled' }> {
    return this.#serial(async () => {
      const ctx = await this.#context();
      const offer = this.#offers.ofAgent(agentId);
      if (!ctx || !offer || offer.contact.id !== contactId) return { ok: false, error: 'no_offer' };
      const callId = uuidv7();
      const claim = await claimAgentForCall(this.env, ctx.row.tenant_id, agentId, callId);
      if (!claim.ok || !claim.binding) {
        if (claim.ok) await releaseAgentFromCall(this.env, ctx.row.tenant_id, agentId, callId);
        return { ok: false, error: 'agent_unavailable' };
      }
      this.#offers.remove(agentId);
      const placed = await placeDial(this.#deps(), ctx, offer.contact, claim.binding.node_id, { callId, agentId });
      if (!placed) {
        await releaseAgentFromCall(this.env, ctx.row.tenant_id, agentId, callId);
        await this.#afterChange();
        return { ok: false, error: 'not_dialled' };
      }
      await this.#afterChange();
      return { ok: true, callId };
    });
  }

  /** The agent skips their offer: the contact goes back, due again after the retry delay (no attempt counted). */
  async previewSkip(agentId: string, contactId: string): Promise<boolean> {
    return this.#serial(async () => {
      const ctx = await this.#context();
      const offer = this.#offers.ofAgent(agentId);
      if (!ctx || !offer || offer.contact.id !== contactId) return false;
      this.#offers.remove(agentId);
      const next = new Date(Date.now() + retryDelayMs(ctx.settings, ctx.row.retry_delay_minutes)).toISOString();
      await this.env.DB.prepare("UPDATE contacts SET next_attempt_at = ?2 WHERE id = ?1 AND status = 'pending'").bind(contactId, next).run();
      return true;
    });
  }

  // ── The tick ──────────────────────────────────────────────────────────

  override async alarm(): Promise<void> {
    await this.#serial(async () => {
      try {
        await this.#tick();
      } catch (err) {
        // A failed tick (D1 or a stub unreachable) must not stop the campaign: try again next second.
        console.error(JSON.stringify({ msg: 'campaign tick failed', error: String(err) }));
        await this.ctx.storage.setAlarm(Date.now() + TICK_MS);
      }
    });
  }

  async #tick(): Promise<void> {
    const ctx = await this.#context();
    if (!ctx) return;
    const now = Date.now();
    await this.ctx.storage.put('status', ctx.row.status);

    // Calls: settle ended ones whose writes failed, act on passed deadlines, find agents for waiting answers.
    for (const call of this.#calls.open()) {
      if (call.flow.phase === 'ended') {
        if (!call.settled) await this.#settle(ctx, call);
        continue;
      }
      if (call.flow.phase === 'waiting') await this.#findAgent(ctx, call);
      const current = this.#calls.get(call.callId)!;
      const deadline = callDeadline(current.flow, current.phaseSinceMs, { ...LIMITS, ringTimeoutS: ctx.settings.ring_timeout_s });
      if (deadline !== null && now >= deadline) await this.#step(ctx, current, current.flow.phase === 'waiting' ? { kind: 'no_agent' } : { kind: 'deadline', atMs: now });
    }
    this.#calls.prune(now - ENDED_RETENTION_MS);
    await this.#healOrphans(ctx, now);

    this.#nextDialAtMs = null;
    if (ctx.row.status === 'active' && ctx.row.dialing_mode !== 'preview') await this.#dialDue(ctx, now);
    if (ctx.row.status === 'active') {
      const completed = await completeIfDone(this.env, ctx.row, this.#calls.openCount());
      if (completed) {
        this.#events.record(completed);
        await this.ctx.storage.put('completed_sent', true);
      }
    }
    await this.#afterChange();
    await this.#scheduleTick(ctx);
  }

  /**
   * A contact left `dialing`/`connected` with no call of ours (the object stopped between
   * taking it and storing its call) counts as a failed attempt, so nothing stays dialing.
   */
  async #healOrphans(ctx: CampaignContext, now: number): Promise<void> {
    const held = new Set(this.#calls.open().map((c) => c.contactId));
    const stale = await contactsLongInCall(this.env.DB, ctx.row.id, new Date(now - ORPHAN_AFTER_MS).toISOString());
    for (const contact of stale) {
      if (held.has(contact.id)) continue;
      console.warn(JSON.stringify({ msg: 'campaign contact without a call: rescheduled', campaign_id: ctx.row.id, contact_id: contact.id }));
      await settleContactStatement(this.env.DB, contact.id, contactAfterCall('failed', contact.attempts, ctx.row.max_attempts, now, retryDelayMs(ctx.settings, ctx.row.retry_delay_minutes))).run();
    }
  }

  /** Asks the mode how many to dial, the pacer how many it may, and places them. */
  async #dialDue(ctx: CampaignContext, now: number): Promise<void> {
    const { readiness } = await campaignFloor(this.env, ctx.row.tenant_id, ctx.row.id);
    const open = this.#calls.open().filter((c) => c.flow.phase !== 'ended');
    const inFlight = open.filter((c) => c.flow.phase === 'dialing');
    const stats = (await this.ctx.storage.get<DialStats>('stats')) ?? EMPTY_STATS;
    const abandon = (await this.ctx.storage.get<AbandonWindows>('abandon')) ?? emptyAbandonWindows();
    const todayStart = Date.parse(localDayOf(now, ctx.row.timezone).fromIso);
    const snapshot = floorSnapshot(readiness, { inFlightAgesS: inFlight.map((c) => (now - c.dialedAtMs) / 1000), waiting: open.filter((c) => c.flow.phase === 'waiting').length }, stats, abandon, now, Number.isFinite(todayStart) ? todayStart : now - 86_400_000);
    const pacing = (await this.ctx.storage.get<PacingState>('pacing')) ?? initialPacingState(ctx.row.dialing_mode);
    const decision = decideDials(
      ctx.row.dialing_mode,
      snapshot,
      { dialRatio: ctx.row.dial_ratio, abandonTarget: ctx.settings.abandon_target_percent / 100, maxLinesPerAgent: ctx.settings.max_lines_per_agent, ringTimeoutS: ctx.settings.ring_timeout_s },
      pacing,
    );
    await this.ctx.storage.put('pacing', decision.state);
    await this.ctx.storage.put('decision', { dialLevel: decision.dialLevel, reason: decision.reason });
    const wanted = Math.min(decision.dials, MAX_DIALS_PER_TICK);
    if (wanted <= 0) return;

    const nodes = spreadDials(wanted, nodeLoads(readiness, inFlight.map((c) => c.nodeId)));
    if (nodes.length === 0) return;
    const contacts = await dueContacts(this.env.DB, ctx.row.id, new Date(now).toISOString(), nodes.length, this.#offers.contactIds());
    if (contacts.length === 0) return;
    const pacer = tenantPacer(this.env, ctx.row.tenant_id);
    const grant = await pacer.acquire({ ownerId: ctx.row.id, liveNow: open.length, wanted: contacts.length, callsPerSecond: ctx.callsPerSecond, maxConcurrent: ctx.maxConcurrentCalls });
    // The tenant's pace spreads dials (one every 1/CPS s): come back for the rest when the pacer says, not a second later.
    this.#nextDialAtMs = grant.granted < contacts.length ? grant.nextAtMs : null;
    let unused = grant.granted;
    for (const [i, contact] of contacts.slice(0, grant.granted).entries()) {
      if (await placeDial(this.#deps(), ctx, contact, nodes[i]!, null)) unused--;
    }
    if (unused > 0) await pacer.refund(ctx.row.id, unused);
  }

  // ── One call's flow ───────────────────────────────────────────────────

  async #step(ctx: CampaignContext, call: StoredCall, input: CallInput, options: { nodeGone?: boolean } = {}): Promise<void> {
    const before = call.flow.phase;
    const { flow, effects } = stepCall(call.flow, input, { machineAction: ctx.settings.machine_action });
    call.flow = flow;
    if (flow.phase !== before) call.phaseSinceMs = Date.now();
    this.#calls.put(call);
    for (const effect of effects) await this.#effect(ctx, call, effect, options);
  }

  async #effect(ctx: CampaignContext, call: StoredCall, effect: CallEffect, options: { nodeGone?: boolean }): Promise<void> {
    const { row } = ctx;
    const tenantId = row.tenant_id;
    try {
      switch (effect.kind) {
        case 'answered': {
          const answeredAt = new Date(effect.atMs).toISOString();
          this.#events.record(campaignCallAnswered(facts(tenantId, row.id, call), answeredAt, effect.answeredBy));
          if (effect.answeredBy !== 'MACHINE') await this.#updateStats((s) => ({ ...s, liveAnswers: s.liveAnswers + 1, answerDelaySumS: s.answerDelaySumS + Math.max(0, (effect.atMs - call.dialedAtMs) / 1000) }));
          await callAnsweredStatement(this.env.DB, call.callId, answeredAt, effect.answeredBy).run();
          return;
        }
        case 'find_agent':
          await this.#findAgent(ctx, call);
          return;
        case 'connect_agent': {
          const binding = await agentFloor(this.env, tenantId).sipBinding(effect.agentId);
          const ok =
            binding !== null &&
            binding.node_id === call.nodeId &&
            (await this.#send(call, {
              type: 'connect',
              command_id: `${call.connectId}:connect`,
              voice_id: call.callId,
              connect_id: call.connectId,
              from: digits(call.phone),
              to: binding.sip_user,
              ring_timeout_s: AGENT_RING_S,
              target: { kind: 'agent', sip_user: binding.sip_user, realm: binding.realm },
            })) === 'ok';
          if (!ok) await this.#step(ctx, this.#calls.get(call.callId)!, { kind: 'agent_failed' });
          return;
        }
        case 'play':
          await this.#send(call, { type: 'play', command_id: `${call.callId}:play:${effect.message}`, voice_id: call.callId, play: campaignTts(ctx.row.id, ctx.settings.tts_language, effect.message, effect.message === 'abandon' ? ctx.settings.abandon_message : ctx.settings.machine_message) });
          return;
        case 'hangup':
          if (!options.nodeGone) await this.#send(call, { type: 'hangup', command_id: `${call.callId}:hangup`, voice_id: call.callId, cause: effect.cause });
          return;
        case 'release_agent':
          await releaseAgentFromCall(this.env, tenantId, effect.agentId, call.callId);
          return;
        case 'bridged': {
          const fresh = this.#calls.get(call.callId)!;
          fresh.bridgedAgentId = effect.agentId;
          this.#calls.put(fresh);
          call.bridgedAgentId = effect.agentId;
          await this.#recordLiveAnswer(effect.atMs, 'connected');
          await markBridged(this.env.DB, call.callId, effect.agentId);
          await markContactConnected(this.env.DB, call.contactId);
          return;
        }
        case 'ended': {
          const fresh = this.#calls.get(call.callId)!;
          const f = facts(tenantId, row.id, fresh);
          const endedAt = new Date(effect.atMs).toISOString();
          const answeredAt = fresh.flow.answeredAtMs === null ? null : new Date(fresh.flow.answeredAtMs).toISOString();
          if (effect.end.outcome === 'abandoned') {
            this.#events.record(campaignCallAbandoned(f, answeredAt, endedAt));
            await this.#recordLiveAnswer(effect.atMs, 'abandoned');
          }
          this.#events.record(campaignCallCompleted(f, effect.end, historyStatus(effect.end), answeredAt, endedAt));
          await this.#updateStats((s) => ({
            ...s,
            dialsDone: s.dialsDone + 1,
            handled: s.handled + (effect.end.outcome === 'completed' ? 1 : 0),
            handleSumS: s.handleSumS + (effect.end.outcome === 'completed' ? effect.end.talkS : 0),
          }));
          await this.#settle(ctx, fresh);
          return;
        }
      }
    } catch (err) {
      // A failed write is healed by the tick (unsettled calls are settled again; deadlines end stuck phases).
      console.error(JSON.stringify({ msg: 'campaign call effect failed', campaign_id: row.id, call_id: call.callId, effect: effect.kind, error: String(err) }));
    }
  }

  /** A live answer waits for an agent on its node: the longest idle available assigned agent is taken. */
  async #findAgent(ctx: CampaignContext, call: StoredCall): Promise<void> {
    const { readiness } = await campaignFloor(this.env, ctx.row.tenant_id, ctx.row.id);
    const candidates = availableOn(readiness, call.nodeId);
    for (const agent of candidates) {
      const claim = await claimAgentForCall(this.env, ctx.row.tenant_id, agent.agentId, call.callId);
      if (claim.ok) {
        await this.#step(ctx, this.#calls.get(call.callId)!, { kind: 'agent_claimed', agentId: agent.agentId });
        return;
      }
    }
  }

  /** The end written to D1 (row and contact in one batch) and the node slot given back; retried by the tick until done. */
  async #settle(ctx: CampaignContext, call: StoredCall): Promise<void> {
    const end = call.flow.end!;
    const endedAt = new Date(call.flow.endedAtMs ?? Date.now()).toISOString();
    const after = contactAfterCall(end.outcome, call.attempt, ctx.row.max_attempts, call.flow.endedAtMs ?? Date.now(), retryDelayMs(ctx.settings, ctx.row.retry_delay_minutes));
    try {
      await this.env.DB.batch([endCallStatement(this.env.DB, call.callId, end, endedAt), settleContactStatement(this.env.DB, call.contactId, after)]);
      if (!call.slotSettled) await releaseSlots(this.env, this.#owner(ctx.row.id), { [call.nodeId]: 1 });
      call.settled = true;
      this.#calls.put(call);
    } catch (err) {
      console.error(JSON.stringify({ msg: 'campaign call settle failed; will retry', call_id: call.callId, error: String(err) }));
    }
  }

  // ── Bookkeeping ───────────────────────────────────────────────────────

  async #recordLiveAnswer(atMs: number, outcome: 'connected' | 'abandoned'): Promise<void> {
    const w = (await this.ctx.storage.get<AbandonWindows>('abandon')) ?? emptyAbandonWindows();
    await this.ctx.storage.put('abandon', recordLiveAnswer(w, atMs, outcome));
  }

  async #updateStats(change: (s: DialStats) => DialStats): Promise<void> {
    await this.ctx.storage.put('stats', change((await this.ctx.storage.get<DialStats>('stats')) ?? EMPTY_STATS));
  }

  /** Events out, the live count to the tenant's pacer. */
  async #afterChange(): Promise<void> {
    const meta = await this.ctx.storage.get<Meta>('meta');
    if (meta) {
      const open = this.#calls.open().filter((c) => c.flow.phase !== 'ended');
      await reportLiveLegs(this.env, meta.tenantId, meta.campaignId, liveLegsFrom(open.map((c) => c.flow.answeredAtMs !== null)))
        .catch((err: unknown) => console.warn(JSON.stringify({ msg: 'pacer report failed', error: String(err) })));
    }
    await this.#events.flush();
  }

  async #scheduleTick(ctx: CampaignContext): Promise<void> {
    const now = Date.now();
    const busy = this.#calls.openCount() > 0;
    const active = ctx.row.status === 'active';
    const paced = active && this.#nextDialAtMs !== null ? this.#nextDialAtMs : null;
    const candidates = [active || busy ? now + TICK_MS : null, paced, this.#events.nextFlushAt()].filter((t): t is number => t !== null);
    if (candidates.length === 0) return;
    await this.ctx.storage.setAlarm(Math.max(now + 10, Math.min(...candidates)));
  }

  async #context(): Promise<CampaignContext | null> {
    const meta = await this.ctx.storage.get<Meta>('meta');
    return meta ? loadCampaignContext(this.env, meta.tenantId, meta.campaignId) : null;
  }

  #send(call: StoredCall, command: MediaCommand): Promise<CommandOutcome> {
    return sendLegCommand(this.env, call.controlUrl, command);
  }

  #owner(campaignId: string): LegOwner {
    return campaignOwner(campaignId);
  }

  #deps(): DialDeps {
    return { env: this.env, calls: this.#calls, events: this.#events };
  }

  /** One operation at a time: ticks, node events and RPCs interleave only between operations. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }
}

function facts(tenantId: string, campaignId: string, call: StoredCall): CampaignCallFacts {
  return {
    tenantId,
    campaignId,
    callId: call.callId,
    contactId: call.contactId,
    phone: call.phone,
    agentId: call.bridgedAgentId ?? (call.flow.preassigned ? call.flow.agentId : null),
    startedAt: new Date(call.dialedAtMs).toISOString(),
  };
}
