/**
 * The compliance audit trail: one append-only compliance_audit row per
 * decision (the migration's triggers refuse UPDATE and DELETE), named by its
 * audit_ref "AUD-<seq>". Rows are written one statement each but in a single
 * D1 batch, so each decision gets its own seq back (a multi-row INSERT's
 * RETURNING order is not guaranteed) in one round trip.
 */
import type { Checks } from './decision.ts';

export type AuditContext = 'api' | 'broadcast' | 'campaign' | 'originate' | 'connect';

export interface AuditEntry {
  tenantId: string;
  phone: string;
  jurisdiction: string | null;
  campaignId: string | null;
  context: AuditContext;
  subject: string | null;
  allowed: boolean;
  blockingRule: string | null;
  blockingReason: string | null;
  checks: Checks;
  ruleVersion: string;
  checkedAt: string;
}

export const AUDIT_REF_PREFIX = 'AUD-';

export function auditRef(seq: number): string {
  return `${AUDIT_REF_PREFIX}${seq}`;
}

/** "AUD-123" → 123; anything else → null. */
export function auditSeq(ref: string): number | null {
  const m = /^AUD-([1-9]\d{0,15})$/.exec(ref);
  return m ? Number(m[1]) : null;
}

export function auditInsert(db: D1Database, e: AuditEntry): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO compliance_audit (tenant_id, phone, jurisdiction, campaign_id, context, subject, allowed, blocking_rule, blocking_reason, checks, rule_version, checked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
    )
    .bind(e.tenantId, e.phone, e.jurisdiction, e.campaignId, e.context, e.subject, e.allowed ? 1 : 0, e.blockingRule, e.blockingReason, JSON.stringify(e.checks), e.ruleVersion, e.checkedAt);
}

/**
 * Writes the entries, plus any statements that must commit with them (a
 * blocked broadcast leg's history row), in one batch; returns the refs in
 * entry order.
 */
export async function writeAudit(db: D1Database, entries: readonly AuditEntry[], alongside: readonly D1PreparedStatement[] = []): Promise<string[]> {
  if (entries.length === 0 && alongside.length === 0) return [];
  const results = await db.batch<{ seq: number }>([...entries.map((e) => auditInsert(db, e)), ...alongside]);
  return entries.map((_, i) => auditRef(results[i]!.results[0]!.seq));
}
