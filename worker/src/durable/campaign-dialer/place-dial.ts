/**
 * One attempt of a campaign contact, from the decision to dial to the node
 * taking the originate: compliance (a block sends call.compliance_blocked and
 * reschedules or finalises the contact: nothing dialled, no attempt counted),
 * the contact taken, a slot on the chosen node, the calls row and the stored
 * call, then the originate; anything refused on the way is taken back.
 */
import type { Env } from '../../env.ts';
import { sendNodeCommands } from '../../media-dispatch/node-client.ts';
import { mediaFleet } from '../stubs.ts';
import { campaignOwner } from '../media-fleet/leg-owners.ts';
import { deleteCallRow, insertCallRows } from '../../legs/call-history.ts';
import { releaseSlots } from '../../legs/node-slots.ts';
import { digits } from '../../legs/number-forms.ts';
import type { StoredEventQueue } from '../../dialer-events/stored-event-queue.ts';
import { checkCompliance, complianceBlockedEvent } from '../../compliance/index.ts';
import { uuidv7 } from '../../ids/uuid-v7.ts';
import { chooseCallerId } from '../../originate/caller-id-choice.ts';
import { retryDelayMs } from '../../campaigns/dialer-settings.ts';
import { startCall } from '../../campaigns/engine/call-flow.ts';
import { contactAfterBlock } from '../../campaigns/engine/contact-after.ts';
import { campaignTts } from '../../campaigns/engine/campaign-messages.ts';
import { fallbackJurisdiction } from '../../campaigns/engine/calling-jurisdiction.ts';
import { campaignCallInitiated } from '../../campaigns/engine/campaign-call-events.ts';
import type { CallStore, StoredCall } from './call-store.ts';
import { settleContactStatement, takeContact, untakeContact, type DueContact } from './contact-rows.ts';
import type { CampaignContext } from './campaign-context.ts';

export interface DialDeps {
  env: Env;
  calls: CallStore;
  events: StoredEventQueue;
}

/** The longest a campaign call may last; the node ends the leg there too. */
export const MAX_CALL_S = 3600;

/**
 * One attempt: compliance (blocked → the event and the contact rescheduled
 * or finalised, nothing dialled), the contact taken, a slot on the node, the
 * calls row, then the originate. Answers whether a leg was placed.
 */
export async function placeDial(deps: DialDeps, ctx: CampaignContext, contact: DueContact, nodeId: string, preview: { callId: string; agentId: string } | null): Promise<boolean> {
  const { row } = ctx;
  const callId = preview?.callId ?? uuidv7();
  const cli = chooseCallerId(ctx.cliNumbers, contact.phone);
  const now = Date.now();
  const jurisdiction = fallbackJurisdiction(contact.phone, row.timezone);
  const compliance = await checkCompliance(deps.env, {
    tenantId: row.tenant_id,
    phone: contact.phone,
    ...(jurisdiction ? { jurisdiction } : {}),
    campaignId: row.id,
    cli,
    context: 'campaign',
    subject: row.id,
  });
  if (!compliance.allowed || cli === null) {
    deps.events.record(complianceBlockedEvent({ tenantId: row.tenant_id, callId, campaignId: row.id, agentId: preview?.agentId ?? null }, compliance));
    const after = contactAfterBlock(compliance.blockingRule, now, retryDelayMs(ctx.settings, row.retry_delay_minutes));
    await settleContactStatement(deps.env.DB, contact.id, after).run();
    return false;
  }
  const taken = await takeContact(deps.env.DB, contact.id, new Date(now).toISOString());
  if (!taken) return false;
  const owner = campaignOwner(row.id);
  const slot = await mediaFleet(deps.env).reserveOn(owner, nodeId);
  if (!slot) {
    await untakeContact(deps.env.DB, contact.id);
    return false;
  }
  const startedAt = new Date(now).toISOString();
  const call: StoredCall = {
    callId,
    contactId: contact.id,
    phone: contact.phone,
    cli,
    attempt: taken.attempts,
    nodeId: slot.nodeId,
    controlUrl: slot.controlUrl,
    boot: null,
    dialedAtMs: now,
    phaseSinceMs: now,
    lastSeq: 0,
    connectId: crypto.randomUUID(),
    bridgedAgentId: null,
    flow: startCall(preview?.agentId ?? null),
    settled: false,
    unannounced: true,
  };
  await insertCallRows(deps.env.DB, [
    { id: callId, tenantId: row.tenant_id, campaignId: row.id, contactId: contact.id, agentId: preview?.agentId ?? null, contactPhone: contact.phone, fromNumber: cli, status: 'in_progress', mediaNodeId: slot.nodeId, startedAt },
  ]);
  deps.calls.put(call);
  const [result] = await sendNodeCommands(slot.controlUrl, deps.env.MEDIA_SHARED_SECRET, [
    {
      type: 'originate',
      command_id: `${callId}:originate`,
      voice_id: callId,
      owner,
      from: digits(cli),
      to: digits(contact.phone),
      play: campaignTts(ctx.row.id, ctx.settings.tts_language, 'hold', 'Please hold.'),
      amd: ctx.settings.amd,
      ring_timeout_s: ctx.settings.ring_timeout_s,
      max_duration_s: MAX_CALL_S,
    },
  ]);
  if (!result?.ok) {
    console.warn(JSON.stringify({ msg: 'campaign originate refused', campaign_id: row.id, call_id: callId, node_id: slot.nodeId, error: result?.error }));
    deps.calls.delete(callId);
    await deleteCallRow(deps.env.DB, callId);
    await untakeContact(deps.env.DB, contact.id);
    await releaseSlots(deps.env, owner, { [slot.nodeId]: 1 });
    return false;
  }
  // The call marked announced and call.initiated queued in one step (no await between: one storage transaction).
  const placed = deps.calls.get(callId);
  if (placed) {
    if (result.boot) placed.boot = result.boot;
    delete placed.unannounced;
    deps.calls.put(placed);
  }
  deps.events.record(campaignCallInitiated({ tenantId: row.tenant_id, campaignId: row.id, callId, contactId: contact.id, phone: contact.phone, agentId: preview?.agentId ?? null, startedAt }));
  return true;
}
