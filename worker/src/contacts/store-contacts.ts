/**
 * Writes an upload's contacts, their search documents and the campaign's
 * total_contacts in ONE D1 batch (one transaction: an upload is stored whole
 * or not at all). D1 binds at most 100 parameters per statement, so rows
 * travel as one JSON parameter per chunk and are unpacked with json_each.
 *
 * The insert itself decides what the API reports, so two uploads racing on
 * one campaign still count right:
 *   - a number already in the campaign hits the unique (campaign_id, phone)
 *     index and is skipped (ON CONFLICT DO NOTHING; RETURNING lists only
 *     the rows written);
 *   - a number on the tenant's DNC list or any national registry is stored
 *     with status dnc, looked up in the same statement;
 *   - search rows are written only for contacts that were (JOIN on the new ids);
 *   - total_contacts is recounted from the rows, not incremented.
 */
import { uuidv7 } from '../ids/uuid-v7.ts';
import type { PreparedContact } from './prepare-upload.ts';

/** Rows per statement, and bytes of JSON per parameter (D1 caps a value at 2 MB; stay far below). */
const CHUNK_ROWS = 500;
const CHUNK_BYTES = 256 * 1024;

export interface StoredCounts {
  /** Written with status pending. */
  imported: number;
  /** Written with status dnc. */
  dnc: number;
  totalInCampaign: number;
}

const INSERT_CONTACTS = `
INSERT INTO contacts (id, tenant_id, campaign_id, phone, first_name, last_name, custom_fields, status, attempts, created_at)
SELECT json_extract(r.value, '$[0]'), ?1, ?2, json_extract(r.value, '$[1]'), json_extract(r.value, '$[2]'),
       json_extract(r.value, '$[3]'), json_extract(r.value, '$[4]'),
       CASE WHEN EXISTS (SELECT 1 FROM dnc WHERE dnc.tenant_id = ?1 AND dnc.phone = json_extract(r.value, '$[1]'))
              OR EXISTS (SELECT 1 FROM national_dnc n WHERE n.phone = json_extract(r.value, '$[1]'))
            THEN 'dnc' ELSE 'pending' END,
       0, ?3
FROM json_each(?4) r WHERE true
ON CONFLICT (campaign_id, phone) DO NOTHING
RETURNING status`;

const INSERT_SEARCH_ROWS = `
INSERT INTO contacts_fts (contact_id, tenant_id, campaign_id, name, phone, custom)
SELECT c.id, ?1, ?2, json_extract(r.value, '$[1]'), json_extract(r.value, '$[2]'), json_extract(r.value, '$[3]')
FROM json_each(?3) r JOIN contacts c ON c.id = json_extract(r.value, '$[0]')`;

export async function storeContacts(db: D1Database, tenantId: string, campaignId: string, contacts: readonly PreparedContact[]): Promise<StoredCounts> {
  const now = new Date().toISOString();
  const statements: D1PreparedStatement[] = [];
  for (const chunk of chunks(contacts)) {
    statements.push(db.prepare(INSERT_CONTACTS).bind(tenantId, campaignId, now, JSON.stringify(chunk.rows)));
    statements.push(db.prepare(INSERT_SEARCH_ROWS).bind(tenantId, campaignId, JSON.stringify(chunk.search)));
  }
  statements.push(
    db.prepare('UPDATE campaigns SET total_contacts = (SELECT count(*) FROM contacts WHERE campaign_id = ?1) WHERE id = ?1 RETURNING total_contacts').bind(campaignId),
  );
  const results = await db.batch(statements);
  let imported = 0;
  let dnc = 0;
  for (let i = 0; i < results.length - 1; i += 2) {
    for (const row of results[i]!.results as Array<{ status: string }>) {
      if (row.status === 'dnc') dnc++;
      else imported++;
    }
  }
  const total = (results.at(-1)!.results[0] as { total_contacts: number } | undefined)?.total_contacts ?? 0;
  return { imported, dnc, totalInCampaign: total };
}

type ContactTuple = [id: string, phone: string, firstName: string | null, lastName: string | null, customFields: string | null];
type SearchTuple = [id: string, name: string, phone: string, custom: string];

function* chunks(contacts: readonly PreparedContact[]): Generator<{ rows: ContactTuple[]; search: SearchTuple[] }> {
  let rows: ContactTuple[] = [];
  let search: SearchTuple[] = [];
  let bytes = 0;
  for (const c of contacts) {
    // UUIDv7 in request order: the list's "oldest first" is the order of the upload.
    const id = uuidv7();
    const row: ContactTuple = [id, c.e164, c.firstName, c.lastName, c.customFields ? JSON.stringify(c.customFields) : null];
    const doc: SearchTuple = [id, c.search.name, c.search.phone, c.search.custom];
    // UTF-16 length × 3 bounds the row's UTF-8 size, with room for its (smaller or similar) search tuple.
    const size = JSON.stringify(row).length * 3;
    if (rows.length > 0 && (rows.length >= CHUNK_ROWS || bytes + size > CHUNK_BYTES)) {
      yield { rows, search };
      rows = [];
      search = [];
      bytes = 0;
    }
    rows.push(row);
    search.push(doc);
    bytes += size;
  }
  if (rows.length > 0) yield { rows, search };
}
