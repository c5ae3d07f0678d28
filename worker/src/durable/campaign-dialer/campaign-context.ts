/**
 * What one tick of the dialer reads about its campaign, fresh each time so a
 * pause, a settings change or a new CLI number takes effect at the next tick:
 * the row (status, mode, retries), the dialer settings, the tenant's pacing
 * limits and the caller IDs of the campaign's CLI group.
 */
import type { Env } from '../../env.ts';
import { CAMPAIGN_COLUMNS, type CampaignRow } from '../../campaigns/campaign-rows.ts';
import { parseDialerSettings, type DialerSettings } from '../../campaigns/dialer-settings.ts';
import { loadTenantSettings } from '../../account/tenant-settings.ts';

export interface CampaignContext {
  row: CampaignRow;
  settings: DialerSettings;
  callsPerSecond: number;
  maxConcurrentCalls: number;
  tenantTimezone: string;
  cliNumbers: string[];
}

export async function loadCampaignContext(env: Env, tenantId: string, campaignId: string): Promise<CampaignContext | null> {
  const row = await env.DB.prepare(`SELECT ${CAMPAIGN_COLUMNS}, dialer_settings FROM campaigns WHERE id = ? AND tenant_id = ?`)
    .bind(campaignId, tenantId)
    .first<CampaignRow & { dialer_settings: string | null }>();
  if (!row) return null;
  const [tenant, numbers] = await Promise.all([
    loadTenantSettings(env, tenantId),
    env.DB.prepare('SELECT number FROM cli_numbers WHERE cli_group_id = ? AND tenant_id = ? ORDER BY number').bind(row.cli_group_id, tenantId).all<{ number: string }>(),
  ]);
  return {
    row,
    settings: parseDialerSettings(row.dialer_settings),
    callsPerSecond: tenant?.callsPerSecond ?? Number(env.DEFAULT_CALLS_PER_SECOND),
    maxConcurrentCalls: tenant?.maxConcurrentCalls ?? Number(env.DEFAULT_MAX_CONCURRENT_CALLS),
    tenantTimezone: tenant?.timezone ?? row.timezone,
    cliNumbers: numbers.results.map((n) => n.number),
  };
}
