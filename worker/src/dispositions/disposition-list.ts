/**
 * A tenant's disposition list: the outcomes an agent may record for a call
 * (our addition; the spec's calls and reports carry `disposition`). A tenant
 * that never replaced it uses DEFAULT_DISPOSITIONS; replacing it stores the
 * whole new list (so a stored list is never empty). A `dnc` disposition adds
 * the call's number to the tenant DNC when set.
 */
import type { Env } from '../env.ts';

export interface Disposition {
  /** What calls.disposition holds: ^[a-z0-9_]{1,64}$. */
  code: string;
  label: string;
  dnc: boolean;
}

export const DEFAULT_DISPOSITIONS: readonly Disposition[] = [
  { code: 'sale', label: 'Sale', dnc: false },
  { code: 'interested', label: 'Interested', dnc: false },
  { code: 'callback', label: 'Call back later', dnc: false },
  { code: 'not_interested', label: 'Not interested', dnc: false },
  { code: 'no_answer', label: 'No answer', dnc: false },
  { code: 'voicemail', label: 'Left a voicemail', dnc: false },
  { code: 'wrong_number', label: 'Wrong number', dnc: false },
  { code: 'do_not_call', label: 'Do not call', dnc: true },
];

export interface DispositionList {
  dispositions: Disposition[];
  /** default: the tenant never replaced the list. */
  source: 'default' | 'tenant';
}

export async function readDispositions(db: D1Database, tenantId: string): Promise<DispositionList> {
  const { results } = await db
    .prepare('SELECT code, label, dnc FROM dispositions WHERE tenant_id = ? ORDER BY position')
    .bind(tenantId)
    .all<{ code: string; label: string; dnc: number }>();
  if (results.length === 0) return { dispositions: DEFAULT_DISPOSITIONS.map((d) => ({ ...d })), source: 'default' };
  return { dispositions: results.map((r) => ({ code: r.code, label: r.label, dnc: r.dnc === 1 })), source: 'tenant' };
}

/** Replaces the tenant's list in one batch (one transaction): readers see the old list or the new, never a mix. */
export async function replaceDispositions(env: Env, tenantId: string, list: readonly Disposition[]): Promise<void> {
  const rows = JSON.stringify(list.map((d, i) => [d.code, d.label, d.dnc ? 1 : 0, i]));
  await env.DB.batch([
    env.DB.prepare('DELETE FROM dispositions WHERE tenant_id = ?').bind(tenantId),
    env.DB.prepare(
      `INSERT INTO dispositions (tenant_id, code, label, dnc, position)
       SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]') FROM json_each(?2)`,
    ).bind(tenantId, rows),
  ]);
}
