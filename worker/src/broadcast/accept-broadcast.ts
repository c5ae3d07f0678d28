/**
 * Acceptance of a validated broadcast: sort recipients into buckets, record
 * the broadcast in D1, hand it to its BroadcastSession (create → addLegs in
 * batches → start) and build the documented 200 body. Dialling happens later,
 * paced by the session; nothing here waits on a call.
 *
 * The response echoes the client's own JSON values (`to`, `play`,
 * `custom_data`), not zod's copies, so what the client sent is what it sees;
 * the session gets the validated plays, reduced to the fields it understands.
 *
 * Acceptance is all or nothing: if handing the broadcast to its session fails
 * before dispatch begins, the session and the D1 row are both removed.
 */
import type { Env, AppPrincipal } from '../env.ts';
import { database } from '../db/client.ts';
import { broadcasts } from '../db/schema.ts';
import { Problems } from '../errors/problem.ts';
import { loadTenantSettings } from '../account/tenant-settings.ts';
import { BASIC_CHALLENGE } from '../middleware/app-auth/index.ts';
import { eq } from 'drizzle-orm';
import type { BroadcastInit, RecipientInput } from '../durable/broadcast-session/contract.ts';
import type { BroadcastSession } from '../durable/broadcast-session/index.ts';
import { bucketRecipients } from './recipient-buckets.ts';
import { dncMatches } from './dnc-lookup.ts';
import { batchesOf, legSizeEstimate } from './leg-batches.ts';
import type { ValidBroadcast } from './validate-request.ts';
import { broadcastSession } from '../durable/stubs.ts';

/** The request body as the client sent it (JSON.parse output), already validated. */
export interface OriginalBody {
  recipients: Array<{ to: string; play: unknown }>;
  custom_data?: unknown;
}

export interface Acceptance {
  broadcastId: string;
  principal: AppPrincipal;
  valid: ValidBroadcast;
  original: OriginalBody;
}

/** Returns the 200 body as JSON text: the same bytes go to the client and to the idempotency store. */
export async function acceptBroadcast(env: Env, { broadcastId, principal, valid, original }: Acceptance): Promise<string> {
  const { request, phones } = valid;
  const tenant = await loadTenantSettings(env, principal.tenantId);
  if (!tenant) throw Problems.unauthorized('The app belongs to no tenant.', BASIC_CHALLENGE);

  const dnc = await dncMatches(env.DB, tenant.tenantId, phones.map((p) => p.e164));
  const buckets = bucketRecipients(phones, dnc, tenant.allowedCountries === null ? null : new Set(tenant.allowedCountries));
  const forSession = (i: number): RecipientInput => ({ to: request.recipients[i]!.to, play: request.recipients[i]!.play });
  const echo = (i: number) => ({ to: original.recipients[i]!.to, play: original.recipients[i]!.play as RecipientInput['play'] });
  const acceptedAt = new Date().toISOString();

  await database(env.DB).insert(broadcasts).values({
    id: broadcastId,
    tenantId: tenant.tenantId,
    appId: principal.appId,
    name: request.name,
    ownerRef: request.owner_ref,
    fromNumber: request.from,
    amd: request.answering_machine_detection,
    eventUrl: request.event_url,
    callHandlerUrl: request.call_handler_url,
    customData: original.custom_data === undefined ? null : JSON.stringify(original.custom_data),
    status: 'accepted',
    dialledCount: buckets.initiated.length,
    blacklistedCount: buckets.blacklisted.length,
    countryNotAllowedCount: buckets.countryNotAllowed.length,
    createdAt: acceptedAt,
  });

  // Even a broadcast with every recipient filtered gets a session: it completes at
  // once and sends broadcastcall_complete, so the client's webhook flow never forks.
  const init: BroadcastInit = {
    broadcastId,
    tenantId: tenant.tenantId,
    appId: principal.appId,
    name: request.name,
    ownerRef: request.owner_ref,
    from: request.from,
    amd: request.answering_machine_detection,
    eventUrl: request.event_url,
    callHandlerUrl: request.call_handler_url,
    customData: original.custom_data,
    webhookSecret: principal.webhookSecret,
    idleTimeoutS: request.idle_timeout,
    maxCallDurationS: request.max_call_duration,
    ringTimeoutS: request.ring_timeout,
    callsPerSecond: tenant.callsPerSecond,
    maxConcurrentCalls: tenant.maxConcurrentCalls,
    // Filtered recipients are echoed in broadcastcall_complete exactly as in this response.
    blacklisted: buckets.blacklisted.map(echo),
    countryNotAllowed: buckets.countryNotAllowed.map(echo),
    acceptedAt,
  };
  // Leg index = the recipient's position in the request, so dispatch follows request order.
  const legs = buckets.initiated.map((i) => ({ index: i, ...forSession(i) }));
  const session = broadcastSession(env, broadcastId);
  try {
    await handOver(session, init, legs);
  } catch (err) {
    await forgetBroadcast(env, session, broadcastId);
    throw err;
  }

  const body: Record<string, unknown> = {
    broadcast_id: broadcastId,
    state: 'broadcastcall_initiated',
    from: request.from,
    to: {
      call_initiated: buckets.initiated.map(echo),
      call_blacklisted: buckets.blacklisted.map(echo),
      country_not_allowed: buckets.countryNotAllowed.map(echo),
    },
  };
  if (original.custom_data !== undefined) body.custom_data = original.custom_data;
  body.timestamp = acceptedAt;
  return JSON.stringify(body);
}

type Session = DurableObjectStub<BroadcastSession>;

async function handOver(session: Session, init: BroadcastInit, legs: Array<RecipientInput & { index: number }>): Promise<void> {
  await session.create(init);
  for (const batch of batchesOf(legs, legSizeEstimate)) await session.addLegs(batch);
  await session.start();
}

/**
 * Acceptance failed after the D1 row was written: undo it, so no broadcast is
 * left `accepted` with no session behind it (GET would 404 on it forever).
 * A session that already began dispatch is live and keeps its row.
 */
async function forgetBroadcast(env: Env, session: Session, broadcastId: string): Promise<void> {
  try {
    const discarded = await session.discard();
    if (discarded) await database(env.DB).delete(broadcasts).where(eq(broadcasts.id, broadcastId));
  } catch (cleanupErr) {
    // The acceptance error is the one the client must see; this one is for the operator.
    console.error(JSON.stringify({ msg: 'broadcast cleanup failed', broadcast_id: broadcastId, error: String(cleanupErr) }));
  }
}
