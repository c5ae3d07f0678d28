// Dialer-webhook test helpers: subscriptions made through the API, receiver
// boxes on the real local HTTP server (setup/global-receiver.ts), the spec's
// own signature check, and a look inside a tenant's TenantEvents object.
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import { call, type SeededUser } from '../../helpers/dialer.ts';
import { box, waitFor, type Box } from '../../session/harness.ts';
import { tenantEvents } from '../../../../worker/src/durable/tenant-events/index.ts';

export { box, waitFor, type Box };

export interface Subscription {
  id: string;
  url: string;
  secret: string;
  event_types: string[];
  active: boolean;
}

export async function subscribe(admin: SeededUser, hooks: Box, eventTypes: string[] = ['*'], extra: Record<string, unknown> = {}): Promise<Subscription> {
  const res = await call(admin, 'POST', '/v1/webhooks', { url: hooks.hooksUrl, event_types: eventTypes, ...extra });
  expect(res.status).toBe(201);
  return (await res.json()) as Subscription;
}

/**
 * The spec's verify_webhook, line for line:
 *   expected = hmac.new(secret.encode(), payload_bytes, hashlib.sha256).hexdigest()
 *   return hmac.compare_digest(f"sha256={expected}", signature)
 * over the raw bytes as received, written here with Web Crypto (not the Worker's signer).
 */
export async function verifyWebhook(payloadBytes: Uint8Array, signature: string, secret: string): Promise<boolean> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, payloadBytes));
  const expected = `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  const a = new TextEncoder().encode(expected);
  const b = new TextEncoder().encode(signature);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}

export interface Received {
  at: number;
  status: number;
  headers: Record<string, string>;
  raw: string;
  envelope: {
    event_id: string;
    event_type: string;
    tenant_id: string;
    occurred_at: string;
    correlation_id: string;
    schema_version: string;
    payload: Record<string, any>;
  };
}

/** Everything a box received (each attempt, failed ones included), parsed. */
export async function received(hooks: Box): Promise<Received[]> {
  return (await hooks.hooks()).map((h) => ({ at: h.at, status: h.status, headers: h.headers, raw: h.body, envelope: JSON.parse(h.body) }));
}

/** Waits until the box holds `n` attempts (or `predicate` holds) and returns them. */
export async function receivedWhen(hooks: Box, predicate: (all: Received[]) => boolean, timeoutMs = 10_000, what = 'webhooks'): Promise<Received[]> {
  return waitFor(async () => {
    const all = await received(hooks);
    return predicate(all) ? all : null;
  }, timeoutMs, what);
}

export function tenantOutbox(tenantId: string) {
  return tenantEvents(env, tenantId);
}

export async function deliveriesOf(admin: SeededUser, subscriptionId: string, query = ''): Promise<{ items: Array<Record<string, any>>; total: number; next_cursor: string | null; has_more: boolean }> {
  const res = await call(admin, 'GET', `/v1/webhooks/${subscriptionId}/deliveries${query}`);
  expect(res.status).toBe(200);
  return res.json();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
