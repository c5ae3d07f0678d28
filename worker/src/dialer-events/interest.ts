/**
 * Which event types a tenant has subscribers for, cached in the isolate so
 * that raising an event nobody wants costs a Map lookup: no Durable Object
 * call, no outbox row. The TenantEvents object is the authority (it filters
 * again on enqueue, so a stale "yes" only costs one call); a stale "no" can
 * hide events raised within INTEREST_TTL_MS of a subscription being created
 * or widened in another isolate. The subscription routes forget their own
 * isolate's entry at once.
 */
import type { Env } from '../env.ts';
import { tenantEvents } from '../durable/stubs.ts';

export const INTEREST_TTL_MS = 5_000;
const MAX_TENANTS_CACHED = 10_000;

interface Entry {
  types: Promise<readonly string[]>;
  expiresAt: number;
}

const cache = new Map<string, Entry>();

export function interestOf(env: Env, tenantId: string, nowMs = Date.now()): Promise<readonly string[]> {
  const hit = cache.get(tenantId);
  if (hit && hit.expiresAt > nowMs) return hit.types;
  const types = tenantEvents(env, tenantId).interest(tenantId);
  // A failed look-up is not cached: the next caller asks again.
  types.catch(() => cache.get(tenantId)?.types === types && cache.delete(tenantId));
  cache.delete(tenantId);
  cache.set(tenantId, { types, expiresAt: nowMs + INTEREST_TTL_MS });
  if (cache.size > MAX_TENANTS_CACHED) cache.delete(cache.keys().next().value!);
  return types;
}

/** Called after this isolate changed a tenant's subscriptions. */
export function forgetInterest(tenantId: string): void {
  cache.delete(tenantId);
}
