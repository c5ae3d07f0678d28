/**
 * "Does this campaign exist in the caller's tenant?" for routes that take a
 * campaign_id as context (check, consents). Another tenant's campaign is
 * indistinguishable from none: 404.
 */
import { Problems } from '../../errors/problem.ts';

export async function requireCampaign(db: D1Database, tenantId: string, campaignId: string): Promise<void> {
  const row = await db.prepare('SELECT id FROM campaigns WHERE id = ? AND tenant_id = ?').bind(campaignId, tenantId).first();
  if (!row) throw Problems.notFound(`Campaign ${campaignId}`);
}
