/**
 * The internal API media nodes call (docs/media-protocol.md): heartbeats to the
 * MediaFleet and the leg owners that reconcile with them, call events to the
 * Durable Object that owns each leg, and prompt audio behind signed URLs. Not
 * part of the public OpenAPI document.
 */
import { Hono } from 'hono';
import { CONTENT_SHA256_HEADER, EventBatchSchema, HeartbeatSchema, MediaPaths, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyDigestHeaders, type EventResult, type MediaEvent } from '../media-protocol/index.ts';
import { eq } from 'drizzle-orm';
import { database } from '../db/client.ts';
import { calls, recordings } from '../db/schema.ts';
import { ProblemError, Problems } from '../errors/problem.ts';
import { fieldIssues } from '../errors/zod-issues.ts';
import { acceptHeartbeat } from '../durable/media-fleet/heartbeat-intake.ts';
import { legOwnerObject } from '../durable/media-fleet/leg-owners.ts';
import { verifySignedUrl } from '../signed-urls/index.ts';
import { badNodeSignature, verifiedJson, verifyNode, type NodeEnv } from './verify-node.ts';
import { registrationRoutes } from './registration-routes.ts';

/** As before: about 3.6 hours of 8 kHz 16-bit mono WAV. */
const MAX_RECORDING_BYTES = 200 * 1024 * 1024;

export function mediaApiRoutes() {
  const app = new Hono<NodeEnv>();

  app.post(MediaPaths.heartbeat, verifyNode(), async (c) => {
    const parsed = HeartbeatSchema.safeParse(verifiedJson(c));
    if (!parsed.success) throw Problems.validation(fieldIssues(parsed.error));
    return c.json(await acceptHeartbeat(c.env, parsed.data));
  });

  app.post(MediaPaths.events, verifyNode(), async (c) => {
    const parsed = EventBatchSchema.safeParse(verifiedJson(c));
    if (!parsed.success) throw Problems.validation(fieldIssues(parsed.error));
    // Group by owning object, keeping each leg's order; each owner applies its events in one call.
    const byOwner = new Map<string, MediaEvent[]>();
    for (const ev of parsed.data.events) {
      const key = `${ev.owner.kind}:${ev.owner.id}`;
      byOwner.set(key, [...(byOwner.get(key) ?? []), ev]);
    }
    const results: EventResult[] = [];
    await Promise.all(
      [...byOwner.values()].map(async (events) => {
        const object = legOwnerObject(c.env, events[0]!.owner);
        if (!object) {
          results.push(...events.map((e) => ({ voice_id: e.voice_id, seq: e.seq, status: 'rejected' as const })));
          return;
        }
        results.push(...(await object.applyEvents(events)));
      }),
    );
    return c.json({ results });
  });

  app.get(`${MediaPaths.promptAudio}/:tenant/:name/:version`, async (c) => {
    const check = await verifySignedUrl(c.env.URL_SIGNING_SECRET, new URL(c.req.url));
    if (!check.ok) throw new ProblemError({ status: 403, slug: 'bad-signed-url', title: 'Forbidden', detail: `Signed URL ${check.reason}.` });
    const { tenant, name, version } = c.req.param();
    const object = await c.env.BLOBS.get(`prompts/${tenant}/${name}/${version}`);
    if (!object) throw Problems.notFound(`Prompt ${name} version ${version}`);
    return new Response(object.body, {
      headers: { 'content-type': object.httpMetadata?.contentType ?? 'application/octet-stream', etag: object.httpEtag, 'cache-control': 'private, max-age=86400' },
    });
  });

  // Recordings arrive as binary, signed over their SHA-256 (X-Crier-Content-SHA256), so the
  // MAC and the size are checked from the headers before a byte is read; the body then
  // streams into R2, which refuses it (and stores nothing) if its SHA-256 is not the signed one.
  app.put(`${MediaPaths.recordings}/:id`, async (c) => {
    const digest = c.req.header(CONTENT_SHA256_HEADER);
    const check = await verifyDigestHeaders(c.env.MEDIA_SHARED_SECRET, { timestamp: c.req.header(TIMESTAMP_HEADER), signature: c.req.header(SIGNATURE_HEADER), digest });
    if (!check.ok) throw badNodeSignature(check);
    const length = Number(c.req.header('content-length') ?? NaN);
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new ProblemError({ status: 411, slug: 'length-required', title: 'Length required', detail: 'A recording upload must declare its Content-Length.' });
    }
    if (length > MAX_RECORDING_BYTES) throw Problems.payloadTooLarge(MAX_RECORDING_BYTES);
    const id = c.req.param('id');
    const db = database(c.env.DB);
    const row = await db.select().from(recordings).where(eq(recordings.id, id)).get();
    if (!row) throw Problems.notFound(`Recording ${id}`);
    try {
      await c.env.BLOBS.put(row.r2Key, c.req.raw.body ?? new Uint8Array(0), { sha256: digest!, httpMetadata: { contentType: 'audio/wav' } });
    } catch (err) {
      // R2 compares the digest itself (BadDigest): bytes other than the signed ones are not stored.
      if (/checksum|digest/i.test(String(err))) throw badNodeSignature({ ok: false, reason: 'bad_signature' });
      throw err;
    }
    const durationMs = Number(c.req.query('duration_ms'));
    await db.batch([
      db
        .update(recordings)
        .set({ status: 'stored', sizeBytes: length, durationSeconds: Number.isFinite(durationMs) ? durationMs / 1000 : null, storedAt: new Date().toISOString() })
        .where(eq(recordings.id, id)),
      db.update(calls).set({ recordingId: id }).where(eq(calls.id, row.callId)),
    ]);
    return c.json({ ok: true });
  });

  app.route('/', registrationRoutes());

  return app;
}
