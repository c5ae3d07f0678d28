/**
 * What one compliance check answers. The spec shows "passed" and "failed";
 * Crier adds "not_applicable" (nothing to check: no caller ID and no campaign
 * for cli_ownership) and "error" (the check could not run; the call is denied).
 */

export const CHECK_NAMES = ['calling_hours', 'dnc_national', 'dnc_tenant', 'consent', 'cli_ownership'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export type CheckOutcome = 'passed' | 'failed' | 'not_applicable' | 'error';

export interface CheckVerdict {
  outcome: CheckOutcome;
  /** Human text for a failure, as blocking_reason shows it. */
  reason?: string;
}
