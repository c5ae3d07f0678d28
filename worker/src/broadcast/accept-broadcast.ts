/**
 * Acceptance of a validated broadcast: sort recipients into buckets, record
 * the broadcast in D1, hand it to its BroadcastSession (create → addLegs in
 * batches → start) and build the documented 200 body. Dialling happens later,
 * paced by the session; nothing here waits on a call.
 *
 * The response echoes the client's own JSON values (`to`, `play`,
 * `custom_data`), not zod's copies, so what the client sent is what it sees;
 * the session gets the validated plays, reduced to the fields it understands.
 */
import type { Env, AppPrincipal } from '../env.ts';
import { database } from '../db/client.ts';
import { broadcasts } from '../db/schema.ts';
import { Problems } from '../errors/problem.ts';
import { loadTenantSettings } from '../account/tenant-settings.ts';
import { BASIC_CHALLENGE } from '../middleware/app-auth/index.ts';
import type { RecipientInput } from '../durable/broadcast-session/contract.ts';
import { bucketRecipients } from './recipient-buckets.ts';
import { dncMatches } from './dnc-lookup.ts';
import { batchesOf, legSizeEstimate } from './leg-batches.ts';
import type { ValidBroadcast } from './validate-request.ts';

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
  const session = env.BROADCAST_SESSION.get(env.BROADCAST_SESSION.idFromName(broadcastId));
  await session.create({
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
  });
  // Leg index = the recipient's position in the request, so dispatch follows request order.
  const legs = buckets.initiated.map((i) => ({ index: i, ...forSession(i) }));
  for (const batch of batchesOf(legs, legSizeEstimate)) await session.addLegs(batch);
  await session.start();

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
