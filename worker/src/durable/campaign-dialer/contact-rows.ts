/**
 * The campaign's contacts in D1 as the dialer moves them: the next due ones
 * (one small page per tick, never the list), taking one for a dial (pending
 * → dialing, attempts + 1, in one conditional statement so a contact is
 * never dialled twice at once), and writing what became of it.
 */
import type { ContactAfter } from '../../campaigns/engine/contact-after.ts';

export interface DueContact {
  id: string;
  phone: string;
  first_name: string | null;
  last_name: string | null;
  custom_fields: string | null;
  attempts: number;
}

/**
 * Pending contacts due now: retries whose delay has run out first (oldest due
 * first), then contacts never dialled (in id order, which is upload order for
 * UUIDv7 ids), skipping `exclude` (contacts offered in preview). Retries go
 * first because retry_delay_minutes promises a redial after the delay, not
 * after the rest of the list: ordered by due time alone, never-dialled contacts
 * (due since upload) kept due retries waiting until every contact had been
 * dialled once, hours on a long list. Each half is one index range (contacts_campaign_due
 * for retries, contacts_campaign_status for the rest), never a sort of the list.
 */
export async function dueContacts(db: D1Database, campaignId: string, nowIso: string, limit: number, exclude: readonly string[] = []): Promise<DueContact[]> {
  if (limit <= 0) return [];
  const columns = 'id, phone, first_name, last_name, custom_fields, attempts, next_attempt_at';
  const { results } = await db
    .prepare(
      `SELECT id, phone, first_name, last_name, custom_fields, attempts FROM (
         SELECT * FROM (SELECT ${columns} FROM contacts
           WHERE campaign_id = ?1 AND status = 'pending' AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?2
             AND id NOT IN (SELECT value FROM json_each(?4))
           ORDER BY next_attempt_at, id LIMIT ?3)
         UNION ALL
         SELECT * FROM (SELECT ${columns} FROM contacts
           WHERE campaign_id = ?1 AND status = 'pending' AND next_attempt_at IS NULL
             AND id NOT IN (SELECT value FROM json_each(?4))
           ORDER BY id LIMIT ?3))
       ORDER BY next_attempt_at IS NULL, next_attempt_at, id LIMIT ?3`,
    )
    .bind(campaignId, nowIso, limit, JSON.stringify(exclude))
    .all<DueContact>();
  return results;
}

/** pending → dialing for one attempt; null when someone else took it or it is no longer pending. */
export async function takeContact(db: D1Database, contactId: string, nowIso: string): Promise<{ attempts: number } | null> {
  return db
    .prepare("UPDATE contacts SET status = 'dialing', attempts = attempts + 1, last_call_at = ?2, next_attempt_at = NULL WHERE id = ?1 AND status = 'pending' RETURNING attempts")
    .bind(contactId, nowIso)
    .first<{ attempts: number }>();
}

/** A dial that never left (node refused): back to pending, the attempt not counted. */
export async function untakeContact(db: D1Database, contactId: string): Promise<void> {
  await db.prepare("UPDATE contacts SET status = 'pending', attempts = MAX(0, attempts - 1) WHERE id = ? AND status = 'dialing'").bind(contactId).run();
}

export async function markContactConnected(db: D1Database, contactId: string): Promise<void> {
  await db.prepare("UPDATE contacts SET status = 'connected' WHERE id = ? AND status = 'dialing'").bind(contactId).run();
}

export function settleContactStatement(db: D1Database, contactId: string, after: ContactAfter): D1PreparedStatement {
  return db
    .prepare('UPDATE contacts SET status = ?2, next_attempt_at = ?3, disposition = coalesce(?4, disposition) WHERE id = ?1')
    .bind(contactId, after.status, after.nextAttemptAtMs === null ? null : new Date(after.nextAttemptAtMs).toISOString(), after.disposition);
}

/** Contacts still to dial (pending now or later) or in a call: the campaign is not done while any exist. */
export async function contactsLeft(db: D1Database, campaignId: string): Promise<{ due: number; later: number; inCall: number }> {
  const row = await db
    .prepare(
      `SELECT
         count(CASE WHEN status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?2) THEN 1 END) AS due,
         count(CASE WHEN status = 'pending' AND next_attempt_at > ?2 THEN 1 END) AS later,
         count(CASE WHEN status IN ('dialing', 'connected') THEN 1 END) AS inCall
       FROM contacts WHERE campaign_id = ?1 AND status IN ('pending', 'dialing', 'connected')`,
    )
    .bind(campaignId, new Date().toISOString())
    .first<{ due: number; later: number; inCall: number }>();
  return { due: row?.due ?? 0, later: row?.later ?? 0, inCall: row?.inCall ?? 0 };
}

/** The earliest instant a pending contact becomes due (ms), or null. */
export async function nextDueAt(db: D1Database, campaignId: string): Promise<number | null> {
  const row = await db.prepare("SELECT min(next_attempt_at) AS t FROM contacts WHERE campaign_id = ? AND status = 'pending'").bind(campaignId).first<{ t: string | null }>();
  return row?.t ? Date.parse(row.t) : null;
}

/** Contacts marked in a call since before `beforeIso` (a few per tick): the dialer heals those it holds no call for. */
export async function contactsLongInCall(db: D1Database, campaignId: string, beforeIso: string, limit = 20): Promise<Array<{ id: string; attempts: number }>> {
  const { results } = await db
    .prepare("SELECT id, attempts FROM contacts WHERE campaign_id = ?1 AND status IN ('dialing', 'connected') AND last_call_at < ?2 ORDER BY last_call_at LIMIT ?3")
    .bind(campaignId, beforeIso, limit)
    .all<{ id: string; attempts: number }>();
  return results;
}
