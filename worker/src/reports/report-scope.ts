/**
 * Which calls a report covers: the tenant's calls that started within
 * [from, to] (both inclusive, millisecond precision), optionally one
 * campaign's, optionally some agents'. One SQL fragment with numbered
 * parameters ?1…?5, so every report type selects exactly the same calls.
 */
import type { ReportContext } from './report-table.ts';

export const SCOPE_PARAMS = 5;

export function scopeSql(t = 'c'): string {
  return `${t}.tenant_id = ?1 AND ${t}.started_at >= ?2 AND ${t}.started_at <= ?3
    AND (?4 IS NULL OR ${t}.campaign_id = ?4)
    AND (?5 IS NULL OR ${t}.agent_id IN (SELECT value FROM json_each(?5)))`;
}

export function scopeParams(ctx: ReportContext): Array<string | null> {
  const f = ctx.filters;
  return [ctx.tenantId, f.from, f.to, f.campaignId ?? null, f.agentIds ? JSON.stringify(f.agentIds) : null];
}
