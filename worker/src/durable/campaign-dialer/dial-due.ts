/**
 * The dial decision of one tick: the floor and the calls in flight as a
 * FloorSnapshot, the campaign's dialing mode asked how many to dial
 * (campaigns/dialing-modes, the same code the bench drives), the dials
 * spread over the nodes of available agents, due contacts taken from D1 in
 * one small page, the tenant's pacer asked how many may leave now, and each
 * placed (place-dial.ts). Also the orphan heal: a contact marked in a call
 * that this object holds no call for is rescheduled, so none stays dialing.
 */
import { localDayOf } from '../../calls/local-day.ts';
import { campaignFloor } from '../../campaigns/assignment/floor-readiness.ts';
import { retryDelayMs } from '../../campaigns/dialer-settings.ts';
import { decideDials } from '../../campaigns/dialing-modes/index.ts';
import { contactAfterCall } from '../../campaigns/engine/contact-after.ts';
import { floorSnapshot } from '../../campaigns/engine/floor-snapshot.ts';
import { nodeLoads, spreadDials } from '../../campaigns/engine/node-spread.ts';
import { tenantPacer } from '../stubs.ts';
import type { CampaignContext } from './campaign-context.ts';
import { contactsLongInCall, dueContacts, settleContactStatement } from './contact-rows.ts';
import type { DialerParts } from './dialer-parts.ts';
import { placeDial } from './place-dial.ts';

/** Most dials placed in one tick (the rest wait for the next second). */
const MAX_DIALS_PER_TICK = 20;
/** A contact in a call this long without a call in the object is an orphan (longer than any call's guards). */
const ORPHAN_AFTER_MS = 2 * 3600_000;

/**
 * Asks the mode how many to dial, the pacer how many it may, and places them.
 * Answers when the pacer can grant the dials it could not this time (null: none waiting).
 */
export async function dialDue(p: DialerParts, ctx: CampaignContext, now: number): Promise<number | null> {
  const { readiness } = await campaignFloor(p.env, ctx.row.tenant_id, ctx.row.id);
  const open = p.calls.open().filter((c) => c.flow.phase !== 'ended');
  const inFlight = open.filter((c) => c.flow.phase === 'dialing');
  const stats = await p.figures.stats();
  const abandon = await p.figures.abandon();
  const todayStart = Date.parse(localDayOf(now, ctx.row.timezone).fromIso);
  const snapshot = floorSnapshot(readiness, { inFlightAgesS: inFlight.map((c) => (now - c.dialedAtMs) / 1000), waiting: open.filter((c) => c.flow.phase === 'waiting').length }, stats, abandon, now, Number.isFinite(todayStart) ? todayStart : now - 86_400_000);
  const decision = decideDials(
    ctx.row.dialing_mode,
    snapshot,
    { dialRatio: ctx.row.dial_ratio, abandonTarget: ctx.settings.abandon_target_percent / 100, maxLinesPerAgent: ctx.settings.max_lines_per_agent, ringTimeoutS: ctx.settings.ring_timeout_s },
    await p.figures.pacing(ctx.row.dialing_mode),
  );
  await p.figures.decided(decision);
  const wanted = Math.min(decision.dials, MAX_DIALS_PER_TICK);
  if (wanted <= 0) return null;

  const nodes = spreadDials(wanted, nodeLoads(readiness, inFlight.map((c) => c.nodeId)));
  if (nodes.length === 0) return null;
  const contacts = await dueContacts(p.env.DB, ctx.row.id, new Date(now).toISOString(), nodes.length, p.offers.contactIds());
  if (contacts.length === 0) return null;
  const pacer = tenantPacer(p.env, ctx.row.tenant_id);
  const grant = await pacer.acquire({ ownerId: ctx.row.id, liveNow: open.length, wanted: contacts.length, callsPerSecond: ctx.callsPerSecond, maxConcurrent: ctx.maxConcurrentCalls });
  let unused = grant.granted;
  for (const [i, contact] of contacts.slice(0, grant.granted).entries()) {
    if (await placeDial(p, ctx, contact, nodes[i]!, null)) unused--;
  }
  if (unused > 0) await pacer.refund(ctx.row.id, unused);
  // The tenant's pace spreads dials (one every 1/CPS s): come back for the rest when the pacer says, not a second later.
  return grant.granted < contacts.length ? grant.nextAtMs : null;
}

/**
 * A contact left `dialing`/`connected` with no call of ours (the object stopped between
 * taking it and storing its call) counts as a failed attempt, so nothing stays dialing.
 */
export async function healOrphans(p: DialerParts, ctx: CampaignContext, now: number): Promise<void> {
  const held = new Set(p.calls.open().map((c) => c.contactId));
  const stale = await contactsLongInCall(p.env.DB, ctx.row.id, new Date(now - ORPHAN_AFTER_MS).toISOString());
  for (const contact of stale) {
    if (held.has(contact.id)) continue;
    console.warn(JSON.stringify({ msg: 'campaign contact without a call: rescheduled', campaign_id: ctx.row.id, contact_id: contact.id }));
    await settleContactStatement(p.env.DB, contact.id, contactAfterCall('failed', contact.attempts, ctx.row.max_attempts, now, retryDelayMs(ctx.settings, ctx.row.retry_delay_minutes))).run();
  }
}
