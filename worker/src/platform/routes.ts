/**
 * The platform operator's tenant management (Crier addition):
 *   POST /v1/platform/tenants                 a tenant and its first admin
 *   GET  /v1/platform/tenants                 list
 *   POST /v1/platform/tenants/{id}/disable    every user and app of it stops working
 *   POST /v1/platform/tenants/{id}/enable
 * The very first tenant can also be made without a running Worker:
 * `npm run tenant:create` (scripts/create-tenant.ts) writes the same rows.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { asc, count, eq } from 'drizzle-orm';
import type { DialerEnv } from '../env.ts';
import { database } from '../db/client.ts';
import { tenants, users } from '../db/schema.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { validatedBody } from '../middleware/validated-body/index.ts';
import { platformAuth } from '../middleware/platform-auth/index.ts';
import { afterKeyset, decodeCursor, pageOf, pageQuery, pageSchema } from '../pagination/keyset.ts';
import { hashPassword } from '../auth/password.ts';
import { uuidv7 } from '../ids/uuid-v7.ts';
import { EmailSchema, FullNameSchema, PasswordSchema, UserSchema, userView } from '../users/user-schemas.ts';
import { TimeZoneSchema } from '../tenant/routes.ts';

const CreateTenantSchema = z
  .object({
    name: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(200),
    timezone: TimeZoneSchema.default('Asia/Dubai'),
    admin: z.object({ email: EmailSchema, full_name: FullNameSchema, password: PasswordSchema }).strict(),
  })
  .strict()
  .openapi('CreateTenant');

const PlatformTenantSchema = z
  .object({ id: z.string(), name: z.string(), timezone: z.string(), rate_limit_per_minute: z.number().int().nullable(), created_at: z.string(), disabled_at: z.string().nullable() })
  .openapi('PlatformTenant');
const tenantView = (t: typeof tenants.$inferSelect) => ({ id: t.id, name: t.name, timezone: t.timezone, rate_limit_per_minute: t.rateLimitPerMinute, created_at: t.createdAt, disabled_at: t.disabledAt });

const PlatformTenantPatchSchema = z
  .object({ rate_limit_per_minute: z.number().int().min(1).max(1_000_000).nullable().openapi({ description: 'Dialer API requests per minute for this tenant; null = the deployment default (2,000).' }) })
  .strict()
  .openapi('PlatformTenantPatch');

export function platformRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  const security = [{ platformToken: [] }];
  app.use('/v1/platform/*', platformAuth());

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/platform/tenants',
    summary: 'Create a tenant and its first admin (platform operator)',
    tags: ['Platform'],
    security,
    request: { body: { content: { 'application/json': { schema: CreateTenantSchema } }, required: true } },
    responses: {
      201: { description: 'Created', content: { 'application/json': { schema: z.object({ tenant: PlatformTenantSchema, admin: UserSchema }) } } },
      400: { description: 'Invalid body', ...problemContent },
      409: { description: 'The admin email is in use', ...problemContent },
    },
  });
  app.post('/v1/platform/tenants', async (c) => {
    const body = await validatedBody(c, CreateTenantSchema);
    const db = database(c.env.DB);
    if (await db.select({ id: users.id }).from(users).where(eq(users.email, body.admin.email)).get()) {
      throw Problems.conflict('email-taken', 'Email already in use', `A user with email ${body.admin.email} already exists.`);
    }
    const now = new Date().toISOString();
    const tenant = { id: uuidv7(), name: body.name, timezone: body.timezone, createdAt: now };
    const admin = { id: uuidv7(), tenantId: tenant.id, email: body.admin.email, fullName: body.admin.full_name, role: 'admin', passwordHash: await hashPassword(body.admin.password), createdAt: now };
    await db.batch([db.insert(tenants).values(tenant), db.insert(users).values(admin)]);
    return c.json(
      { tenant: tenantView({ ...tenant, allowedCountries: null, callsPerSecond: null, maxConcurrentCalls: null, disabledAt: null, rateLimitPerMinute: null }), admin: userView({ ...admin, teamId: null, disabledAt: null, tokensValidAfter: null }) },
      201,
    );
  });

  app.openAPIRegistry.registerPath({
    method: 'patch',
    path: '/v1/platform/tenants/{id}',
    summary: "Change a tenant's platform limits (platform operator)",
    tags: ['Platform'],
    security,
    request: { params: z.object({ id: z.string() }), body: { content: { 'application/json': { schema: PlatformTenantPatchSchema } }, required: true } },
    responses: { 200: { description: 'Changed', content: { 'application/json': { schema: PlatformTenantSchema } } }, 404: { description: 'No such tenant', ...problemContent } },
  });
  app.patch('/v1/platform/tenants/:id', async (c) => {
    const body = await validatedBody(c, PlatformTenantPatchSchema);
    const db = database(c.env.DB);
    const id = c.req.param('id');
    const row = await db.select().from(tenants).where(eq(tenants.id, id)).get();
    if (!row) throw Problems.notFound(`Tenant ${id}`);
    await db.update(tenants).set({ rateLimitPerMinute: body.rate_limit_per_minute }).where(eq(tenants.id, id));
    return c.json(tenantView({ ...row, rateLimitPerMinute: body.rate_limit_per_minute }), 200);
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/platform/tenants',
      summary: 'List tenants (platform operator)',
      tags: ['Platform'],
      security,
      request: { query: z.object(pageQuery(50, 200)) },
      responses: { 200: { description: 'One page, oldest first', content: { 'application/json': { schema: pageSchema(PlatformTenantSchema, 'PlatformTenantPage') } } } },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const after = cursor ? decodeCursor(cursor) : null;
      const db = database(c.env.DB);
      const rows = await db
        .select()
        .from(tenants)
        .where(after ? afterKeyset(tenants.createdAt, tenants.id, after) : undefined)
        .orderBy(asc(tenants.createdAt), asc(tenants.id))
        .limit(limit + 1)
        .all();
      const total = (await db.select({ n: count() }).from(tenants).get())?.n ?? 0;
      return c.json(pageOf(rows, limit, total, (t) => ({ k: t.createdAt, id: t.id }), tenantView), 200);
    },
  );

  for (const action of ['disable', 'enable'] as const) {
    app.openAPIRegistry.registerPath({
      method: 'post',
      path: `/v1/platform/tenants/{id}/${action}`,
      summary: `${action === 'disable' ? 'Disable' : 'Enable'} a tenant (platform operator)`,
      tags: ['Platform'],
      security,
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: { description: 'Done', content: { 'application/json': { schema: PlatformTenantSchema } } }, 404: { description: 'No such tenant', ...problemContent } },
    });
    app.post(`/v1/platform/tenants/:id/${action}`, async (c) => {
      const db = database(c.env.DB);
      const id = c.req.param('id');
      const row = await db.select().from(tenants).where(eq(tenants.id, id)).get();
      if (!row) throw Problems.notFound(`Tenant ${id}`);
      const disabledAt = action === 'disable' ? (row.disabledAt ?? new Date().toISOString()) : null;
      await db.update(tenants).set({ disabledAt }).where(eq(tenants.id, id));
      return c.json(tenantView({ ...row, disabledAt }), 200);
    });
  }

  return app;
}
