/**
 * Recordings for the broadcast API's Basic credentials (our addition; the
 * dialer API's JWT /v1/recordings reuses the same rows and R2 objects):
 *   GET /voice/v1/recordings                 list (newest first, ?call_id, ?limit, ?cursor)
 *   GET /voice/v1/recordings/{id}/url        a signed download URL valid one hour
 *   GET /recordings/{id}.wav?expires&sig     the file, served by the Worker from R2
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { AppEnv } from '../env.ts';
import { appAuth } from '../middleware/app-auth/index.ts';
import { database } from '../db/client.ts';
import { recordings } from '../db/schema.ts';
import { Problems, ProblemError } from '../errors/problem.ts';
import { signedUrl, verifySignedUrl } from '../signed-urls/index.ts';

const URL_TTL_S = 3600;

function view(r: typeof recordings.$inferSelect) {
  return {
    id: r.id,
    call_id: r.callId,
    broadcast_id: r.broadcastId,
    recording_name: r.name,
    status: r.status,
    format: r.format,
    duration_seconds: r.durationSeconds,
    size_bytes: r.sizeBytes,
    recorded_at: r.startedAt,
    stored_at: r.storedAt,
  };
}

export function recordingRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('/voice/v1/recordings', appAuth());
  app.use('/voice/v1/recordings/*', appAuth());

  app.get('/voice/v1/recordings', async (c) => {
    const tenantId = c.get('principal').tenantId;
    const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 50) || 50, 1), 200);
    const callId = c.req.query('call_id');
    const cursor = c.req.query('cursor');
    const conditions = [eq(recordings.tenantId, tenantId)];
    if (callId) conditions.push(eq(recordings.callId, callId));
    if (cursor) conditions.push(lt(recordings.startedAt, atob(cursor)));
    const rows = await database(c.env.DB).select().from(recordings).where(and(...conditions)).orderBy(desc(recordings.startedAt)).limit(limit + 1).all();
    const page = rows.slice(0, limit);
    return c.json({ items: page.map(view), has_more: rows.length > limit, next_cursor: rows.length > limit ? btoa(page.at(-1)!.startedAt) : null });
  });

  app.get('/voice/v1/recordings/:id/url', async (c) => {
    const id = c.req.param('id');
    const row = await database(c.env.DB).select().from(recordings).where(and(eq(recordings.id, id), eq(recordings.tenantId, c.get('principal').tenantId))).get();
    if (!row) throw Problems.notFound(`Recording ${id}`);
    if (row.status !== 'stored') throw Problems.conflict('recording-not-ready', 'Recording not ready', `Recording ${id} is ${row.status}.`);
    const base = c.env.PUBLIC_BASE_URL ?? new URL(c.req.url).origin;
    const { url, expiresAt } = await signedUrl(c.env.URL_SIGNING_SECRET, base, `/recordings/${id}.wav`, URL_TTL_S);
    return c.json({ id, url, expires_at: expiresAt.toISOString(), format: row.format, duration_seconds: row.durationSeconds });
  });

  app.get('/recordings/:file', async (c) => {
    const check = await verifySignedUrl(c.env.URL_SIGNING_SECRET, new URL(c.req.url));
    if (!check.ok) throw new ProblemError({ status: 403, slug: 'bad-signed-url', title: 'Forbidden', detail: `Signed URL ${check.reason}.` });
    const id = c.req.param('file').replace(/\.wav$/, '');
    const row = await database(c.env.DB).select().from(recordings).where(eq(recordings.id, id)).get();
    const object = row ? await c.env.BLOBS.get(row.r2Key) : null;
    if (!object) throw Problems.notFound(`Recording ${id}`);
    return new Response(object.body, { headers: { 'content-type': 'audio/wav', 'content-length': String(object.size), etag: object.httpEtag } });
  });

  return app;
}
