/**
 * A campaign is done when it is active, nothing is in progress in its dialer
 * and no contact is left to dial, now or later (pending, dialing, connected).
 * Then one conditional UPDATE makes it completed; only the request that wins
 * it answers the campaign.completed event, so it is sent exactly once.
 */
import type { Env } from '../../env.ts';
import type { CampaignRow } from '../../campaigns/campaign-rows.ts';
import type { DialerEvent } from '../../dialer-events/emit.ts';
import { ZERO_COUNTERS, campaignCounters } from '../../campaigns/campaign-counters.ts';
import { campaignCompleted } from '../../campaigns/engine/campaign-call-events.ts';
import { contactsLeft } from './contact-rows.ts';

export async function completeIfDone(env: Env, row: CampaignRow, openCalls: number): Promise<DialerEvent | null> {
  if (openCalls > 0) return null;
  const left = await contactsLeft(env.DB, row.id);
  if (left.due + left.later + left.inCall > 0) return null;
  const now = new Date().toISOString();
  const changed = await env.DB.prepare("UPDATE campaigns SET status = 'completed', completed_at = ?2 WHERE id = ?1 AND status = 'active' RETURNING completed_at")
    .bind(row.id, now)
    .first<{ completed_at: string }>();
  if (!changed) return null;
  const [counts, counters] = await Promise.all([
    env.DB.prepare(
      `SELECT count(*) AS total_contacts,
              count(CASE WHEN status = 'completed' THEN 1 END) AS completed,
              count(CASE WHEN status = 'failed' THEN 1 END) AS failed,
              count(CASE WHEN status = 'dnc' THEN 1 END) AS dnc,
              (SELECT count(*) FROM calls WHERE campaign_id = ?1) AS calls,
              (SELECT count(*) FROM calls WHERE campaign_id = ?1 AND abandoned_at IS NOT NULL) AS abandoned
       FROM contacts WHERE campaign_id = ?1`,
    )
      .bind(row.id)
      .first<{ total_contacts: number; completed: number; failed: number; dnc: number; calls: number; abandoned: number }>(),
    campaignCounters(env.DB, row.tenant_id, [row.id]),
  ]);
  const c = counters.get(row.id) ?? ZERO_COUNTERS;
  const n = counts ?? { total_contacts: 0, completed: 0, failed: 0, dnc: 0, calls: 0, abandoned: 0 };
  // The list's counters (contacted, connected, abandon_rate) exactly as GET /v1/campaigns shows them.
  return campaignCompleted(row.tenant_id, row.id, row.name, changed.completed_at, { ...n, contacted: c.contacted, connected: c.connected, abandon_rate: c.abandonRate });
}
