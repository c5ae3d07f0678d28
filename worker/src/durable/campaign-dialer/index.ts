/**
 * CampaignDialer: one Durable Object per campaign (named by its id), the
 * owner (`campaign`) of the campaign's customer legs. An alarm-driven tick
 * (every second while it has work) asks the campaign's dialing mode how many
 * to dial, takes that many due contacts from D1, passes each through the
 * compliance engine and the tenant's pacer, and places the customer leg on
 * the media node of an available assigned agent. Node events step each
 * call's pure flow (campaigns/engine/call-flow.ts). The class wires its
 * modules to its RPCs and alarm: dial-due.ts (how many, which contacts,
 * the pacer), place-dial.ts (one attempt), call-steps.ts (a call's flow and
 * its effects), dialer-figures.ts (running figures), with the parts every
 * leg owner shares from worker/src/legs/ (docs/legs.md).
 * docs/campaign-engine.md describes the whole.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env.ts';
import type { EventResult, MediaEvent } from '../../media-protocol/index.ts';
import { reconcileLegs, type LegOnRecord, type NodeLegsReport } from '../media-fleet/leg-reconciliation.ts';
import { applyInOrder } from '../../legs/event-order.ts';
import { endsWithNode } from '../../legs/node-loss.ts';
import { liveLegsFrom, reportLiveLegs } from '../../legs/live-report.ts';
import { StoredEventQueue } from '../../dialer-events/stored-event-queue.ts';
import { claimAgentForCall, releaseAgentFromCall } from '../../agents/agent-on-call.ts';
import { uuidv7 } from '../../ids/uuid-v7.ts';
import { abandonFigures } from '../../campaigns/abandon-windows.ts';
import { retryDelayMs } from '../../campaigns/dialer-settings.ts';
import { callInputOf } from '../../campaigns/engine/node-event-input.ts';
import { CallStore, type StoredCall } from './call-store.ts';
import { dueContacts } from './contact-rows.ts';
import { loadCampaignContext, type CampaignContext } from './campaign-context.ts';
import { completeIfDone } from './completion.ts';
import { PreviewOffers, type PreviewOffer } from './preview-offers.ts';
import { placeDial } from './place-dial.ts';
import { DialerFigures } from './dialer-figures.ts';
import type { DialerParts } from './dialer-parts.ts';
import { announceIfUnannounced, findAgent, stepCampaignCall, tendCalls } from './call-steps.ts';
import { dialDue, healOrphans } from './dial-due.ts';

const TICK_MS = 1_000;

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
  #parts: DialerParts;
  #lock: Promise<unknown> = Promise.resolve();
  /** When the tenant's pacer can grant the dials this tick could not place. */
  #nextDialAtMs: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#calls = new CallStore(ctx.storage.sql);
    this.#offers = new PreviewOffers(ctx.storage.sql);
    this.#events = new StoredEventQueue(ctx.storage.sql, env);
    this.#parts = { env, calls: this.#calls, events: this.#events, offers: this.#offers, figures: new DialerFigures(ctx.storage) };
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
      const stepped = new Set<string>();
      const results = await applyInOrder(events, {
        find: (voiceId) => (ctx ? this.#calls.get(voiceId) : null),
        lastSeq: (call) => call.lastSeq,
        apply: async (call, ev) => {
          call.lastSeq = ev.seq;
          announceIfUnannounced(this.#parts, ctx!, call);
          const input = callInputOf(ev, call.connectId);
          // An answer is offered to an agent only once the whole batch is applied: the same batch may say the
          // customer has hung up already (answered and gone while the Worker was down), and then nobody is claimed.
          if (input) await stepCampaignCall(this.#parts, ctx!, call, input, { agentSearchAfterBatch: true });
          else this.#calls.put(call);
          stepped.add(call.callId);
        },
      });
      for (const callId of stepped) {
        const call = this.#calls.get(callId);
        if (call?.flow.phase === 'waiting') await findAgent(this.#parts, ctx!, call);
      }
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
        await stepCampaignCall(this.#parts, ctx, call, { kind: 'node_lost', atMs: Date.now() }, { nodeGone: true });
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
            await stepCampaignCall(this.#parts, ctx, call, { kind: 'node_lost', atMs: Date.now() }, { nodeGone: true });
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
    const decision = await this.#parts.figures.lastDecision();
    const abandon = await this.#parts.figures.abandon();
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
      const placed = await placeDial(this.#parts, ctx, offer.contact, claim.binding.node_id, { callId, agentId });
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

    await tendCalls(this.#parts, ctx, now);
    await healOrphans(this.#parts, ctx, now);

    this.#nextDialAtMs = ctx.row.status === 'active' && ctx.row.dialing_mode !== 'preview' ? await dialDue(this.#parts, ctx, now) : null;
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

  /** One operation at a time: ticks, node events and RPCs interleave only between operations. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }
}
