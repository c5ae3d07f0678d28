/**
 * Consent: does the callee's recorded will permit this call? Records apply
 * when they are tenant-wide (no campaign) or for the call's campaign. The
 * latest applicable statement wins: a revocation newer than every grant fails
 * the check in every jurisdiction, required or not (an explicit "do not call
 * me" is never overridden by a rule table); a grant made after a revocation
 * supersedes it. Where the jurisdiction requires prior consent, an
 * unexpired grant newer than any revocation must exist. Ties go to the
 * revocation.
 */
import type { CheckVerdict } from './verdict.ts';

export interface ConsentRecord {
  campaignId: string | null;
  status: 'granted' | 'revoked';
  grantedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

export function consentVerdict(records: readonly ConsentRecord[], call: { campaignId: string | null; nowMs: number; required: boolean; jurisdiction: string | null }): CheckVerdict {
  const applicable = records.filter((r) => r.campaignId === null || r.campaignId === call.campaignId);
  const at = (r: ConsentRecord) => Date.parse(r.status === 'revoked' ? (r.revokedAt ?? r.createdAt) : (r.grantedAt ?? r.createdAt));
  const revocations = applicable.filter((r) => r.status === 'revoked');
  const lastRevokedMs = revocations.length > 0 ? Math.max(...revocations.map(at)) : -Infinity;
  const laterGrants = applicable.filter((r) => r.status === 'granted' && at(r) > lastRevokedMs);

  if (revocations.length > 0 && laterGrants.length === 0) {
    return { outcome: 'failed', reason: `Consent to call this number was revoked on ${new Date(lastRevokedMs).toISOString().slice(0, 10)}.` };
  }
  if (!call.required) return { outcome: 'passed' };
  if (laterGrants.some((r) => r.expiresAt === null || Date.parse(r.expiresAt) > call.nowMs)) return { outcome: 'passed' };
  const where = call.jurisdiction ?? 'this jurisdiction';
  if (laterGrants.length > 0) {
    const lastExpiry = Math.max(...laterGrants.map((r) => Date.parse(r.expiresAt!)));
    return { outcome: 'failed', reason: `Prior consent is required for calls to ${where}; the consent on record expired on ${new Date(lastExpiry).toISOString().slice(0, 10)}.` };
  }
  return { outcome: 'failed', reason: `Prior consent is required for calls to ${where} and none is on record${call.campaignId ? ' for this campaign' : ''}.` };
}
