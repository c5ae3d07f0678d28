/**
 * One compliance decision from the facts about one call, pure: every check
 * runs (the audit records all five), the call is allowed only if none failed
 * or errored, and when several fail the blocking rule is the first in
 * BLOCKING_ORDER: what is permanent and about the person (national then
 * tenant DNC, consent) before configuration (caller ID) before time (calling
 * hours, the only one that passes by itself later). A dialer that sees
 * calling_hours can therefore retry later; one that sees anything else
 * should not.
 */
import { callingHoursVerdict } from './checks/calling-hours.ts';
import { consentVerdict, type ConsentRecord } from './checks/consent.ts';
import { cliVerdict, type CliFacts } from './checks/cli-ownership.ts';
import { CHECK_NAMES, type CheckName, type CheckOutcome, type CheckVerdict } from './checks/verdict.ts';
import type { ResolvedRule } from './rules/effective-rules.ts';

export const BLOCKING_ORDER: readonly CheckName[] = ['dnc_national', 'dnc_tenant', 'consent', 'cli_ownership', 'calling_hours'];

/** blocking_rule when the check itself could not run (error, timeout): default deny. */
export const UNAVAILABLE_RULE = 'compliance_unavailable';

export interface CallFacts {
  nowMs: number;
  jurisdiction: string | null;
  campaignId: string | null;
  rule: ResolvedRule | null;
  onTenantDnc: boolean;
  /** Codes of the national registries that list the number. */
  nationalRegistries: readonly string[];
  consents: readonly ConsentRecord[];
  cli: CliFacts;
}

export type Checks = Record<CheckName, CheckOutcome>;

export interface Decision {
  allowed: boolean;
  checks: Checks;
  blockingRule: string | null;
  blockingReason: string | null;
}

export function decide(facts: CallFacts): Decision {
  const verdicts: Record<CheckName, CheckVerdict> = {
    calling_hours: callingHoursVerdict(facts.nowMs, facts.jurisdiction, facts.rule),
    dnc_national:
      facts.nationalRegistries.length > 0
        ? { outcome: 'failed', reason: `Number is on the national DNC registry (${[...facts.nationalRegistries].sort().join(', ')}).` }
        : { outcome: 'passed' },
    dnc_tenant: facts.onTenantDnc ? { outcome: 'failed', reason: 'Number is on your DNC list.' } : { outcome: 'passed' },
    consent: consentVerdict(facts.consents, { campaignId: facts.campaignId, nowMs: facts.nowMs, required: facts.rule?.rule.consent_required ?? false, jurisdiction: facts.jurisdiction }),
    cli_ownership: cliVerdict(facts.cli),
  };
  const checks = Object.fromEntries(CHECK_NAMES.map((name) => [name, verdicts[name].outcome])) as Checks;
  const blocking = BLOCKING_ORDER.find((name) => verdicts[name].outcome === 'failed' || verdicts[name].outcome === 'error');
  if (!blocking) return { allowed: true, checks, blockingRule: null, blockingReason: null };
  return { allowed: false, checks, blockingRule: blocking, blockingReason: verdicts[blocking].reason ?? `The ${blocking} check did not pass.` };
}

/** The decision when facts could not be gathered: every check "error", denied. */
export function unavailableDecision(why: string): Decision {
  return {
    allowed: false,
    checks: Object.fromEntries(CHECK_NAMES.map((name) => [name, 'error'])) as Checks,
    blockingRule: UNAVAILABLE_RULE,
    blockingReason: `The compliance check could not be completed (${why}); calls are denied by default.`,
  };
}
