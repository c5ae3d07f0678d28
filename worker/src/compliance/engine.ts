/**
 * The compliance engine: the one gate every dial passes (the check API,
 * broadcast legs, and campaign dialing, originate and connect through
 * checkCompliance). It normalises the calls, gathers their facts in one D1
 * round trip, decides each with the pure rules (decision.ts), and records
 * every decision in the audit trail before answering.
 *
 * Default deny: if the facts cannot be gathered or decided within the time
 * limit (COMPLIANCE_TIMEOUT_MS, 2 s by default), or anything throws, the
 * answer is allowed: false with blocking_rule "compliance_unavailable" — and
 * that denial is audited like any other. Only if the audit itself cannot be
 * written does a result carry audit_ref null (still a denial).
 */
import type { Env } from '../env.ts';
import { parseE164 } from '../phone/e164.ts';
import { writeAudit, type AuditContext, type AuditEntry } from './audit.ts';
import { decide, unavailableDecision, type Checks, type Decision } from './decision.ts';
import { loadFacts, type BatchFacts, type FactsLoader } from './facts-loader.ts';
import { resolveRule, ruleVersion } from './rules/effective-rules.ts';
import type { CliFacts } from './checks/cli-ownership.ts';

export const DEFAULT_TIMEOUT_MS = 2_000;

export interface CallToCheck {
  phone: string;
  /** ISO 3166-1 alpha-2; omitted: the phone's own country (libphonenumber). */
  jurisdiction?: string | null;
  campaignId?: string | null;
  /** The caller ID the call will present (E.164 or digits); omitted: the campaign's CLI group, if any. */
  cli?: string | null;
  context: AuditContext;
  /** Who asked: a user id, an app id, or the broadcast/campaign id for automatic checks. */
  subject?: string | null;
}

export interface ComplianceResult {
  allowed: boolean;
  ruleVersion: string;
  /** "AUD-<seq>"; null only when the audit row could not be written (then allowed is false). */
  auditRef: string | null;
  blockingRule: string | null;
  blockingReason: string | null;
  checks: Checks;
  /** E.164 when the phone parsed, else as given. */
  phone: string;
  jurisdiction: string | null;
}

export interface EngineOptions {
  nowMs?: number;
  timeoutMs?: number;
  loader?: FactsLoader;
  /** Statements to commit in the same D1 batch as the audit rows, given the (not yet audited) results. */
  alongside?: (results: readonly Omit<ComplianceResult, 'auditRef'>[]) => D1PreparedStatement[];
}

interface NormalisedCall {
  phone: string;
  jurisdiction: string | null;
  campaignId: string | null;
  cli: { number: string; valid: boolean } | null;
  context: AuditContext;
  subject: string | null;
}

/** One call: the function campaign dialing, originate and connect call before dialling. Never throws. */
export async function checkCompliance(
  env: Env,
  call: CallToCheck & { tenantId: string },
  options: Omit<EngineOptions, 'alongside'> = {},
): Promise<ComplianceResult> {
  const { tenantId, ...rest } = call;
  try {
    return (await checkComplianceBatch(env, tenantId, [rest], options))[0]!;
  } catch (err) {
    // The audit could not be written: still a denial, logged so it is never silent.
    console.error(JSON.stringify({ msg: 'compliance audit write failed', tenant_id: tenantId, error: String(err) }));
    const decision = unavailableDecision('the audit record could not be written');
    return { ...view(normalise(rest), decision, 'unknown'), auditRef: null };
  }
}

/**
 * Many calls of one tenant (a broadcast's next legs): one D1 round trip to
 * read, one to write the audits. Results are in input order. Throws only if
 * the audit rows cannot be written (the caller must then not dial).
 */
export async function checkComplianceBatch(env: Env, tenantId: string, calls: readonly CallToCheck[], options: EngineOptions = {}): Promise<ComplianceResult[]> {
  if (calls.length === 0) return [];
  const nowMs = options.nowMs ?? Date.now();
  const normalised = calls.map(normalise);
  const timeoutMs = options.timeoutMs ?? (Number(env.COMPLIANCE_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS);

  let outcomes: Array<{ decision: Decision; version: string }>;
  try {
    outcomes = await withTimeout(decideAll(env.DB, tenantId, normalised, nowMs, options.loader ?? loadFacts), timeoutMs);
  } catch (err) {
    const why = err instanceof ComplianceTimeout ? `no answer within ${timeoutMs} ms` : 'an internal error';
    console.error(JSON.stringify({ msg: 'compliance check denied by default', tenant_id: tenantId, calls: calls.length, error: String(err) }));
    outcomes = normalised.map(() => ({ decision: unavailableDecision(why), version: 'unknown' }));
  }

  const results = normalised.map((call, i) => view(call, outcomes[i]!.decision, outcomes[i]!.version));
  const checkedAt = new Date(nowMs).toISOString();
  const entries: AuditEntry[] = normalised.map((call, i) => ({
    tenantId,
    phone: call.phone,
    jurisdiction: call.jurisdiction,
    campaignId: call.campaignId,
    context: call.context,
    subject: call.subject,
    allowed: results[i]!.allowed,
    blockingRule: results[i]!.blockingRule,
    blockingReason: results[i]!.blockingReason,
    checks: results[i]!.checks,
    ruleVersion: results[i]!.ruleVersion,
    checkedAt,
  }));
  const refs = await writeAudit(env.DB, entries, options.alongside?.(results) ?? []);
  return results.map((r, i) => ({ ...r, auditRef: refs[i]! }));
}

async function decideAll(db: D1Database, tenantId: string, calls: readonly NormalisedCall[], nowMs: number, loader: FactsLoader) {
  const facts = await loader(db, {
    tenantId,
    phones: calls.map((c) => c.phone),
    clis: calls.flatMap((c) => (c.cli?.valid ? [c.cli.number] : [])),
    campaignIds: calls.flatMap((c) => (c.campaignId ? [c.campaignId] : [])),
  });
  const version = ruleVersion(facts.ruleSet.revision);
  return calls.map((call) => ({
    version,
    decision: decide({
      nowMs,
      jurisdiction: call.jurisdiction,
      campaignId: call.campaignId,
      rule: resolveRule(facts.ruleSet, call.jurisdiction),
      onTenantDnc: facts.tenantDnc.has(call.phone),
      nationalRegistries: facts.national.get(call.phone) ?? [],
      consents: facts.consents.get(call.phone) ?? [],
      cli: cliFacts(call, facts),
    }),
  }));
}

function cliFacts(call: NormalisedCall, facts: BatchFacts): CliFacts {
  if (call.cli) return { kind: 'number', number: call.cli.number, owned: call.cli.valid && facts.ownedClis.has(call.cli.number) };
  if (call.campaignId) return { kind: 'campaign_group', campaignId: call.campaignId, numbers: facts.campaignCliCounts.get(call.campaignId) ?? null };
  return { kind: 'none' };
}

function normalise(call: CallToCheck): NormalisedCall {
  const parsed = parseE164(call.phone);
  const cli = call.cli ? parseE164(call.cli) : null;
  return {
    // An unparseable number keeps its text: it can still match a list, and has no jurisdiction (so calling hours fail).
    phone: parsed.ok ? parsed.e164 : call.phone,
    jurisdiction: call.jurisdiction ?? (parsed.ok ? parsed.country : null),
    campaignId: call.campaignId ?? null,
    cli: call.cli ? (cli?.ok ? { number: cli.e164, valid: true } : { number: call.cli, valid: false }) : null,
    context: call.context,
    subject: call.subject ?? null,
  };
}

function view(call: NormalisedCall, decision: Decision, version: string): Omit<ComplianceResult, 'auditRef'> {
  return {
    allowed: decision.allowed,
    ruleVersion: version,
    blockingRule: decision.blockingRule,
    blockingReason: decision.blockingReason,
    checks: decision.checks,
    phone: call.phone,
    jurisdiction: call.jurisdiction,
  };
}

class ComplianceTimeout extends Error {
  constructor(ms: number) {
    super(`compliance facts not gathered within ${ms} ms`);
    this.name = 'ComplianceTimeout';
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ComplianceTimeout(ms)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
