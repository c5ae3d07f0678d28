/**
 * The live counters of campaigns (spec: contacted, connected, abandon_rate),
 * derived from the rows they count every time they are read, so they cannot
 * drift from the contacts and calls a client can list:
 *   contacted    contacts of the campaign dialled at least once (attempts > 0)
 *   connected    contacts with at least one call answered by a person
 *                (answered_at set, not voicemail/machine) and not abandoned
 *   abandon_rate abandoned calls / calls answered by a person × 100, one decimal
 * (total_contacts is a column the upload keeps in the same transaction as
 * the rows.) A whole page of campaigns costs one grouped statement.
 */

export interface CampaignCounters {
  contacted: number;
  connected: number;
  abandonRate: number;
}

export const ZERO_COUNTERS: CampaignCounters = { contacted: 0, connected: 0, abandonRate: 0 };

interface CounterRow {
  id: string;
  contacted: number;
  connected: number;
  answered: number;
  abandoned: number;
}

/** A call answered by a person: what a connect or an abandonment can happen to. */
const ANSWERED_BY_PERSON = "answered_at IS NOT NULL AND status <> 'voicemail' AND coalesce(answered_by, '') <> 'MACHINE'";

export async function campaignCounters(db: D1Database, tenantId: string, campaignIds: readonly string[]): Promise<Map<string, CampaignCounters>> {
  const counters = new Map<string, CampaignCounters>();
  if (campaignIds.length === 0) return counters;
  const { results } = await db
    .prepare(
      `WITH page(id) AS (SELECT value FROM json_each(?1)),
       dialled AS (
         SELECT campaign_id, count(*) AS n FROM contacts
         WHERE tenant_id = ?2 AND campaign_id IN (SELECT id FROM page) AND attempts > 0
         GROUP BY campaign_id),
       answered AS (
         SELECT campaign_id,
                count(DISTINCT CASE WHEN abandoned_at IS NULL THEN contact_id END) AS connected,
                count(*) AS answered,
                count(abandoned_at) AS abandoned
         FROM calls
         WHERE tenant_id = ?2 AND campaign_id IN (SELECT id FROM page) AND ${ANSWERED_BY_PERSON}
         GROUP BY campaign_id)
       SELECT page.id AS id, coalesce(d.n, 0) AS contacted, coalesce(a.connected, 0) AS connected,
              coalesce(a.answered, 0) AS answered, coalesce(a.abandoned, 0) AS abandoned
       FROM page LEFT JOIN dialled d ON d.campaign_id = page.id LEFT JOIN answered a ON a.campaign_id = page.id`,
    )
    .bind(JSON.stringify(campaignIds), tenantId)
    .all<CounterRow>();
  for (const r of results) counters.set(r.id, { contacted: r.contacted, connected: r.connected, abandonRate: abandonRate(r.abandoned, r.answered) });
  return counters;
}

/** Percentage with one decimal; 0 before any call was answered. */
export function abandonRate(abandoned: number, answeredByPerson: number): number {
  if (answeredByPerson === 0) return 0;
  return Math.round((abandoned / answeredByPerson) * 1000) / 10;
}
