/**
 * Dialer webhook subscriptions, for tenant admins (the spec's "Admin →
 * Settings → Integrations" page, as an API; Crier addition):
 *   POST   /v1/webhooks                           create (201; the secret is shown once)
 *   GET    /v1/webhooks                           list (cursor pagination, oldest first, no secrets)
 *   GET    /v1/webhooks/{id}                      one subscription
 *   PATCH  /v1/webhooks/{id}                      url, event_types, active, description
 *   DELETE /v1/webhooks/{id}                      204; pending deliveries are cancelled
 *   POST   /v1/webhooks/{id}/rotate-secret        a new secret (shown once); the old one stops at once
 *   POST   /v1/webhooks/{id}/test                 one signed webhook.test event, tried now
 *   GET    /v1/webhooks/{id}/deliveries           recent deliveries and their attempts, newest first
 * D1 holds the subscriptions; after every change the tenant's TenantEvents
 * object is told, so delivery follows at once.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { and, asc, count, eq, gt } from 'drizzle-orm';
import type { Context } from 'hono';
import type { DialerEnv, Env } from '../env.ts';
import { database } from '../db/client.ts';
import { webhookSubscriptions } from '../db/schema.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { validatedBody } from '../middleware/validated-body/index.ts';
import { requireRole } from '../middleware/require-role/index.ts';
import { decodeCursor, pageOf, pageQuery, pageSchema } from '../pagination/keyset.ts';
import { randomToken } from '../db/hashing.ts';
import { uuidv7 } from '../ids/uuid-v7.ts';
import { tenantEvents } from '../durable/stubs.ts';
import type { DeliveryStatus } from '../durable/tenant-events/delivery-store.ts';
import { forgetInterest } from '../dialer-events/interest.ts';
import { allowsLoopback, webhookUrlProblem } from '../outbound-urls/url-policy.ts';
import {
  CreateWebhookSchema,
  DeliverySchema,
  DeliveryStatusSchema,
  TestResultSchema,
  UpdateWebhookSchema,
  WebhookSchema,
  WebhookWithSecretSchema,
  webhookView,
} from './schemas.ts';

/** Subscriptions per tenant: enough for every integration, few enough that fan-out per event stays small. */
export const MAX_SUBSCRIPTIONS_PER_TENANT = 25;

const IdParam = z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' } }) });
const security = [{ bearerAuth: [] }];
const tags = ['Webhooks'];

export function webhookSubscriptionRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  app.use('/v1/webhooks', requireRole('admin'));
  app.use('/v1/webhooks/*', requireRole('admin'));

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/webhooks',
    summary: 'Subscribe an endpoint to webhook events (admin; Crier addition)',
    tags,
    security,
    request: { body: { content: { 'application/json': { schema: CreateWebhookSchema } }, required: true } },
    responses: {
      201: { description: 'Created; the secret is shown only here', content: { 'application/json': { schema: WebhookWithSecretSchema } } },
      400: { description: 'Invalid body or URL', ...problemContent },
      403: { description: 'Not an admin', ...problemContent },
      409: { description: 'The tenant already has the maximum number of subscriptions', ...problemContent },
      422: { description: 'tenant_id in body', ...problemContent },
    },
  });
  app.post('/v1/webhooks', async (c) => {
    const body = await validatedBody(c, CreateWebhookSchema);
    checkUrl(c.env, body.url);
    const tenantId = c.get('user').tenantId;
    const db = database(c.env.DB);
    const existing = (await db.select({ n: count() }).from(webhookSubscriptions).where(eq(webhookSubscriptions.tenantId, tenantId)).get())?.n ?? 0;
    if (existing >= MAX_SUBSCRIPTIONS_PER_TENANT) {
      throw Problems.conflict('webhook-limit-reached', 'Too many webhook subscriptions', `A tenant may have at most ${MAX_SUBSCRIPTIONS_PER_TENANT} subscriptions; delete one first.`);
    }
    const row = {
      id: uuidv7(),
      tenantId,
      url: body.url,
      secret: newSecret(),
      eventTypes: JSON.stringify(body.event_types),
      description: body.description ?? null,
      createdAt: new Date().toISOString(),
      disabledAt: null,
    };
    await db.insert(webhookSubscriptions).values(row);
    await subscriptionsChanged(c.env, tenantId);
    return c.json({ ...webhookView(row), secret: row.secret }, 201);
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/webhooks',
      summary: 'List webhook subscriptions, without secrets (admin; Crier addition)',
      tags,
      security,
      request: { query: z.object(pageQuery(20, 100)) },
      responses: {
        200: { description: 'One page, oldest first', content: { 'application/json': { schema: pageSchema(WebhookSchema, 'WebhookPage') } } },
        400: { description: 'Bad query', ...problemContent },
        403: { description: 'Not an admin', ...problemContent },
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const filter = eq(webhookSubscriptions.tenantId, c.get('user').tenantId);
      const after = cursor ? decodeCursor(cursor) : null;
      const db = database(c.env.DB);
      // UUIDv7 ids are creation-ordered: the id alone is the keyset.
      const rows = await db
        .select()
        .from(webhookSubscriptions)
        .where(and(filter, after ? gt(webhookSubscriptions.id, after.id) : undefined))
        .orderBy(asc(webhookSubscriptions.id))
        .limit(limit + 1)
        .all();
      const total = (await db.select({ n: count() }).from(webhookSubscriptions).where(filter).get())?.n ?? 0;
      return c.json(pageOf(rows, limit, total, (r) => ({ k: 0, id: r.id }), webhookView), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/webhooks/{id}',
      summary: 'Get a webhook subscription, without its secret (admin; Crier addition)',
      tags,
      security,
      request: { params: IdParam },
      responses: {
        200: { description: 'The subscription', content: { 'application/json': { schema: WebhookSchema } } },
        404: { description: 'No such subscription in your tenant', ...problemContent },
      },
    }),
    async (c) => c.json(webhookView(await findSubscription(c, c.req.valid('param').id)), 200),
  );

  app.openAPIRegistry.registerPath({
    method: 'patch',
    path: '/v1/webhooks/{id}',
    summary: 'Change a webhook subscription: url, event_types, active, description (admin; Crier addition)',
    description: 'Deactivating cancels its pending deliveries; a new URL or filter applies to every attempt from now on, retries included.',
    tags,
    security,
    request: { params: IdParam, body: { content: { 'application/json': { schema: UpdateWebhookSchema } }, required: true } },
    responses: {
      200: { description: 'Changed', content: { 'application/json': { schema: WebhookSchema } } },
      400: { description: 'Invalid body or URL', ...problemContent },
      404: { description: 'No such subscription in your tenant', ...problemContent },
    },
  });
  app.patch('/v1/webhooks/:id', async (c) => {
    const current = await findSubscription(c, c.req.param('id'));
    const body = await validatedBody(c, UpdateWebhookSchema);
    if (body.url !== undefined) checkUrl(c.env, body.url);
    const changes: Partial<typeof webhookSubscriptions.$inferInsert> = {};
    if (body.url !== undefined) changes.url = body.url;
    if (body.event_types !== undefined) changes.eventTypes = JSON.stringify(body.event_types);
    if (body.description !== undefined) changes.description = body.description;
    if (body.active !== undefined) changes.disabledAt = body.active ? null : (current.disabledAt ?? new Date().toISOString());
    const where = and(eq(webhookSubscriptions.id, current.id), eq(webhookSubscriptions.tenantId, current.tenantId));
    await database(c.env.DB).update(webhookSubscriptions).set(changes).where(where);
    await subscriptionsChanged(c.env, current.tenantId);
    return c.json(webhookView({ ...current, ...changes }), 200);
  });

  app.openAPIRegistry.registerPath({
    method: 'delete',
    path: '/v1/webhooks/{id}',
    summary: 'Delete a webhook subscription; its pending deliveries are cancelled (admin; Crier addition)',
    tags,
    security,
    request: { params: IdParam },
    responses: { 204: { description: 'Deleted' }, 404: { description: 'No such subscription in your tenant', ...problemContent } },
  });
  app.delete('/v1/webhooks/:id', async (c) => {
    const current = await findSubscription(c, c.req.param('id'));
    await database(c.env.DB)
      .delete(webhookSubscriptions)
      .where(and(eq(webhookSubscriptions.id, current.id), eq(webhookSubscriptions.tenantId, current.tenantId)));
    await subscriptionsChanged(c.env, current.tenantId);
    return c.body(null, 204);
  });

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/webhooks/{id}/rotate-secret',
    summary: 'Replace the signing secret (admin; Crier addition)',
    description: 'The new secret signs every attempt from now on, retries of earlier events included; the old one stops at once.',
    tags,
    security,
    request: { params: IdParam },
    responses: {
      200: { description: 'The subscription and its new secret, shown only here', content: { 'application/json': { schema: WebhookWithSecretSchema } } },
      404: { description: 'No such subscription in your tenant', ...problemContent },
    },
  });
  app.post('/v1/webhooks/:id/rotate-secret', async (c) => {
    const current = await findSubscription(c, c.req.param('id'));
    const secret = newSecret();
    await database(c.env.DB)
      .update(webhookSubscriptions)
      .set({ secret })
      .where(and(eq(webhookSubscriptions.id, current.id), eq(webhookSubscriptions.tenantId, current.tenantId)));
    await subscriptionsChanged(c.env, current.tenantId);
    return c.json({ ...webhookView(current), secret }, 200);
  });

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/webhooks/{id}/test',
    summary: 'Send a signed webhook.test event to this endpoint now (admin; Crier addition)',
    description: 'One attempt, no retries, whatever the subscription filters or whether it is active; the outcome is answered here and listed with its deliveries.',
    tags,
    security,
    request: { params: IdParam },
    responses: {
      200: { description: 'What the endpoint answered', content: { 'application/json': { schema: TestResultSchema } } },
      404: { description: 'No such subscription in your tenant', ...problemContent },
    },
  });
  app.post('/v1/webhooks/:id/test', async (c) => {
    const current = await findSubscription(c, c.req.param('id'));
    const result = await tenantEvents(c.env, current.tenantId).sendTest(current.tenantId, current.id);
    if (!result) throw Problems.notFound(`Webhook ${current.id}`);
    return c.json(result, 200);
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/webhooks/{id}/deliveries',
      summary: 'Recent deliveries to this endpoint and their attempts, newest first (admin; Crier addition)',
      description: 'Settled deliveries are kept 7 days. dead_lettered: every scheduled attempt failed; cancelled: the subscription was paused or changed before it could be sent.',
      tags,
      security,
      request: { params: IdParam, query: z.object({ status: DeliveryStatusSchema.optional(), ...pageQuery(50, 200) }) },
      responses: {
        200: { description: 'One page, newest first', content: { 'application/json': { schema: pageSchema(DeliverySchema, 'WebhookDeliveryPage') } } },
        400: { description: 'Bad query', ...problemContent },
        404: { description: 'No such subscription in your tenant', ...problemContent },
      },
    }),
    async (c) => {
      const current = await findSubscription(c, c.req.valid('param').id);
      const { status, limit, cursor } = c.req.valid('query');
      const before = cursor ? decodeCursor(cursor) : null;
      const beforeId = before === null ? undefined : Number(before.k);
      if (beforeId !== undefined && !Number.isSafeInteger(beforeId)) throw Problems.validation([{ pointer: '/query/cursor', reason: 'is not a cursor this API issued' }]);
      const { rows, total } = await tenantEvents(c.env, current.tenantId).deliveries(current.tenantId, current.id, {
        status: status as DeliveryStatus | undefined,
        beforeId,
        limit,
      });
      return c.json(pageOf(rows, limit, total, (r) => ({ k: r.id, id: '' }), (r) => r), 200);
    },
  );

  return app;
}

async function findSubscription(c: Context<DialerEnv>, id: string) {
  const tenantId = c.get('user').tenantId;
  const row = await database(c.env.DB)
    .select()
    .from(webhookSubscriptions)
    .where(and(eq(webhookSubscriptions.id, id), eq(webhookSubscriptions.tenantId, tenantId)))
    .get();
  if (!row) throw Problems.notFound(`Webhook ${id}`);
  return row;
}

function checkUrl(env: Env, url: string): void {
  const problem = webhookUrlProblem(url, allowsLoopback(env.WEBHOOK_ALLOW_LOOPBACK));
  if (problem) throw Problems.validation([{ pointer: '/url', reason: problem }]);
}

function newSecret(): string {
  return `whsec_${randomToken(24)}`;
}

/** Delivery follows the change at once: the tenant's object reloads, and this isolate forgets its cached interest. */
async function subscriptionsChanged(env: Env, tenantId: string): Promise<void> {
  await tenantEvents(env, tenantId).subscriptionsChanged(tenantId);
  forgetInterest(tenantId);
}
