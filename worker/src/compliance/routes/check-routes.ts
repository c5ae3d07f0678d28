/**
 * POST /v1/compliance/check (any role): the engine's answer for one number,
 * exactly as the spec's two 200 bodies, for CRM integrations and manual dial
 * flows. Crier addition: `cli`, the caller ID the call would present. A
 * campaign_id of another tenant is a 404, like every other resource.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { DialerEnv } from '../../env.ts';
import { problemContent } from '../../errors/problem.ts';
import { validatedBody } from '../../middleware/validated-body/index.ts';
import { parseE164 } from '../../phone/e164.ts';
import { isDialableCountry } from '../../phone/countries.ts';
import { checkCompliance, type ComplianceResult } from '../engine.ts';
import { CHECK_NAMES } from '../checks/verdict.ts';
import { requireCampaign } from './campaign-lookup.ts';

const CheckRequestSchema = z
  .object({
    phone: z.string({ error: 'is required' }).max(64).refine((p) => parseE164(p).ok, 'must be a valid E.164 phone number').openapi({ example: '+971501234567' }),
    campaign_id: z.string().max(64).optional().openapi({ description: 'Campaign context: its CLI group (cli_ownership) and campaign-scoped consents.' }),
    jurisdiction: z
      .string()
      .refine(isDialableCountry, 'must be an ISO 3166-1 alpha-2 country code such as AE')
      .optional()
      .openapi({ description: "Auto-detected from the phone if omitted." }),
    cli: z.string().max(64).refine((p) => parseE164(p).ok, 'must be a valid E.164 phone number').optional().openapi({ description: 'Crier addition: the caller ID the call would present.' }),
  })
  .strict()
  .openapi('ComplianceCheckRequest');

const OutcomeSchema = z.enum(['passed', 'failed', 'not_applicable', 'error']);
export const ComplianceChecksSchema = z.object(Object.fromEntries(CHECK_NAMES.map((n) => [n, OutcomeSchema])) as Record<(typeof CHECK_NAMES)[number], typeof OutcomeSchema>).openapi('ComplianceChecks');

const CheckResultSchema = z
  .object({
    allowed: z.boolean(),
    rule_version: z.string(),
    audit_ref: z.string().nullable(),
    blocking_rule: z.string().optional(),
    blocking_reason: z.string().optional(),
    checks: ComplianceChecksSchema,
  })
  .openapi('ComplianceCheckResult');

/** The spec's body: blocking_* only when blocked, in the spec's key order. */
export function checkResultView(r: ComplianceResult): z.infer<typeof CheckResultSchema> {
  if (r.allowed) return { allowed: true, rule_version: r.ruleVersion, audit_ref: r.auditRef, checks: r.checks };
  return { allowed: false, rule_version: r.ruleVersion, audit_ref: r.auditRef, blocking_rule: r.blockingRule!, blocking_reason: r.blockingReason!, checks: r.checks };
}

export function checkRoutes() {
  const app = new OpenAPIHono<DialerEnv>();

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/compliance/check',
    summary: 'Pre-dial compliance check (every role). Audited; default deny on error or timeout.',
    tags: ['Compliance'],
    security: [{ bearerAuth: [] }],
    request: { body: { content: { 'application/json': { schema: CheckRequestSchema } }, required: true } },
    responses: {
      200: { description: 'Allowed, or blocked with blocking_rule and blocking_reason', content: { 'application/json': { schema: CheckResultSchema } } },
      400: { description: 'Invalid body', ...problemContent },
      404: { description: 'No such campaign in your tenant', ...problemContent },
    },
  });
  app.post('/v1/compliance/check', async (c) => {
    const body = await validatedBody(c, CheckRequestSchema);
    const user = c.get('user');
    if (body.campaign_id !== undefined) await requireCampaign(c.env.DB, user.tenantId, body.campaign_id);
    const result = await checkCompliance(c.env, {
      tenantId: user.tenantId,
      phone: body.phone,
      jurisdiction: body.jurisdiction ?? null,
      campaignId: body.campaign_id ?? null,
      cli: body.cli ?? null,
      context: 'api',
      subject: user.userId,
    });
    return c.json(checkResultView(result), 200);
  });

  return app;
}
