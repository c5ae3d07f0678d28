/**
 * Recording files, one implementation for both APIs: the lookup of a
 * tenant's recording, the one-hour signed URL that /voice/v1/recordings/{id}/url
 * and /v1/recordings/{id}/play both hand out, and the Worker route that
 * serves the file from R2 to whoever holds an unexpired, untampered URL.
 */
import { and, eq } from 'drizzle-orm';
import type { Env } from '../env.ts';
import { database } from '../db/client.ts';
import { recordings } from '../db/schema.ts';
import { ProblemError, Problems } from '../errors/problem.ts';
import { signedUrl, verifySignedUrl } from '../signed-urls/index.ts';

export const RECORDING_URL_TTL_S = 3600;
export type RecordingRow = typeof recordings.$inferSelect;

const CONTENT_TYPES: Record<string, string> = { wav: 'audio/wav', mp3: 'audio/mpeg' };

/** The tenant's recording, or 404 (another tenant's recording does not exist for you). */
export async function findRecording(d1: D1Database, tenantId: string, id: string): Promise<RecordingRow> {
  const row = await database(d1).select().from(recordings).where(and(eq(recordings.id, id), eq(recordings.tenantId, tenantId))).get();
  if (!row) throw Problems.notFound(`Recording ${id}`);
  return row;
}

/** A signed URL for a stored recording, valid one hour; 409 while it is still recording (or failed). */
export async function playbackUrl(env: Env, requestUrl: string, row: RecordingRow, nowMs = Date.now()): Promise<{ url: string; expiresAt: Date }> {
  if (row.status !== 'stored') throw Problems.conflict('recording-not-ready', 'Recording not ready', `Recording ${row.id} is ${row.status}.`);
  const base = env.PUBLIC_BASE_URL ?? new URL(requestUrl).origin;
  return signedUrl(env.URL_SIGNING_SECRET, base, `/recordings/${row.id}.${row.format}`, RECORDING_URL_TTL_S, nowMs);
}

/** GET /recordings/{id}.{format}?expires&sig: the file from R2. The signature is the authority; no credentials. */
export async function serveRecordingFile(env: Env, requestUrl: string, file: string): Promise<Response> {
  const check = await verifySignedUrl(env.URL_SIGNING_SECRET, new URL(requestUrl));
  if (!check.ok) throw new ProblemError({ status: 403, slug: 'bad-signed-url', title: 'Forbidden', detail: `Signed URL ${check.reason}.` });
  const id = file.replace(/\.[a-z0-9]+$/i, '');
  const row = await database(env.DB).select().from(recordings).where(eq(recordings.id, id)).get();
  const object = row ? await env.BLOBS.get(row.r2Key) : null;
  if (!row || !object) throw Problems.notFound(`Recording ${id}`);
  return new Response(object.body, {
    headers: { 'content-type': CONTENT_TYPES[row.format] ?? 'application/octet-stream', 'content-length': String(object.size), etag: object.httpEtag },
  });
}
