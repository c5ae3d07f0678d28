/**
 * Idempotency-Key for POST /voice/v1/broadcast. The key is reserved in D1
 * before any work (the primary key makes a concurrent duplicate lose), the
 * finished response is kept in R2 (a 100,000-recipient response is larger than
 * a D1 row), and a replay returns those exact bytes without dialing anything.
 * Same key with another body → 422; while the first is still running → 409.
 */
import { and, eq } from 'drizzle-orm';
import type { Env } from '../env.ts';
import { database } from '../db/client.ts';
import { idempotencyKeys } from '../db/schema.ts';
import { sha256Hex } from '../db/hashing.ts';
import { Problems } from '../errors/problem.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

export type Reservation =
  | { kind: 'fresh'; complete(responseBody: string): Promise<void>; release(): Promise<void> }
  | { kind: 'replay'; responseBody: string };

export async function reserveIdempotencyKey(env: Env, tenantId: string, key: string, rawBody: string, broadcastId: string): Promise<Reservation> {
  if (key.length === 0 || key.length > 255) {
    throw Problems.validation([{ pointer: '/headers/Idempotency-Key', reason: 'must be 1-255 characters' }]);
  }
  const db = database(env.DB);
  const requestHash = await sha256Hex(rawBody);
  const blobKey = `idempotency/${tenantId}/${await sha256Hex(key)}.json`;
  const inserted = await db
    .insert(idempotencyKeys)
    .values({ tenantId, key, requestHash, broadcastId, state: 'pending', createdAt: new Date().toISOString() })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  const where = and(eq(idempotencyKeys.tenantId, tenantId), eq(idempotencyKeys.key, key));

  if (inserted.length === 0) {
    const existing = await db.select().from(idempotencyKeys).where(where).get();
    if (!existing) throw Problems.conflict('idempotency-in-progress', 'Request in progress', 'A request with this Idempotency-Key is being processed; retry shortly.');
    if (existing.requestHash !== requestHash) {
      throw Problems.unprocessable('idempotency-key-reused', 'Idempotency-Key reused', 'This Idempotency-Key was already used with a different request body.');
    }
    if (existing.state !== 'done') {
      throw Problems.conflict('idempotency-in-progress', 'Request in progress', 'A request with this Idempotency-Key is being processed; retry shortly.');
    }
    const stored = await env.BLOBS.get(blobKey);
    if (!stored) throw Problems.unavailable('The stored response for this Idempotency-Key is unavailable; retry shortly.');
    return { kind: 'replay', responseBody: await stored.text() };
  }

  return {
    kind: 'fresh',
    async complete(responseBody: string) {
      await env.BLOBS.put(blobKey, responseBody, { httpMetadata: { contentType: 'application/json' } });
      await db.update(idempotencyKeys).set({ state: 'done' }).where(where);
    },
    async release() {
      await db.delete(idempotencyKeys).where(where);
    },
  };
}
