/**
 * The compliance audit trail, read-only (supervisor; Crier additions):
 *   GET /v1/compliance/audit               newest first; filters phone, allowed, blocking_rule,
 *                                          context, campaign_id, from/to (checked_at, ISO 8601)
 *   GET /v1/compliance/audit/{audit_ref}   one record
 * Pages are keyed on seq, so records written while a client pages (there
 * are always more) never shift or repeat a page.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { DialerEnv } from '../../env.ts';
import { Problems, problemContent } from '../../errors/problem.ts';
import { requireRole } from '../../middleware/require-role/index.ts';
import { decodeCursor, pageOf, pageQuery, pageSchema } from '../../pagination/keyset.ts';
import { parseE164 } from '../../phone/e164.ts';
import { auditRef, auditSeq } from '../audit.ts';
import { ComplianceChecksSchema } from './check-routes.ts';

const AuditRecordSchema = z
  .object({
    audit_ref: z.string(),
    phone: z.string(),
    jurisdiction: z.string().nullable(),
    campaign_id: z.string().nullable(),
    context: z.string().openapi({ description: 'api | broadcast | campaign | originate | connect' }),
    subject: z.string().nullable().openapi({ description: 'Who asked: a user id, or the broadcast/campaign id for automatic checks' }),
    allowed: z.boolean(),
    blocking_rule: z.string().nullable(),
    blocking_reason: z.string().nullable(),
    checks: ComplianceChecksSchema,
    rule_version: z.string(),
    checked_at: z.string(),
  })
  .openapi('ComplianceAuditRecord');

interface AuditRow {
  seq: number;
  phone: string;
  jurisdiction: string | null;
  campaign_id: string | null;
  context: string;
  subject: string | null;
  allowed: number;
  blocking_rule: string | null;
  blocking_reason: string | null;
  checks: string;
  rule_version: string;
  checked_at: string;
}

const isoInstant = z
  .string()
  .refine((v) => /^\d{4}-\d{2}-\d{2}T/.test(v) && Number.isFinite(Date.parse(v)), 'must be an ISO 8601 date-time such as 2026-06-01T00:00:00Z')
  .transform((v) => new Date(v).toISOString());

const AuditQuery = z.object({
  phone: z
    .string()
    .max(64)
    .refine((p) => parseE164(p).ok, 'must be a valid E.164 phone number')
    .transform((p) => (parseE164(p) as { e164: string }).e164)
    .optional(),
  allowed: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
  blocking_rule: z.string().max(64).optional(),
  context: z.enum(['api', 'broadcast', 'campaign', 'originate', 'connect']).optional(),
  campaign_id: z.string().max(64).optional(),
  from: isoInstant.optional(),
  to: isoInstant.optional(),
  ...pageQuery(50, 200),
});

function recordView(r: AuditRow): z.infer<typeof AuditRecordSchema> {
  return {
    audit_ref: auditRef(r.seq),
    phone: r.phone,
    jurisdiction: r.jurisdiction,
    campaign_id: r.campaign_id,
    context: r.context,
    subject: r.subject,
    allowed: r.allowed === 1,
    blocking_rule: r.blocking_rule,
    blocking_reason: r.blocking_reason,
    checks: JSON.parse(r.checks) as z.infer<typeof ComplianceChecksSchema>,
    rule_version: r.rule_version,
    checked_at: r.checked_at,
  };
}

const COLUMNS = 'seq, phone, jurisdiction, campaign_id, context, subject, allowed, blocking_rule, blocking_reason, checks, rule_version, checked_at';

export function auditRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  const security = [{ bearerAuth: [] }];
  app.use('/v1/compliance/audit', requireRole('supervisor'));
  app.use('/v1/compliance/audit/*', requireRole('supervisor'));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/compliance/audit',
      summary: 'Compliance decisions, newest first (supervisor; Crier addition)',
      tags: ['Compliance'],
      security,
      request: { query: AuditQuery },
      responses: {
        200: { description: 'One page', content: { 'application/json': { schema: pageSchema(AuditRecordSchema, 'ComplianceAuditPage') } } },
        400: { description: 'Bad filter or cursor', ...problemContent },
        403: { description: 'Not a supervisor or admin', ...problemContent },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const where = ['tenant_id = ?'];
      const binds: Array<string | number> = [c.get('user').tenantId];
      const filter = (sql: string, value: string | number | undefined) => {
        if (value === undefined) return;
        where.push(sql);
        binds.push(value);
      };
      filter('phone = ?', q.phone);
      filter('allowed = ?', q.allowed === undefined ? undefined : q.allowed === 'true' ? 1 : 0);
      filter('blocking_rule = ?', q.blocking_rule);
      filter('context = ?', q.context);
      filter('campaign_id = ?', q.campaign_id);
      filter('checked_at >= ?', q.from);
      filter('checked_at < ?', q.to);
      const after = q.cursor ? decodeCursor(q.cursor) : null;
      const afterSeq = after === null ? null : Number(after.k);
      if (after !== null && !Number.isSafeInteger(afterSeq)) throw Problems.validation([{ pointer: '/query/cursor', reason: 'is not a cursor this API issued' }]);
      const filtered = where.join(' AND ');
      const [rows, total] = await c.env.DB.batch<Record<string, unknown>>([
        c.env.DB.prepare(`SELECT ${COLUMNS} FROM compliance_audit WHERE ${filtered}${afterSeq === null ? '' : ' AND seq < ?'} ORDER BY seq DESC LIMIT ?`).bind(
          ...binds,
          ...(afterSeq === null ? [] : [afterSeq]),
          q.limit + 1,
        ),
        c.env.DB.prepare(`SELECT COUNT(*) AS n FROM compliance_audit WHERE ${filtered}`).bind(...binds),
      ]);
      const count = (total!.results[0] as { n: number }).n;
      return c.json(pageOf(rows!.results as unknown as AuditRow[], q.limit, count, (r) => ({ k: r.seq, id: String(r.seq) }), recordView), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/compliance/audit/{audit_ref}',
      summary: 'One compliance decision (supervisor; Crier addition)',
      tags: ['Compliance'],
      security,
      request: { params: z.object({ audit_ref: z.string().max(32).openapi({ param: { name: 'audit_ref', in: 'path' }, example: 'AUD-9921849' }) }) },
      responses: {
        200: { description: 'The record', content: { 'application/json': { schema: AuditRecordSchema } } },
        404: { description: 'No such record in your tenant', ...problemContent },
      },
    }),
    async (c) => {
      const ref = c.req.valid('param').audit_ref;
      const seq = auditSeq(ref);
      const row = seq === null ? null : await c.env.DB.prepare(`SELECT ${COLUMNS} FROM compliance_audit WHERE seq = ? AND tenant_id = ?`).bind(seq, c.get('user').tenantId).first<AuditRow>();
      if (!row) throw Problems.notFound(`Audit record ${ref}`);
      return c.json(recordView(row), 200);
    },
  );

  return app;
}
