/**
 * Idempotency-Key for POST /voice/v1/broadcast, per tenant.
 *
 * - The key is looked up before the body is validated, so a retry of a
 *   100,000-recipient request is answered from the store without re-doing work.
 * - A fresh key is reserved in D1 (INSERT; the primary key makes a concurrent
 *   duplicate lose) before anything is recorded or dialled.
 * - The finished response is kept in R2 (a 100,000-recipient response is far
 *   larger than a D1 row) and replayed byte for byte.
 * - Same key, other body → 422; while the first is still being accepted → 409.
 * - A failed acceptance releases its reservation so a retry can proceed; a
 *   reservation left pending by a crashed request expires after STALE_PENDING_MS.
 */
import { and, eq } from 'drizzle-orm';
import type { Env } from '../env.ts';
import { database } from '../db/client.ts';
import { idempotencyKeys } from '../db/schema.ts';
import { sha256Hex } from '../db/hashing.ts';
import { Problems } from '../errors/problem.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const MAX_IDEMPOTENCY_KEY = 255;
/** Acceptance of the largest request takes seconds; a reservation this old belongs to a request that died. */
export const STALE_PENDING_MS = 10 * 60 * 1000;

type KeyRow = typeof idempotencyKeys.$inferSelect;

export class IdempotentRequest {
  readonly #env: Env;
  readonly #tenantId: string;
  readonly #key: string;
  readonly #requestHash: string;
  readonly #blobKey: string;

  private constructor(env: Env, tenantId: string, key: string, requestHash: string, blobKey: string) {
    this.#env = env;
    this.#tenantId = tenantId;
    this.#key = key;
    this.#requestHash = requestHash;
    this.#blobKey = blobKey;
  }

  /** Checks the header value; the body hash is what "same request" means. */
  static async open(env: Env, tenantId: string, key: string, rawBody: string): Promise<IdempotentRequest> {
    if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY) {
      throw Problems.validation([{ pointer: `/headers/${IDEMPOTENCY_HEADER}`, reason: `must be 1-${MAX_IDEMPOTENCY_KEY} characters` }]);
    }
    // The key is hashed for the R2 name: clients choose keys, and they may contain '/' or '..'.
    return new IdempotentRequest(env, tenantId, key, await sha256Hex(rawBody), `idempotency/${tenantId}/${await sha256Hex(key)}.json`);
  }

  /** The stored response when this key was already used with this body; null when the key is unused. Throws 422 / 409. */
  async earlierResponse(): Promise<string | null> {
    const row = await this.#db().select().from(idempotencyKeys).where(this.#where()).get();
    return row ? this.#decide(row) : null;
  }

  /**
   * Reserves the key for this request. Returns null when reserved (go ahead),
   * or the stored response when a concurrent twin finished first. Throws 422 / 409.
   */
  async reserve(broadcastId: string): Promise<string | null> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const inserted = await this.#db()
        .insert(idempotencyKeys)
        .values({ tenantId: this.#tenantId, key: this.#key, requestHash: this.#requestHash, broadcastId, state: 'pending', createdAt: new Date().toISOString() })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key });
      if (inserted.length > 0) return null;
      const row = await this.#db().select().from(idempotencyKeys).where(this.#where()).get();
      // Released (or expired) between our INSERT and SELECT: try the INSERT once more.
      if (!row) continue;
      const earlier = await this.#decide(row);
      if (earlier !== null) return earlier;
    }
    throw inProgress();
  }

  /** Stores the response, then marks the key done: a replay never finds "done" without its bytes. */
  async complete(responseBody: string): Promise<void> {
    await this.#env.BLOBS.put(this.#blobKey, responseBody, { httpMetadata: { contentType: 'application/json' } });
    await this.#db().update(idempotencyKeys).set({ state: 'done' }).where(this.#where());
  }

  /** Frees the key after a failed acceptance, so the client's retry is processed, not refused. */
  async release(): Promise<void> {
    await this.#db().delete(idempotencyKeys).where(and(this.#where(), eq(idempotencyKeys.state, 'pending')));
  }

  async #decide(row: KeyRow): Promise<string | null> {
    if (row.requestHash !== this.#requestHash) {
      throw Problems.unprocessable('idempotency-key-reused', 'Idempotency-Key reused', 'This Idempotency-Key was already used with a different request body.');
    }
    if (row.state !== 'done') {
      if (Date.now() - Date.parse(row.createdAt) < STALE_PENDING_MS) throw inProgress();
      // Expired: remove exactly that reservation (a newer one by a concurrent retry stays).
      await this.#db()
        .delete(idempotencyKeys)
        .where(and(this.#where(), eq(idempotencyKeys.state, 'pending'), eq(idempotencyKeys.createdAt, row.createdAt)));
      return null;
    }
    const stored = await this.#env.BLOBS.get(this.#blobKey);
    if (!stored) throw Problems.unavailable('The stored response for this Idempotency-Key is unavailable; retry shortly.');
    return stored.text();
  }

  #db() {
    return database(this.#env.DB);
  }

  #where() {
    return and(eq(idempotencyKeys.tenantId, this.#tenantId), eq(idempotencyKeys.key, this.#key));
  }
}

function inProgress() {
  return Problems.conflict('idempotency-in-progress', 'Request in progress', 'A request with this Idempotency-Key is still being accepted; retry shortly.');
}
