/**
 * A tenant's dialling settings as the rest of the Worker uses them: the
 * allowed countries (null = all) and pacing limits with the deployment's
 * defaults filled in. One reader, so the settings API and broadcast
 * acceptance can never disagree about what a NULL column means.
 */
import { eq } from 'drizzle-orm';
import type { Env } from '../env.ts';
import { database } from '../db/client.ts';
import { tenants } from '../db/schema.ts';

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
