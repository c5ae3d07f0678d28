/**
 * A campaign is done when it is active, nothing is in progress in its dialer
 * and no contact is left to dial, now or later (pending, dialing, connected).
 * Then one conditional UPDATE makes it completed; only the request that wins
 * it answers the campaign.completed event, so it is sent exactly once.
 */
import type { Env } from '../../env.ts';
import type { CampaignRow } from '../../campaigns/campaign-rows.ts';
import type { DialerEvent } from '../../dialer-events/emit.ts';
import { abandonRate } from '../../campaigns/campaign-counters.ts';
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
  const s = await env.DB.prepare(
    `SELECT
       (SELECT count(*) FROM contacts WHERE campaign_id = ?1) AS total_contacts,
       (SELECT count(*) FROM contacts WHERE campaign_id = ?1 AND status = 'completed') AS completed,
       (SELECT count(*) FROM contacts WHERE campaign_id = ?1 AND status = 'failed') AS failed,
       (SELECT count(*) FROM contacts WHERE campaign_id = ?1 AND status = 'dnc') AS dnc,
       (SELECT count(*) FROM calls WHERE campaign_id = ?1) AS calls,
       (SELECT count(*) FROM calls WHERE campaign_id = ?1 AND answered_at IS NOT NULL AND status <> 'voicemail' AND abandoned_at IS NULL) AS connected,
       (SELECT count(*) FROM calls WHERE campaign_id = ?1 AND abandoned_at IS NOT NULL) AS abandoned`,
  )
    .bind(row.id)
    .first<{ total_contacts: number; completed: number; failed: number; dnc: number; calls: number; connected: number; abandoned: number }>();
  const sums = s ?? { total_contacts: 0, completed: 0, failed: 0, dnc: 0, calls: 0, connected: 0, abandoned: 0 };
  return campaignCompleted(row.tenant_id, row.id, row.name, changed.completed_at, { ...sums, abandon_rate: abandonRate(sums.abandoned, sums.connected + sums.abandoned) });
}
