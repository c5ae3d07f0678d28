/**
 * What becomes of a contact after an attempt or a refused dial (pure, tested
 * by table; docs/campaign-engine.md "Retries"):
 *
 *   after a call          attempts < max_attempts        attempts = max_attempts
 *   completed (bridged)   completed                      completed
 *   busy, no_answer,      pending, due after the         failed
 *   failed, machine,      retry delay
 *   abandoned
 *
 *   after a compliance block (no attempt counted, nothing dialled)
 *   dnc_national, dnc_tenant   dnc (final)
 *   consent                    failed (final: nobody may call without it)
 *   calling_hours              pending, due after CALLING_HOURS_RECHECK_MS
 *   cli_ownership,             pending, due after the retry delay (a campaign
 *   compliance_unavailable,    setting or an outage; fixable without the contact)
 *   anything else
 *
 * The contact's disposition is the last attempt's outcome (what the list
 * shows until an agent records their own on the call).
 */
import type { AttemptOutcome } from './call-flow.ts';

export type ContactStatus = 'pending' | 'completed' | 'failed' | 'dnc';

export interface ContactAfter {
  status: ContactStatus;
  /** ms; null unless pending. */
  nextAttemptAtMs: number | null;
  disposition: string | null;
}

/** Calling hours are re-checked this often (the callee's window opens at some quarter hour). */
export const CALLING_HOURS_RECHECK_MS = 15 * 60_000;

export function contactAfterCall(outcome: AttemptOutcome, attempts: number, maxAttempts: number, nowMs: number, retryDelayMs: number): ContactAfter {
  if (outcome === 'completed') return { status: 'completed', nextAttemptAtMs: null, disposition: 'completed' };
  if (attempts >= maxAttempts) return { status: 'failed', nextAttemptAtMs: null, disposition: outcome };
  return { status: 'pending', nextAttemptAtMs: nowMs + retryDelayMs, disposition: outcome };
}

export function contactAfterBlock(blockingRule: string | null, nowMs: number, retryDelayMs: number): ContactAfter {
  switch (blockingRule) {
    case 'dnc_national':
    case 'dnc_tenant':
      return { status: 'dnc', nextAttemptAtMs: null, disposition: 'dnc' };
    case 'consent':
      return { status: 'failed', nextAttemptAtMs: null, disposition: 'no_consent' };
    case 'calling_hours':
      return { status: 'pending', nextAttemptAtMs: nowMs + CALLING_HOURS_RECHECK_MS, disposition: 'outside_calling_hours' };
    default:
      return { status: 'pending', nextAttemptAtMs: nowMs + retryDelayMs, disposition: 'compliance_blocked' };
  }
}
