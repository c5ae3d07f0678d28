/**
 * One campaign call stepped: a fact (a node event, a timer, an agent claim)
 * into its pure flow (campaigns/engine/call-flow.ts), then each effect the
 * flow asks for carried out: node commands, the calls row, call.* events,
 * agents claimed and released, the running figures, and at the end the
 * settle (the row and the contact in one D1 batch, the node slot back),
 * retried by the tick until it holds. A failed effect is logged and healed
 * by the tick (tendCalls: unsettled calls are settled again; deadlines end
 * stuck phases).
 */
import { claimAgentForCall, releaseAgentFromCall } from '../../agents/agent-on-call.ts';
import { availableOn } from '../../campaigns/assignment/agent-readiness.ts';
import { campaignFloor } from '../../campaigns/assignment/floor-readiness.ts';
import { retryDelayMs } from '../../campaigns/dialer-settings.ts';
import { campaignCallAbandoned, campaignCallAnswered, campaignCallCompleted, campaignCallInitiated, type CampaignCallFacts } from '../../campaigns/engine/campaign-call-events.ts';
import { campaignTts } from '../../campaigns/engine/campaign-messages.ts';
import { callDeadline, stepCall, type CallEffect, type CallInput, type CallLimits } from '../../campaigns/engine/call-flow.ts';
import { contactAfterCall } from '../../campaigns/engine/contact-after.ts';
import { callAnsweredStatement } from '../../legs/call-history.ts';
import { sendLegCommand, type CommandOutcome } from '../../legs/leg-command.ts';
import { releaseSlots } from '../../legs/node-slots.ts';
import { digits } from '../../legs/number-forms.ts';
import type { MediaCommand } from '../../media-protocol/index.ts';
import { campaignOwner } from '../media-fleet/leg-owners.ts';
import { agentFloor } from '../stubs.ts';
import type { CampaignContext } from './campaign-context.ts';
import type { StoredCall } from './call-store.ts';
import { endCallStatement, historyStatus, markBridged } from './call-rows.ts';
import { markContactConnected, settleContactStatement } from './contact-rows.ts';
import type { DialerParts } from './dialer-parts.ts';
import { MAX_CALL_S } from './place-dial.ts';

/** How long an agent's phone rings for a campaign call. */
const AGENT_RING_S = 15;
const LIMITS: Omit<CallLimits, 'ringTimeoutS'> = { agentWaitS: 2, agentRingS: AGENT_RING_S, maxCallS: MAX_CALL_S, messageMaxS: 60, graceS: 30, hangupConfirmS: 15 };
/** Ended calls are kept this long for late node events. */
const ENDED_RETENTION_MS = 10 * 60_000;

export interface StepOptions {
  /** The node is gone: no command can reach it (nor needs to). */
  nodeGone?: boolean;
  /**
   * A live answer is left waiting here; the caller (a batch of node events) looks for its agent once the batch is
   * applied, when it knows whether the customer is still there.
   */
  agentSearchAfterBatch?: boolean;
}

export async function stepCampaignCall(p: DialerParts, ctx: CampaignContext, call: StoredCall, input: CallInput, options: StepOptions = {}): Promise<void> {
  const before = call.flow.phase;
  const { flow, effects } = stepCall(call.flow, input, { machineAction: ctx.settings.machine_action });
  call.flow = flow;
  if (flow.phase !== before) call.phaseSinceMs = Date.now();
  p.calls.put(call);
  for (const effect of effects) await carryOut(p, ctx, call, effect, options);
}

async function carryOut(p: DialerParts, ctx: CampaignContext, call: StoredCall, effect: CallEffect, options: StepOptions): Promise<void> {
  const { row } = ctx;
  const tenantId = row.tenant_id;
  try {
    switch (effect.kind) {
      case 'answered': {
        const answeredAt = new Date(effect.atMs).toISOString();
        p.events.record(campaignCallAnswered(facts(tenantId, row.id, call), answeredAt, effect.answeredBy));
        if (effect.answeredBy !== 'MACHINE') await p.figures.updateStats((s) => ({ ...s, liveAnswers: s.liveAnswers + 1, answerDelaySumS: s.answerDelaySumS + Math.max(0, (effect.atMs - call.dialedAtMs) / 1000) }));
        await callAnsweredStatement(p.env.DB, call.callId, answeredAt, effect.answeredBy).run();
        return;
      }
      case 'find_agent':
        if (!options.agentSearchAfterBatch) await findAgent(p, ctx, call);
        return;
      case 'connect_agent': {
        const binding = await agentFloor(p.env, tenantId).sipBinding(effect.agentId);
        const ok =
          binding !== null &&
          binding.node_id === call.nodeId &&
          (await send(p, call, {
            type: 'connect',
            command_id: `${call.connectId}:connect`,
            voice_id: call.callId,
            connect_id: call.connectId,
            from: digits(call.phone),
            to: binding.sip_user,
            ring_timeout_s: AGENT_RING_S,
            target: { kind: 'agent', sip_user: binding.sip_user, realm: binding.realm },
          })) === 'ok';
        if (!ok) await stepCampaignCall(p, ctx, p.calls.get(call.callId)!, { kind: 'agent_failed' });
        return;
      }
      case 'play':
        await send(p, call, { type: 'play', command_id: `${call.callId}:play:${effect.message}`, voice_id: call.callId, play: campaignTts(ctx.row.id, ctx.settings.tts_language, effect.message, effect.message === 'abandon' ? ctx.settings.abandon_message : ctx.settings.machine_message) });
        return;
      case 'hangup':
        if (!options.nodeGone) await send(p, call, { type: 'hangup', command_id: `${call.callId}:hangup`, voice_id: call.callId, cause: effect.cause });
        return;
      case 'release_agent':
        await releaseAgentFromCall(p.env, tenantId, effect.agentId, call.callId);
        return;
      case 'bridged': {
        const fresh = p.calls.get(call.callId)!;
        fresh.bridgedAgentId = effect.agentId;
        p.calls.put(fresh);
        call.bridgedAgentId = effect.agentId;
        await p.figures.recordLiveAnswer(effect.atMs, 'connected');
        await markBridged(p.env.DB, call.callId, effect.agentId);
        await markContactConnected(p.env.DB, call.contactId);
        return;
      }
      case 'ended': {
        const fresh = p.calls.get(call.callId)!;
        const f = facts(tenantId, row.id, fresh);
        const endedAt = new Date(effect.atMs).toISOString();
        const answeredAt = fresh.flow.answeredAtMs === null ? null : new Date(fresh.flow.answeredAtMs).toISOString();
        if (effect.end.outcome === 'abandoned') {
          p.events.record(campaignCallAbandoned(f, answeredAt, endedAt));
          await p.figures.recordLiveAnswer(effect.atMs, 'abandoned');
        }
        p.events.record(campaignCallCompleted(f, effect.end, historyStatus(effect.end), answeredAt, endedAt));
        await p.figures.updateStats((s) => ({
          ...s,
          dialsDone: s.dialsDone + 1,
          handled: s.handled + (effect.end.outcome === 'completed' ? 1 : 0),
          handleSumS: s.handleSumS + (effect.end.outcome === 'completed' ? effect.end.talkS : 0),
        }));
        await settleCall(p, ctx, fresh);
        return;
      }
    }
  } catch (err) {
    // A failed write is healed by the tick (unsettled calls are settled again; deadlines end stuck phases).
    console.error(JSON.stringify({ msg: 'campaign call effect failed', campaign_id: row.id, call_id: call.callId, effect: effect.kind, error: String(err) }));
  }
}

/**
 * The node took the originate but the object never saw its answer (it died waiting, e.g. a Worker restart): the
 * call's first node event is the proof, so call.initiated is queued now, before what the event itself raises.
 */
export function announceIfUnannounced(p: DialerParts, ctx: CampaignContext, call: StoredCall): void {
  if (!call.unannounced) return;
  delete call.unannounced;
  p.calls.put(call);
  p.events.record(campaignCallInitiated(facts(ctx.row.tenant_id, ctx.row.id, call)));
}

/** Each tick: settle ended calls whose writes failed, find agents for waiting answers, act on passed deadlines, forget old ended calls. */
export async function tendCalls(p: DialerParts, ctx: CampaignContext, now: number): Promise<void> {
  for (const call of p.calls.open()) {
    if (call.flow.phase === 'ended') {
      if (!call.settled) await settleCall(p, ctx, call);
      continue;
    }
    if (call.flow.phase === 'waiting') await findAgent(p, ctx, call);
    const current = p.calls.get(call.callId)!;
    const deadline = callDeadline(current.flow, current.phaseSinceMs, { ...LIMITS, ringTimeoutS: ctx.settings.ring_timeout_s });
    if (deadline !== null && now >= deadline) await stepCampaignCall(p, ctx, current, current.flow.phase === 'waiting' ? { kind: 'no_agent' } : { kind: 'deadline', atMs: now });
  }
  p.calls.prune(now - ENDED_RETENTION_MS);
}

/** A live answer waits for an agent on its node: the longest idle available assigned agent is taken. */
export async function findAgent(p: DialerParts, ctx: CampaignContext, call: StoredCall): Promise<void> {
  const { readiness } = await campaignFloor(p.env, ctx.row.tenant_id, ctx.row.id);
  const candidates = availableOn(readiness, call.nodeId);
  for (const agent of candidates) {
    const claim = await claimAgentForCall(p.env, ctx.row.tenant_id, agent.agentId, call.callId);
    if (claim.ok) {
      await stepCampaignCall(p, ctx, p.calls.get(call.callId)!, { kind: 'agent_claimed', agentId: agent.agentId });
      return;
    }
  }
}

/** The end written to D1 (row and contact in one batch) and the node slot given back; retried by the tick until done. */
export async function settleCall(p: DialerParts, ctx: CampaignContext, call: StoredCall): Promise<void> {
  const end = call.flow.end!;
  const endedAt = new Date(call.flow.endedAtMs ?? Date.now()).toISOString();
  const after = contactAfterCall(end.outcome, call.attempt, ctx.row.max_attempts, call.flow.endedAtMs ?? Date.now(), retryDelayMs(ctx.settings, ctx.row.retry_delay_minutes));
  try {
    await p.env.DB.batch([endCallStatement(p.env.DB, call.callId, end, endedAt), settleContactStatement(p.env.DB, call.contactId, after)]);
    if (!call.slotSettled) await releaseSlots(p.env, campaignOwner(ctx.row.id), { [call.nodeId]: 1 });
    call.settled = true;
    p.calls.put(call);
  } catch (err) {
    console.error(JSON.stringify({ msg: 'campaign call settle failed; will retry', call_id: call.callId, error: String(err) }));
  }
}

function send(p: DialerParts, call: StoredCall, command: MediaCommand): Promise<CommandOutcome> {
  return sendLegCommand(p.env, call.controlUrl, command);
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
