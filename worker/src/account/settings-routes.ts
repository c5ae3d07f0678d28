/**
 * GET / PATCH /voice/v1/account/settings (a Crier addition): the tenant's
 * allowed countries and pacing limits, the settings broadcast acceptance and
 * the BroadcastSession obey. PATCH changes only the fields it names; null
 * restores the default (every country; the deployment's pacing defaults).
 * Broadcasts already accepted keep the settings they were accepted with.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import type { AppEnv, Env } from '../env.ts';
import { readJsonBody } from '../middleware/json-body/index.ts';
import { database } from '../db/client.ts';
import { tenants } from '../db/schema.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { fieldIssues } from '../errors/zod-issues.ts';
import { loadTenantSettings, settingsColumns, settingsPatchShape } from './tenant-settings.ts';

const MAX_SETTINGS_BODY_BYTES = 64 * 1024;

const SettingsSchema = z
  .object({
    tenant_id: z.string(),
    allowed_countries: z.array(z.string()).nullable().openapi({ description: 'ISO 3166-1 alpha-2 codes; null = every country; [] = none.' }),
    calls_per_second: z.number().int(),
    max_concurrent_calls: z.number().int(),
    timezone: z.string(),
  })
  .openapi('AccountSettings');

const SettingsPatchSchema = z.object(settingsPatchShape).strict().openapi('AccountSettingsPatch');

export function settingsRoutes() {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/voice/v1/account/settings',
      summary: 'Tenant dialling settings (Crier addition)',
      security: [{ basicAuth: [] }],
      responses: { 200: { description: 'Settings, defaults filled in', content: { 'application/json': { schema: SettingsSchema } } }, 401: { description: 'Bad credentials', ...problemContent } },
    }),
    async (c) => c.json(await settingsView(c.env, c.get('principal').tenantId), 200),
  );

  app.openAPIRegistry.registerPath({
    method: 'patch',
    path: '/voice/v1/account/settings',
    summary: 'Change tenant dialling settings (Crier addition)',
    security: [{ basicAuth: [] }],
    request: { body: { content: { 'application/json': { schema: SettingsPatchSchema } }, required: true } },
    responses: {
      200: { description: 'Settings after the change', content: { 'application/json': { schema: SettingsSchema } } },
      400: { description: 'Invalid field(s)', ...problemContent },
      401: { description: 'Bad credentials', ...problemContent },
      415: { description: 'Not JSON', ...problemContent },
    },
  });
  app.patch('/voice/v1/account/settings', async (c) => {
    const parsed = SettingsPatchSchema.safeParse((await readJsonBody(c, MAX_SETTINGS_BODY_BYTES)).value);
    if (!parsed.success) throw Problems.validation(fieldIssues(parsed.error));
    const set = settingsColumns(parsed.data);
    const tenantId = c.get('principal').tenantId;
    if (Object.keys(set).length > 0) await database(c.env.DB).update(tenants).set(set).where(eq(tenants.id, tenantId));
    return c.json(await settingsView(c.env, tenantId), 200);
  });

  return app;
}

async function settingsView(env: Env, tenantId: string): Promise<z.infer<typeof SettingsSchema>> {
  const s = await loadTenantSettings(env, tenantId);
  if (!s) throw Problems.notFound('Tenant');
  return { tenant_id: s.tenantId, allowed_countries: s.allowedCountries, calls_per_second: s.callsPerSecond, max_concurrent_calls: s.maxConcurrentCalls, timezone: s.timezone };
}
