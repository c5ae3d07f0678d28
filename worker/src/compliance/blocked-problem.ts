/**
 * The spec's 403 for a dial the engine refused (POST /v1/calls/originate
 * "403 Compliance Block"), so every route that dials answers a block the
 * same way: type …/errors/compliance-blocked, the blocking reason as detail,
 * and the `compliance` object with rule, rule_version and audit_ref.
 */
import { ProblemError } from '../errors/problem.ts';
import type { ComplianceResult } from './engine.ts';

export function complianceBlockedProblem(result: ComplianceResult): ProblemError {
  return new ProblemError({
    status: 403,
    slug: 'compliance-blocked',
    title: 'Call blocked by compliance',
    detail: result.blockingReason ?? 'The call is not permitted.',
    extra: { compliance: { allowed: false, rule: result.blockingRule, rule_version: result.ruleVersion, audit_ref: result.auditRef } },
  });
}
