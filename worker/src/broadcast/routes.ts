/**
 * POST /voice/v1/broadcast (the spec's entry point) and
 * GET /voice/v1/broadcast/{broadcast_id} (our addition: live status).
 * The handlers are thin: read the body, consult the idempotency store,
 * validate whole, accept; the work lives in the modules they call.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import type { AppEnv } from '../env.ts';
import { appAuth } from '../middleware/app-auth/index.ts';
import { readJsonBody } from '../middleware/json-body/index.ts';
import { database } from '../db/client.ts';
import { broadcasts } from '../db/schema.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { BroadcastRequestSchema, BroadcastResponseSchema } from './request-schema.ts';
import { BroadcastStatusSchema } from './status-schema.ts';
import { validateBroadcastRequest } from './validate-request.ts';
import { allowsLoopback } from '../outbound-urls/url-policy.ts';
import { acceptBroadcast, type OriginalBody } from './accept-broadcast.ts';
import { IDEMPOTENCY_HEADER, IdempotentRequest, MAX_IDEMPOTENCY_KEY } from './idempotency.ts';
import { broadcastSession } from '../durable/stubs.ts';

/** 100,000 recipients with long TTS texts fit comfortably; anything larger is 413. */
export const MAX_BROADCAST_BODY_BYTES = 32 * 1024 * 1024;

const problem = problemContent;

export function broadcastRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('/voice/v1/broadcast', appAuth());
  app.use('/voice/v1/broadcast/*', appAuth());

  // Documented from the schema but read with readJsonBody: the 413/415/400 rules and
  // whole-request validation (phones included) are ours, not the generic validator's.
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/voice/v1/broadcast',
    summary: 'Initiate a broadcast',
    security: [{ basicAuth: [] }],
    request: {
      headers: z.object({ [IDEMPOTENCY_HEADER]: z.string().min(1).max(MAX_IDEMPOTENCY_KEY).optional() }),
      body: { content: { 'application/json': { schema: BroadcastRequestSchema } }, required: true },
    },
    responses: {
      200: { description: 'Accepted and queued (or, for a repeated Idempotency-Key, the first response again)', content: { 'application/json': { schema: BroadcastResponseSchema } } },
      400: { description: 'Invalid request: every failing field is listed in errors[]', ...problem },
      401: { description: 'Missing or bad credentials', ...problem },
      409: { description: 'A request with the same Idempotency-Key is still being accepted', ...problem },
      413: { description: 'Body larger than 32 MiB', ...problem },
      415: { description: 'Content-Type is not JSON', ...problem },
      422: { description: 'Idempotency-Key reused with another body', ...problem },
    },
  });
  app.post('/voice/v1/broadcast', async (c) => {
    const { raw, value } = await readJsonBody(c, MAX_BROADCAST_BODY_BYTES);
    const principal = c.get('principal');
    const key = c.req.header(IDEMPOTENCY_HEADER);
    const idempotent = key === undefined ? null : await IdempotentRequest.open(c.env, principal.tenantId, key, raw);
    const replay = (text: string) => c.body(text, 200, { 'content-type': 'application/json', 'idempotent-replayed': 'true' });

    const earlier = await idempotent?.earlierResponse();
    if (earlier) return replay(earlier);

    const validated = validateBroadcastRequest(value, { allowLoopback: allowsLoopback(c.env.WEBHOOK_ALLOW_LOOPBACK) });
    if (!validated.ok) throw Problems.validation(validated.issues);

    const broadcastId = crypto.randomUUID();
    const raced = await idempotent?.reserve(broadcastId);
    if (raced) return replay(raced);
    try {
      const text = await acceptBroadcast(c.env, { broadcastId, principal, valid: validated.value, original: value as OriginalBody });
      await idempotent?.complete(text);
      return c.body(text, 200, { 'content-type': 'application/json' });
    } catch (err) {
      try {
        await idempotent?.release();
      } catch (releaseErr) {
        // The acceptance error is the one the client must see; the key expires on its own (STALE_PENDING_MS).
        console.error(JSON.stringify({ msg: 'idempotency release failed', broadcast_id: broadcastId, error: String(releaseErr) }));
      }
      throw err;
    }
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/voice/v1/broadcast/{broadcast_id}',
      summary: 'Live status of a broadcast (Crier addition)',
      security: [{ basicAuth: [] }],
      request: { params: z.object({ broadcast_id: z.string() }) },
      responses: {
        200: { description: 'Status', content: { 'application/json': { schema: BroadcastStatusSchema } } },
        401: { description: 'Missing or bad credentials', ...problem },
        404: { description: 'Unknown broadcast, or another tenant\'s', ...problem },
      },
    }),
    async (c) => {
      const { broadcast_id } = c.req.valid('param');
      // Tenancy is decided by D1, never by the session: a session is addressable by anyone who knows its id.
      const row = await database(c.env.DB)
        .select({ id: broadcasts.id })
        .from(broadcasts)
        .where(and(eq(broadcasts.id, broadcast_id), eq(broadcasts.tenantId, c.get('principal').tenantId)))
        .get();
      if (!row) throw Problems.notFound(`Broadcast ${broadcast_id}`);
      const status = await broadcastSession(c.env, broadcast_id).status();
      if (!status) throw Problems.notFound(`Broadcast ${broadcast_id}`);
      return c.json(status, 200);
    },
  );

  return app;
}
