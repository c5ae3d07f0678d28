/**
 * The tenant's calling rules (Crier additions; the spec names rule_version
 * but no route for the rules):
 *   GET    /v1/compliance/rules[?revision=n]        effective rules and their version (any role)
 *   PUT    /v1/compliance/rules/{jurisdiction}      replace one jurisdiction's rule (admin)
 *   DELETE /v1/compliance/rules/{jurisdiction}      drop the tenant's rule: back to the default (admin)
 * Every edit is a new immutable compliance_rule_sets revision holding the
 * tenant's complete overrides, made in ONE statement from the latest one, so
 * two admins editing at once both land (neither edit is lost) and the
 * revisions stay gapless. Old revisions stay readable: an audit's
 * rule_version "2026-06-01+r3" is GET ?revision=3.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { DialerEnv } from '../../env.ts';
import { Problems, problemContent } from '../../errors/problem.ts';
import { validatedBody } from '../../middleware/validated-body/index.ts';
import { requireRole } from '../../middleware/require-role/index.ts';
import { DEFAULT_RULES, DEFAULT_RULES_VERSION } from '../rules/default-rules.ts';
import { parseStoredRules, resolveRule, ruleKeys, ruleVersion, windowsSummary, type RuleSet } from '../rules/effective-rules.ts';
import { CallingWindowSchema, isJurisdictionKey, JurisdictionRuleSchema, type JurisdictionRule } from '../rules/rule-schema.ts';
import { registryForCountry } from '../registries.ts';

const RuleViewSchema = z
  .object({
    jurisdiction: z.string().openapi({ description: 'ISO 3166-1 alpha-2, or * (the catch-all for jurisdictions without a rule)' }),
    source: z.enum(['default', 'tenant']),
    timezones: z.array(z.string()).nullable().openapi({ description: "null: every zone of the callee's country" }),
    calling_windows: z.array(CallingWindowSchema),
    consent_required: z.boolean(),
    summary: z.string().openapi({ example: '09:00–18:00 Sun–Thu' }),
    national_registry: z.string().nullable().openapi({ description: 'The national DNC registry checked for numbers of this country (not editable).' }),
  })
  .openapi('ComplianceRule');

const RulesSchema = z
  .object({
    rule_version: z.string(),
    defaults_version: z.string(),
    revision: z.number().int().nullable(),
    updated_at: z.string().nullable(),
    updated_by: z.string().nullable(),
    rules: z.array(RuleViewSchema),
  })
  .openapi('ComplianceRules');

const RuleChangeSchema = z.object({ rule_version: z.string(), revision: z.number().int(), rule: RuleViewSchema }).openapi('ComplianceRuleChange');

const JurisdictionParam = z.object({ jurisdiction: z.string().openapi({ param: { name: 'jurisdiction', in: 'path' }, example: 'AE' }) });

interface RevisionRow {
  revision: number;
  rules: string;
  created_at: string;
  created_by_name: string | null;
}

function ruleView(jurisdiction: string, rule: JurisdictionRule, source: 'default' | 'tenant'): z.infer<typeof RuleViewSchema> {
  return {
    jurisdiction,
    source,
    timezones: rule.timezones ?? null,
    calling_windows: rule.calling_windows,
    consent_required: rule.consent_required,
    summary: windowsSummary(rule.calling_windows),
    national_registry: registryForCountry(jurisdiction)?.code ?? null,
  };
}

function jurisdictionOf(raw: string): string {
  const key = raw.toUpperCase();
  if (!isJurisdictionKey(key)) throw Problems.validation([{ pointer: '/path/jurisdiction', reason: 'must be an ISO 3166-1 alpha-2 country code such as AE, or *' }]);
  return key;
}

export function rulesRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  const security = [{ bearerAuth: [] }];

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/compliance/rules',
      summary: 'Effective calling rules and rule_version (every role; Crier addition)',
      tags: ['Compliance'],
      security,
      request: { query: z.object({ revision: z.coerce.number().int().min(1).optional().openapi({ description: 'A past revision (from an audit rule_version "…+r<n>").' }) }) },
      responses: {
        200: { description: 'The rules in force (or at that revision)', content: { 'application/json': { schema: RulesSchema } } },
        404: { description: 'No such revision in your tenant', ...problemContent },
      },
    }),
    async (c) => {
      const { revision } = c.req.valid('query');
      const tenantId = c.get('user').tenantId;
      const row = await c.env.DB.prepare(
        `SELECT r.revision, r.rules, r.created_at, u.full_name AS created_by_name FROM compliance_rule_sets r
         LEFT JOIN users u ON u.id = r.created_by AND u.tenant_id = r.tenant_id
         WHERE r.tenant_id = ?1 ${revision === undefined ? '' : 'AND r.revision = ?2'} ORDER BY r.revision DESC LIMIT 1`,
      )
        .bind(...(revision === undefined ? [tenantId] : [tenantId, revision]))
        .first<RevisionRow>();
      if (revision !== undefined && !row) throw Problems.notFound(`Rule revision ${revision}`);
      const set: RuleSet = row ? { revision: row.revision, overrides: parseStoredRules(row.rules) } : { revision: null, overrides: {} };
      const rules = ruleKeys(set).map((key) => {
        const own = set.overrides[key];
        return own ? ruleView(key, own, 'tenant') : ruleView(key, DEFAULT_RULES[key]!, 'default');
      });
      return c.json(
        { rule_version: ruleVersion(set.revision), defaults_version: DEFAULT_RULES_VERSION, revision: set.revision, updated_at: row?.created_at ?? null, updated_by: row?.created_by_name ?? null, rules },
        200,
      );
    },
  );

  app.openAPIRegistry.registerPath({
    method: 'put',
    path: '/v1/compliance/rules/{jurisdiction}',
    summary: "Replace one jurisdiction's calling rule for your tenant: a new revision (admin; Crier addition)",
    tags: ['Compliance'],
    security,
    request: { params: JurisdictionParam, body: { content: { 'application/json': { schema: JurisdictionRuleSchema } }, required: true } },
    responses: {
      200: { description: 'The new revision and the rule now in force', content: { 'application/json': { schema: RuleChangeSchema } } },
      400: { description: 'Invalid jurisdiction or rule', ...problemContent },
      403: { description: 'Not an admin', ...problemContent },
    },
  });
  app.put('/v1/compliance/rules/:jurisdiction', requireRole('admin'), async (c) => {
    const jurisdiction = jurisdictionOf(c.req.param('jurisdiction'));
    const rule = await validatedBody(c, JurisdictionRuleSchema);
    const user = c.get('user');
    const revision = await appendRevision(c.env.DB, user.tenantId, user.userId, 'json_set(LATEST, ?2, json(?3))', jurisdiction, JSON.stringify(rule));
    return c.json({ rule_version: ruleVersion(revision), revision, rule: ruleView(jurisdiction, rule, 'tenant') }, 200);
  });

  app.openAPIRegistry.registerPath({
    method: 'delete',
    path: '/v1/compliance/rules/{jurisdiction}',
    summary: "Drop your tenant's rule for a jurisdiction (back to the default, or to none): a new revision (admin; Crier addition)",
    tags: ['Compliance'],
    security,
    request: { params: JurisdictionParam },
    responses: {
      200: { description: 'The new revision and the rule now in force (null: none)', content: { 'application/json': { schema: RuleChangeSchema.extend({ rule: RuleViewSchema.nullable() }) } } },
      404: { description: 'Your tenant has no rule of its own for that jurisdiction', ...problemContent },
    },
  });
  app.delete('/v1/compliance/rules/:jurisdiction', requireRole('admin'), async (c) => {
    const jurisdiction = jurisdictionOf(c.req.param('jurisdiction'));
    const user = c.get('user');
    const latest = await c.env.DB.prepare('SELECT rules FROM compliance_rule_sets WHERE tenant_id = ? ORDER BY revision DESC LIMIT 1').bind(user.tenantId).first<{ rules: string }>();
    if (!latest || !(jurisdiction in parseStoredRules(latest.rules))) throw Problems.notFound(`A ${jurisdiction} rule of your tenant`);
    const revision = await appendRevision(c.env.DB, user.tenantId, user.userId, 'json_remove(LATEST, ?2)', jurisdiction, null);
    const resolved = resolveRule({ revision, overrides: {} }, jurisdiction);
    const fallback = jurisdiction === '*' || !resolved ? null : ruleView(jurisdiction, resolved.rule, 'default');
    return c.json({ rule_version: ruleVersion(revision), revision, rule: fallback }, 200);
  });

  return app;
}

/**
 * Inserts revision latest+1 whose rules are `edit` applied to the latest
 * revision's rules (or {}), in one statement: D1 runs statements one at a
 * time, so concurrent edits serialise and each builds on the other.
 * In `edit`, LATEST stands for the latest rules, ?2 is the jurisdiction's JSON path, ?3 the new rule.
 */
async function appendRevision(db: D1Database, tenantId: string, userId: string, edit: string, jurisdiction: string, ruleJson: string | null): Promise<number> {
  const latestRules = `COALESCE((SELECT rules FROM compliance_rule_sets WHERE tenant_id = ?1 ORDER BY revision DESC LIMIT 1), '{}')`;
  const row = await db
    .prepare(
      `INSERT INTO compliance_rule_sets (tenant_id, revision, rules, created_by, created_at)
       SELECT ?1, COALESCE(MAX(revision), 0) + 1, ${edit.replace('LATEST', latestRules)}, ?4, ?5 FROM compliance_rule_sets WHERE tenant_id = ?1
       RETURNING revision`,
    )
    .bind(tenantId, `$."${jurisdiction}"`, ruleJson, userId, new Date().toISOString())
    .first<{ revision: number }>();
  return row!.revision;
}
