/**
 * The caller's own tenant (Crier addition):
 *   GET   /v1/tenant   name, timezone and dialling settings (any role)
 *   PATCH /v1/tenant   change them (admin)
 * The timezone is the one "today" means in /v1/calls/count-today and reports.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import type { DialerEnv, Env } from '../env.ts';
import { database } from '../db/client.ts';
import { tenants } from '../db/schema.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { validatedBody } from '../middleware/validated-body/index.ts';
import { requireRole } from '../middleware/require-role/index.ts';
import { loadTenantSettings, settingsColumns, settingsPatchShape } from '../account/tenant-settings.ts';
import { isValidTimeZone } from '../time/zones.ts';

export const TimeZoneSchema = z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Asia/Dubai');

const TenantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    timezone: z.string(),
    allowed_countries: z.array(z.string()).nullable(),
    calls_per_second: z.number().int(),
    max_concurrent_calls: z.number().int(),
    created_at: z.string(),
  })
  .openapi('Tenant');

const TenantPatchSchema = z
  .object({ name: z.string().trim().min(1, 'must not be empty').max(200).optional(), timezone: TimeZoneSchema.optional(), ...settingsPatchShape })
  .strict()
  .openapi('TenantPatch');

export function tenantRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  const security = [{ bearerAuth: [] }];

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/tenant',
    summary: 'Your tenant (Crier addition)',
    tags: ['Tenant'],
    security,
    responses: { 200: { description: 'The tenant', content: { 'application/json': { schema: TenantSchema } } }, 401: { description: 'No valid token', ...problemContent } },
  });
  app.get('/v1/tenant', async (c) => c.json(await tenantView(c.env, c.get('user').tenantId), 200));

  app.openAPIRegistry.registerPath({
    method: 'patch',
    path: '/v1/tenant',
    summary: 'Change your tenant (admin; Crier addition)',
    tags: ['Tenant'],
    security,
    request: { body: { content: { 'application/json': { schema: TenantPatchSchema } }, required: true } },
    responses: {
      200: { description: 'The tenant after the change', content: { 'application/json': { schema: TenantSchema } } },
      400: { description: 'Invalid field(s)', ...problemContent },
      403: { description: 'Not an admin', ...problemContent },
      422: { description: 'tenant_id in body', ...problemContent },
    },
  });
  app.patch('/v1/tenant', requireRole('admin'), async (c) => {
    const patch = await validatedBody(c, TenantPatchSchema);
    const set = settingsColumns(patch);
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.timezone !== undefined) set.timezone = patch.timezone;
    const tenantId = c.get('user').tenantId;
    if (Object.keys(set).length > 0) await database(c.env.DB).update(tenants).set(set).where(eq(tenants.id, tenantId));
    return c.json(await tenantView(c.env, tenantId), 200);
  });

  return app;
}

async function tenantView(env: Env, tenantId: string): Promise<z.infer<typeof TenantSchema>> {
  const [settings, row] = await Promise.all([loadTenantSettings(env, tenantId), database(env.DB).select().from(tenants).where(eq(tenants.id, tenantId)).get()]);
  if (!settings || !row) throw Problems.notFound('Tenant');
  return {
    id: row.id,
    name: row.name,
    timezone: row.timezone,
    allowed_countries: settings.allowedCountries,
    calls_per_second: settings.callsPerSecond,
    max_concurrent_calls: settings.maxConcurrentCalls,
    created_at: row.createdAt,
  };
}
