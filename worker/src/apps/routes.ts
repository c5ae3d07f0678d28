/**
 * Broadcast API credentials, managed by tenant admins (Crier addition):
 *   POST /v1/apps                 a new APP_ID + APP_KEY (+ webhook secret), shown once
 *   GET  /v1/apps                 list, without secrets
 *   POST /v1/apps/{id}/disable    the key stops working at once
 * Only the SHA-256 of the APP_KEY is stored (middleware/app-auth).
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { and, asc, count, eq } from 'drizzle-orm';
import type { DialerEnv } from '../env.ts';
import { database } from '../db/client.ts';
import { apps } from '../db/schema.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { validatedBody } from '../middleware/validated-body/index.ts';
import { requireRole } from '../middleware/require-role/index.ts';
import { afterKeyset, decodeCursor, pageOf, pageQuery, pageSchema } from '../pagination/keyset.ts';
import { randomToken, sha256Hex } from '../db/hashing.ts';

const CreateAppSchema = z.object({ name: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(200) }).strict().openapi('CreateApp');

const AppSchema = z.object({ app_id: z.string(), name: z.string(), created_at: z.string(), disabled_at: z.string().nullable() }).openapi('App');
const CreatedAppSchema = AppSchema.extend({
  app_key: z.string().openapi({ description: 'Shown once: store it now.' }),
  webhook_secret: z.string().openapi({ description: 'Verifies X-Crier-Signature on broadcast webhooks. Shown once.' }),
}).openapi('CreatedApp');

const view = (r: typeof apps.$inferSelect) => ({ app_id: r.id, name: r.name, created_at: r.createdAt, disabled_at: r.disabledAt });

export function appRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  const security = [{ bearerAuth: [] }];
  app.use('/v1/apps', requireRole('admin'));
  app.use('/v1/apps/*', requireRole('admin'));

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/apps',
    summary: 'Create broadcast API credentials (admin; Crier addition)',
    tags: ['Apps'],
    security,
    request: { body: { content: { 'application/json': { schema: CreateAppSchema } }, required: true } },
    responses: { 201: { description: 'Created; secrets shown once', content: { 'application/json': { schema: CreatedAppSchema } } }, 400: { description: 'Invalid body', ...problemContent }, 403: { description: 'Not an admin', ...problemContent } },
  });
  app.post('/v1/apps', async (c) => {
    const { name } = await validatedBody(c, CreateAppSchema);
    const appKey = randomToken(24);
    const row = { id: `app_${randomToken(8)}`, tenantId: c.get('user').tenantId, name, keyHash: await sha256Hex(appKey), webhookSecret: `whsec_${randomToken(24)}`, createdAt: new Date().toISOString(), disabledAt: null };
    await database(c.env.DB).insert(apps).values(row);
    return c.json({ ...view(row), app_key: appKey, webhook_secret: row.webhookSecret }, 201);
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/apps',
      summary: 'List broadcast API credentials (admin; Crier addition)',
      tags: ['Apps'],
      security,
      request: { query: z.object(pageQuery(50, 200)) },
      responses: { 200: { description: 'One page, oldest first', content: { 'application/json': { schema: pageSchema(AppSchema, 'AppPage') } } }, 403: { description: 'Not an admin', ...problemContent } },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const tenantId = c.get('user').tenantId;
      const after = cursor ? decodeCursor(cursor) : null;
      const db = database(c.env.DB);
      const filter = eq(apps.tenantId, tenantId);
      // created_at then id: app ids are random, the creation time is the order.
      const rows = await db
        .select()
        .from(apps)
        .where(and(filter, after ? afterKeyset(apps.createdAt, apps.id, after) : undefined))
        .orderBy(asc(apps.createdAt), asc(apps.id))
        .limit(limit + 1)
        .all();
      const total = (await db.select({ n: count() }).from(apps).where(filter).get())?.n ?? 0;
      return c.json(pageOf(rows, limit, total, (r) => ({ k: r.createdAt, id: r.id }), view), 200);
    },
  );

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/apps/{id}/disable',
    summary: 'Disable broadcast API credentials (admin; Crier addition)',
    tags: ['Apps'],
    security,
    request: { params: z.object({ id: z.string() }) },
    responses: { 200: { description: 'Disabled', content: { 'application/json': { schema: AppSchema } } }, 404: { description: 'No such app in your tenant', ...problemContent } },
  });
  app.post('/v1/apps/:id/disable', async (c) => {
    const db = database(c.env.DB);
    const where = and(eq(apps.id, c.req.param('id')), eq(apps.tenantId, c.get('user').tenantId));
    const row = await db.select().from(apps).where(where).get();
    if (!row) throw Problems.notFound(`App ${c.req.param('id')}`);
    const disabledAt = row.disabledAt ?? new Date().toISOString();
    await db.update(apps).set({ disabledAt }).where(where);
    return c.json(view({ ...row, disabledAt }), 200);
  });

  return app;
}
