/**
 * POST /voice/v1/broadcast (the spec's entry point) and
 * GET /voice/v1/broadcast/{broadcast_id} (our addition: live status).
 * Acceptance validates everything first, sorts recipients into buckets,
 * records the broadcast, hands its legs to a BroadcastSession in chunks and
 * answers at once; dialing happens afterwards, paced by the session.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import type { AppEnv, Env, AppPrincipal } from '../env.ts';
import { appAuth } from '../middleware/app-auth/index.ts';
import { readJsonBody } from '../middleware/json-body/index.ts';
import { database } from '../db/client.ts';
import { broadcasts, tenants } from '../db/schema.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { parseE164 } from '../phone/e164.ts';
import { BroadcastRequestSchema, BroadcastResponseSchema, type BroadcastRequest } from './request-schema.ts';
import { validateBroadcastRequest } from './validate-request.ts';
import { bucketRecipients, type RawRecipient } from './recipient-buckets.ts';
import { dncMatches } from './dnc-lookup.ts';
import { IDEMPOTENCY_HEADER, reserveIdempotencyKey } from './idempotency.ts';
import type { PlayInput } from './play-schema.ts';

/** 100,000 recipients with long TTS texts fit comfortably; anything larger is 413. */
export const MAX_BROADCAST_BODY_BYTES = 32 * 1024 * 1024;
const LEGS_PER_RPC = 5_000;

const problem = problemContent;

const StatusSchema = z
  .object({
    broadcast_id: z.string(),
    state: z.enum(['broadcastcall_initiated', 'in_progress', 'broadcastcall_complete']),
    name: z.string(),
    owner_ref: z.string(),
    from: z.string(),
    total_legs: z.number(),
    legs: z.record(z.string(), z.number()),
    webhooks: z.object({ pending: z.number(), delivered: z.number(), failed: z.number() }),
    created_at: z.string(),
    completed_at: z.string().nullable(),
    timestamp: z.string(),
  })
  .openapi('BroadcastStatus');

export function broadcastRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('/voice/v1/broadcast', appAuth());
  app.use('/voice/v1/broadcast/*', appAuth());

  // Documented from the schema, read with readJsonBody: the 413/415/400 rules
  // and the whole-request validation are ours, not the generic validator's.
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/voice/v1/broadcast',
    summary: 'Initiate a broadcast',
    security: [{ basicAuth: [] }],
    request: {
      headers: z.object({ 'Idempotency-Key': z.string().max(255).optional() }),
      body: { content: { 'application/json': { schema: BroadcastRequestSchema } }, required: true },
    },
    responses: {
      200: { description: 'Accepted and queued', content: { 'application/json': { schema: BroadcastResponseSchema } } },
      400: { description: 'Invalid request: every failing field is listed', ...problem },
      401: { description: 'Missing or bad credentials', ...problem },
      409: { description: 'Same Idempotency-Key still in progress', ...problem },
      413: { description: 'Body too large', ...problem },
      415: { description: 'Not JSON', ...problem },
      422: { description: 'Idempotency-Key reused with another body', ...problem },
    },
  });
  app.post('/voice/v1/broadcast', async (c) => {
    const { raw, value } = await readJsonBody(c, MAX_BROADCAST_BODY_BYTES);
    const validated = validateBroadcastRequest(value);
    if (!validated.ok) throw Problems.validation(validated.issues);
    const principal = c.get('principal');
    const broadcastId = crypto.randomUUID();

    const key = c.req.header(IDEMPOTENCY_HEADER);
    const reservation = key === undefined ? null : await reserveIdempotencyKey(c.env, principal.tenantId, key, raw, broadcastId);
    if (reservation?.kind === 'replay') return c.body(reservation.responseBody, 200, { 'content-type': 'application/json' });

    try {
      const body = await acceptBroadcast(c.env, principal, broadcastId, validated.request, (value as { recipients: RawRecipient[]; custom_data?: unknown }));
      const text = JSON.stringify(body);
      await reservation?.complete(text);
      return c.body(text, 200, { 'content-type': 'application/json' });
    } catch (err) {
      await reservation?.release();
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
      responses: { 200: { description: 'Status', content: { 'application/json': { schema: StatusSchema } } }, 404: { description: 'Unknown broadcast', ...problem } },
    }),
    async (c) => {
      const { broadcast_id } = c.req.valid('param');
      const row = await database(c.env.DB)
        .select({ id: broadcasts.id })
        .from(broadcasts)
        .where(and(eq(broadcasts.id, broadcast_id), eq(broadcasts.tenantId, c.get('principal').tenantId)))
        .get();
      if (!row) throw Problems.notFound(`Broadcast ${broadcast_id}`);
      const status = await c.env.BROADCAST_SESSION.get(c.env.BROADCAST_SESSION.idFromName(broadcast_id)).status();
      if (!status) throw Problems.notFound(`Broadcast ${broadcast_id}`);
      return c.json(status, 200);
    },
  );

  return app;
}

/**
 * Buckets, records and starts a validated broadcast; returns the 200 body.
 * `original` is the client's JSON, so echoed `to`, `play` and `custom_data`
 * are exactly what was sent (not the schema's parsed copy).
 */
async function acceptBroadcast(
  env: Env,
  principal: AppPrincipal,
  broadcastId: string,
  request: BroadcastRequest,
  original: { recipients: RawRecipient[]; custom_data?: unknown },
): Promise<Record<string, unknown>> {
  const db = database(env.DB);
  const tenant = await db.select().from(tenants).where(eq(tenants.id, principal.tenantId)).get();
  if (!tenant) throw Problems.unauthorized('The app belongs to no tenant.', 'Basic realm="crier"');
  const allowed = tenant.allowedCountries ? new Set<string>(JSON.parse(tenant.allowedCountries) as string[]) : null;
  const recipients = original.recipients.map((r) => ({ to: r.to, play: r.play }));
  const dnc = await dncMatches(
    env.DB,
    tenant.id,
    recipients.map((r) => {
      const p = parseE164(r.to);
      return p.ok ? p.e164 : r.to;
    }),
  );
  const buckets = bucketRecipients(recipients, dnc, allowed);
  const acceptedAt = new Date().toISOString();

  await db.insert(broadcasts).values({
    id: broadcastId,
    tenantId: tenant.id,
    appId: principal.appId,
    name: request.name,
    ownerRef: request.owner_ref,
    fromNumber: request.from,
    amd: request.answering_machine_detection,
    eventUrl: request.event_url,
    callHandlerUrl: request.call_handler_url,
    customData: original.custom_data === undefined ? null : JSON.stringify(original.custom_data),
    status: 'accepted',
    dialledCount: buckets.initiated.length,
    blacklistedCount: buckets.blacklisted.length,
    countryNotAllowedCount: buckets.countryNotAllowed.length,
    createdAt: acceptedAt,
  });

  const session = env.BROADCAST_SESSION.get(env.BROADCAST_SESSION.idFromName(broadcastId));
  await session.create({
    broadcastId,
    tenantId: tenant.id,
    appId: principal.appId,
    name: request.name,
    ownerRef: request.owner_ref,
    from: request.from,
    amd: request.answering_machine_detection,
    eventUrl: request.event_url,
    callHandlerUrl: request.call_handler_url,
    customData: original.custom_data,
    webhookSecret: principal.webhookSecret,
    idleTimeoutS: request.idle_timeout,
    maxCallDurationS: request.max_call_duration,
    ringTimeoutS: request.ring_timeout,
    callsPerSecond: tenant.callsPerSecond ?? Number(env.DEFAULT_CALLS_PER_SECOND),
    maxConcurrentCalls: tenant.maxConcurrentCalls ?? Number(env.DEFAULT_MAX_CONCURRENT_CALLS),
    blacklisted: buckets.blacklisted.map(asRecipient),
    countryNotAllowed: buckets.countryNotAllowed.map(asRecipient),
    acceptedAt,
  });
  for (let i = 0; i < buckets.initiated.length; i += LEGS_PER_RPC) {
    await session.addLegs(buckets.initiated.slice(i, i + LEGS_PER_RPC).map((r, j) => ({ ...asRecipient(r), index: i + j })));
  }
  await session.start();

  const body: Record<string, unknown> = {
    broadcast_id: broadcastId,
    state: 'broadcastcall_initiated',
    from: request.from,
    to: { call_initiated: buckets.initiated, call_blacklisted: buckets.blacklisted, country_not_allowed: buckets.countryNotAllowed },
  };
  if (original.custom_data !== undefined) body.custom_data = original.custom_data;
  body.timestamp = acceptedAt;
  return body;
}

function asRecipient(r: RawRecipient): { to: string; play: PlayInput } {
  return { to: r.to, play: r.play as unknown as PlayInput };
}
