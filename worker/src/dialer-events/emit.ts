/**
 * The one door through which anything in the Worker raises a dialer-API
 * webhook event (spec "Webhooks": call.*, agent.state_changed, campaign.*,
 * dnc.added). Callers describe what happened; delivery (subscriptions, the
 * envelope, signing, retries) belongs to the tenant's TenantEvents object.
 *
 * Events nobody subscribed to are dropped here, before any Durable Object
 * call or storage write (interest.ts). The rest get their event_id now and
 * are handed over in order, so events raised in order for one correlation_id
 * are delivered in that order. Throws if the outbox cannot take them: the
 * caller decides whether its own work should fail with it.
 *
 * Every event (subscribed or not) also goes to the tenant's live wallboard
 * feed first (wallboard/publish.ts), which never throws.
 */
import type { Env } from '../env.ts';
import { tenantEvents } from '../durable/stubs.ts';
import { filterAccepts, isDialerEventType, type DialerEventType } from './catalog.ts';
import { prepareEvent } from './envelope.ts';
import { interestOf } from './interest.ts';
import { feedEventsOf, publishToWallboard } from '../wallboard/publish.ts';

export type { DialerEventType } from './catalog.ts';

export interface DialerEvent {
  type: DialerEventType;
  tenantId: string;
  /** The envelope's correlation_id: the call id for call.*, the campaign id for campaign.*, … */
  correlationId: string;
  /** The envelope's payload, exactly as subscribers receive it. */
  payload: Record<string, unknown>;
  /** ISO 8601 UTC; defaults to now. */
  occurredAt?: string;
  /** The envelope's event_id; minted here (UUIDv7) unless the caller fixed it to make a re-raise idempotent. */
  eventId?: string;
}

/** Events per Durable Object call: keeps one call's argument small whatever the caller passes. */
const ENQUEUE_CHUNK = 500;

export async function emitDialerEvents(env: Env, events: DialerEvent[]): Promise<void> {
  const byTenant = new Map<string, DialerEvent[]>();
  for (const event of events) {
    if (!isDialerEventType(event.type)) throw new TypeError(`unknown dialer event type "${event.type}"`);
    const list = byTenant.get(event.tenantId) ?? [];
    list.push(event);
    byTenant.set(event.tenantId, list);
  }
  for (const [tenantId, list] of byTenant) {
    await publishToWallboard(env, tenantId, feedEventsOf(list));
    const interest = await interestOf(env, tenantId);
    const wanted = list.filter((e) => filterAccepts(interest, e.type));
    if (wanted.length === 0) continue;
    const prepared = wanted.map((e) => prepareEvent(e));
    const stub = tenantEvents(env, tenantId);
    for (let i = 0; i < prepared.length; i += ENQUEUE_CHUNK) await stub.enqueue(tenantId, prepared.slice(i, i + ENQUEUE_CHUNK));
  }
}
