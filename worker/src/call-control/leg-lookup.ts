/**
 * Resolves a voice_id to the broadcast that owns it, within the caller's
 * tenant. Another tenant's leg is indistinguishable from a missing one (404).
 */
import { and, eq } from 'drizzle-orm';
import type { Env } from '../env.ts';
import { database } from '../db/client.ts';
import { calls } from '../db/schema.ts';
import { Problems } from '../errors/problem.ts';
import { broadcastSession } from '../durable/stubs.ts';

export async function broadcastSessionForLeg(env: Env, tenantId: string, voiceId: string) {
  const row = await database(env.DB)
    .select({ broadcastId: calls.broadcastId })
    .from(calls)
    .where(and(eq(calls.id, voiceId), eq(calls.tenantId, tenantId)))
    .get();
  if (!row?.broadcastId) throw Problems.notFound(`Call ${voiceId}`);
  return { broadcastId: row.broadcastId, session: broadcastSession(env, row.broadcastId) };
}
