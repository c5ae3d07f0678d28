/** A campaigns row as the campaign and contact routes read it, and the tenant-scoped lookup every /{id} route starts with. */
import { Problems } from '../errors/problem.ts';
import type { CampaignStatus, DIALING_MODES } from './campaign-schemas.ts';

export interface CampaignRow {
  id: string;
  tenant_id: string;
  name: string;
  status: CampaignStatus;
  dialing_mode: (typeof DIALING_MODES)[number];
  cli_group_id: string;
  max_attempts: number;
  retry_delay_minutes: number;
  dial_ratio: number;
  timezone: string;
  total_contacts: number;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  paused_at: string | null;
  completed_at: string | null;
}

export const CAMPAIGN_COLUMNS =
  'id, tenant_id, name, status, dialing_mode, cli_group_id, max_attempts, retry_delay_minutes, dial_ratio, timezone, total_contacts, created_by, created_at, started_at, paused_at, completed_at';

/** The campaign, or 404 — also for another tenant's campaign, whose existence is never revealed. */
export async function findCampaign(db: D1Database, tenantId: string, id: string): Promise<CampaignRow> {
  const row = await db.prepare(`SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE id = ? AND tenant_id = ?`).bind(id, tenantId).first<CampaignRow>();
  if (!row) throw Problems.notFound(`Campaign ${id}`);
  return row;
}
