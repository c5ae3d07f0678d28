// Idempotency-Key on POST /voice/v1/broadcast: replay byte for byte with
// nothing new dialled, 422 for another body, 409 while the first is still
// being accepted, per tenant, and a failed or abandoned attempt frees the key.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { seedTenant, countRows } from '../helpers/tenant.ts';
import { broadcastBody, recipientsOf } from '../helpers/broadcast-body.ts';
import { getAs, postBroadcast, problemOf } from '../helpers/http.ts';
import { sha256Hex } from '../../../worker/src/db/hashing.ts';

const key = (k: string) => ({ 'Idempotency-Key': k });

async function seedReservation(tenantId: string, idemKey: string, body: string, createdAt: Date): Promise<void> {
  await env.DB.prepare('INSERT INTO idempotency_keys (tenant_id, key, request_hash, broadcast_id, state, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .bind(tenantId, idemKey, await sha256Hex(body), crypto.randomUUID(), 'pending', createdAt.toISOString())
    .run();
}

describe('Idempotency-Key', () => {
  it('replays the first response byte for byte and records nothing new', async () => {
    const t = await seedTenant();
    const text = JSON.stringify(broadcastBody({ recipients: recipientsOf(50) }));
    const first = await postBroadcast(t, text, key('abc-123'));
    expect(first.status).toBe(200);
    const firstText = await first.text();
    await new Promise((r) => setTimeout(r, 5)); // a fresh acceptance would carry a later timestamp
    const second = await postBroadcast(t, text, key('abc-123'));
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await second.text()).toBe(firstText);
    expect(await countRows('broadcasts', t.tenantId)).toBe(1);
    const { broadcast_id } = JSON.parse(firstText) as { broadcast_id: string };
    expect(((await (await getAs(t, `/voice/v1/broadcast/${broadcast_id}`)).json()) as { total_legs: number }).total_legs).toBe(50);
  });

  it('answers 422 for the same key with another body (even one differing only in whitespace)', async () => {
    const t = await seedTenant();
    const body = broadcastBody();
    await postBroadcast(t, body, key('k1'));
    const p = await problemOf(await postBroadcast(t, broadcastBody({ name: 'other' }), key('k1')), 422);
    expect(p.type).toBe('https://crier.dev/problems/idempotency-key-reused');
    await problemOf(await postBroadcast(t, JSON.stringify(body, null, 2), key('k1')), 422);
    expect(await countRows('broadcasts', t.tenantId)).toBe(1);
  });

  it('keys are per tenant', async () => {
    const a = await seedTenant();
    const b = await seedTenant();
    expect((await postBroadcast(a, broadcastBody(), key('shared'))).status).toBe(200);
    expect((await postBroadcast(b, broadcastBody({ name: 'other' }), key('shared'))).status).toBe(200);
    expect(await countRows('broadcasts', b.tenantId)).toBe(1);
  });

  it('answers 409 while a request with the same key is still being accepted', async () => {
    const t = await seedTenant();
    const text = JSON.stringify(broadcastBody());
    await seedReservation(t.tenantId, 'busy', text, new Date());
    const p = await problemOf(await postBroadcast(t, text, key('busy')), 409);
    expect(p.type).toBe('https://crier.dev/problems/idempotency-in-progress');
    expect(await countRows('broadcasts', t.tenantId)).toBe(0);
  });

  it('takes over a reservation abandoned by a request that died', async () => {
    const t = await seedTenant();
    const text = JSON.stringify(broadcastBody());
    await seedReservation(t.tenantId, 'stale', text, new Date(Date.now() - 11 * 60 * 1000));
    expect((await postBroadcast(t, text, key('stale'))).status).toBe(200);
    expect(await countRows('broadcasts', t.tenantId)).toBe(1);
    const row = await env.DB.prepare("SELECT state FROM idempotency_keys WHERE tenant_id = ? AND key = 'stale'").bind(t.tenantId).first();
    expect(row).toEqual({ state: 'done' });
  });

  it('concurrent twins accept once: the other is replayed or told to retry', async () => {
    const t = await seedTenant();
    const text = JSON.stringify(broadcastBody({ recipients: recipientsOf(3000) }));
    const results = await Promise.all([postBroadcast(t, text, key('race')), postBroadcast(t, text, key('race')), postBroadcast(t, text, key('race'))]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.every((s) => s === 200 || s === 409), String(statuses)).toBe(true);
    const bodies = await Promise.all(results.filter((r) => r.status === 200).map((r) => r.text()));
    expect(new Set(bodies.map((b) => (JSON.parse(b) as { broadcast_id: string }).broadcast_id)).size).toBe(1);
    expect(await countRows('broadcasts', t.tenantId)).toBe(1);
  }, 60_000);

  it('does not use up a key on a rejected request', async () => {
    const t = await seedTenant();
    expect((await postBroadcast(t, broadcastBody({ from: 'x' }), key('k2'))).status).toBe(400);
    expect(await countRows('idempotency_keys', t.tenantId)).toBe(0);
    expect((await postBroadcast(t, broadcastBody(), key('k2'))).status).toBe(200);
  });

  it('400 for an empty or over-long key', async () => {
    const t = await seedTenant();
    expect((await problemOf(await postBroadcast(t, broadcastBody(), key('k'.repeat(256))), 400)).errors).toEqual([{ pointer: '/headers/Idempotency-Key', reason: 'must be 1-255 characters' }]);
    await problemOf(await postBroadcast(t, broadcastBody(), key('')), 400);
    expect((await postBroadcast(t, broadcastBody(), key('k'.repeat(255)))).status).toBe(200);
  });

  it('stores the response in R2 under the tenant and the hash of the key', async () => {
    const t = await seedTenant();
    const res = await postBroadcast(t, broadcastBody(), key('a/../b'));
    const stored = await env.BLOBS.get(`idempotency/${t.tenantId}/${await sha256Hex('a/../b')}.json`);
    expect(await stored?.text()).toBe(await res.text());
  });
});
