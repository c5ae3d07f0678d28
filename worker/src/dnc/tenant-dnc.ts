/**
 * The tenant's internal DNC list, one implementation behind both doors
 * (/v1/dnc with a user's token, /voice/v1/dnc with an app's Basic
 * credentials). Adding numbers takes effect at once everywhere:
 *  - the same D1 batch (one transaction) that inserts them turns every
 *    pending contact with those numbers, in every campaign of the tenant,
 *    into status "dnc";
 *  - broadcasts accepted later put them in call_blacklisted, and legs of
 *    broadcasts already running are refused at dial time by the compliance
 *    engine (dnc_tenant);
 *  - each number actually added raises one dnc.added webhook event.
 * Numbers are stored normalised (E.164 with '+'), so "9715…" and "+9715…"
 * are one entry.
 */
import type { Env } from '../env.ts';
import { parseE164 } from '../phone/e164.ts';
import { uuidv7 } from '../ids/uuid-v7.ts';
import { emitDialerEvents, type DialerEvent } from '../dialer-events/emit.ts';

export const MAX_DNC_PHONES_PER_REQUEST = 5_000;

export interface DncAddition {
  tenantId: string;
  phones: readonly string[];
  reason: string | null;
  /** api | agent_disposition | … */
  source: string;
  /** A user id (dialer API) or an app id (broadcast API). */
  addedBy: string;
  /** Shown as added_by in the dnc.added event (a user's full name, an app id). */
  addedByName: string;
}

export interface DncAdded {
  added: number;
  duplicatesSkipped: number;
  invalidPhones: number;
  /** Indexes into `phones` of the numbers that did not parse. */
  invalidIndexes: number[];
  /** Pending campaign contacts that became "dnc". */
  contactsMarked: number;
}

/** `emit` is the event door (a parameter so tests can watch it; callers leave it). */
export async function addToTenantDnc(env: Env, a: DncAddition, emit: typeof emitDialerEvents = emitDialerEvents): Promise<DncAdded> {
  const invalidIndexes: number[] = [];
  const numbers = new Set<string>();
  a.phones.forEach((phone, i) => {
    const p = parseE164(phone);
    if (p.ok) numbers.add(p.e164);
    else invalidIndexes.push(i);
  });
  if (numbers.size === 0) return { added: 0, duplicatesSkipped: a.phones.length - invalidIndexes.length, invalidPhones: invalidIndexes.length, invalidIndexes, contactsMarked: 0 };

  const addedAt = new Date().toISOString();
  const list = [...numbers];
  // Rows travel as one JSON parameter (D1 binds at most 100); the unique (tenant, phone) index skips numbers already listed.
  const rows = JSON.stringify(list.map((phone) => [uuidv7(), phone]));
  const [inserted, marked] = await env.DB.batch<{ id: string; phone: string }>([
    env.DB.prepare(
      `INSERT INTO dnc (id, tenant_id, phone, source, reason, added_by, added_at)
       SELECT json_extract(value, '$[0]'), ?1, json_extract(value, '$[1]'), ?2, ?3, ?4, ?5 FROM json_each(?6) WHERE true
       ON CONFLICT (tenant_id, phone) DO NOTHING
       RETURNING id, phone`,
    ).bind(a.tenantId, a.source, a.reason, a.addedBy, addedAt, rows),
    env.DB.prepare(`UPDATE contacts SET status = 'dnc' WHERE tenant_id = ?1 AND status = 'pending' AND phone IN (SELECT value FROM json_each(?2))`).bind(a.tenantId, JSON.stringify(list)),
  ]);
  const added = inserted!.results;
  if (added.length > 0) {
    const events: DialerEvent[] = added.map((row) => ({
      type: 'dnc.added',
      tenantId: a.tenantId,
      correlationId: row.id,
      occurredAt: addedAt,
      payload: { id: row.id, phone: row.phone, source: a.source, reason: a.reason, added_by: a.addedByName, added_at: addedAt },
    }));
    await emit(env, events);
  }
  return {
    added: added.length,
    duplicatesSkipped: a.phones.length - invalidIndexes.length - added.length,
    invalidPhones: invalidIndexes.length,
    invalidIndexes,
    contactsMarked: marked!.meta.changes ?? 0,
  };
}

export interface DncRow {
  id: string;
  phone: string;
  source: string;
  reason: string | null;
  /** As stored: a user id or an app id. */
  added_by: string | null;
  /** The user's full name, else the app's name, else null. */
  added_by_name: string | null;
  added_at: string;
}

/**
 * One page of the list in number order (numbers are unique per tenant, so
 * the number alone is the keyset), `limit + 1` rows to tell if there is
 * more, and the total.
 */
export async function listTenantDnc(db: D1Database, tenantId: string, page: { afterPhone: string | null; limit: number; phone?: string }): Promise<{ rows: DncRow[]; total: number }> {
  const where = ['d.tenant_id = ?'];
  const binds: Array<string | number> = [tenantId];
  if (page.phone !== undefined) where.push('d.phone = ?'), binds.push(page.phone);
  const filtered = where.join(' AND ');
  const [rows, total] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `SELECT d.id, d.phone, d.source, d.reason, d.added_by, d.added_at, COALESCE(u.full_name, a.name) AS added_by_name
         FROM dnc d
         LEFT JOIN users u ON u.id = d.added_by AND u.tenant_id = d.tenant_id
         LEFT JOIN apps a ON a.id = d.added_by AND a.tenant_id = d.tenant_id
         WHERE ${filtered}${page.afterPhone === null ? '' : ' AND d.phone > ?'} ORDER BY d.phone LIMIT ?`,
      )
      .bind(...binds, ...(page.afterPhone === null ? [] : [page.afterPhone]), page.limit + 1),
    db.prepare(`SELECT COUNT(*) AS n FROM dnc d WHERE ${filtered}`).bind(...binds),
  ]);
  return { rows: rows!.results as unknown as DncRow[], total: (total!.results[0] as { n: number }).n };
}
