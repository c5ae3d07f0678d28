/**
 * A tenant's dialling settings as the rest of the Worker uses them: the
 * allowed countries (null = all) and pacing limits with the deployment's
 * defaults filled in. One reader, so the settings API and broadcast
 * acceptance can never disagree about what a NULL column means.
 */
import { eq } from 'drizzle-orm';
import { z } from '@hono/zod-openapi';
import type { Env } from '../env.ts';
import { database } from '../db/client.ts';
import { tenants } from '../db/schema.ts';
import { isDialableCountry } from '../phone/countries.ts';

export interface TenantSettings {
  tenantId: string;
  timezone: string;
  /** ISO 3166-1 alpha-2 codes; null allows every country, [] allows none. */
  allowedCountries: string[] | null;
  callsPerSecond: number;
  maxConcurrentCalls: number;
}

export async function loadTenantSettings(env: Env, tenantId: string): Promise<TenantSettings | null> {
  const t = await database(env.DB).select().from(tenants).where(eq(tenants.id, tenantId)).get();
  if (!t) return null;
  return {
    tenantId: t.id,
    timezone: t.timezone,
    allowedCountries: t.allowedCountries === null ? null : (JSON.parse(t.allowedCountries) as string[]),
    callsPerSecond: t.callsPerSecond ?? Number(env.DEFAULT_CALLS_PER_SECOND),
    maxConcurrentCalls: t.maxConcurrentCalls ?? Number(env.DEFAULT_MAX_CONCURRENT_CALLS),
  };
}

/**
 * The settings a tenant may change, shared by PATCH /voice/v1/account/settings
 * and PATCH /v1/tenant. null restores the default (every country; the
 * deployment's pacing defaults).
 */
export const settingsPatchShape = {
  allowed_countries: z
    .array(z.string().refine(isDialableCountry, 'must be an ISO 3166-1 alpha-2 country code such as AE'))
    .max(300)
    .nullable()
    .optional(),
  calls_per_second: z.number().int().min(1).max(1000).nullable().optional(),
  max_concurrent_calls: z.number().int().min(1).max(100_000).nullable().optional(),
};

export type SettingsPatch = { [K in keyof typeof settingsPatchShape]?: z.infer<(typeof settingsPatchShape)[K]> };

/** The tenants columns a settings patch changes. */
export function settingsColumns(patch: SettingsPatch): Partial<typeof tenants.$inferInsert> {
  const set: Partial<typeof tenants.$inferInsert> = {};
  if (patch.allowed_countries !== undefined) set.allowedCountries = patch.allowed_countries === null ? null : JSON.stringify([...new Set(patch.allowed_countries)].sort());
  if (patch.calls_per_second !== undefined) set.callsPerSecond = patch.calls_per_second;
  if (patch.max_concurrent_calls !== undefined) set.maxConcurrentCalls = patch.max_concurrent_calls;
  return set;
}
