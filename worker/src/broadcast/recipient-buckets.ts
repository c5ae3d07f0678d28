/**
 * Sorts valid recipients into the spec's three buckets: the tenant's DNC list
 * first (a legal block outranks a commercial one), then the tenant's allowed
 * countries, else call_initiated. Each entry keeps the client's own `to` and
 * `play` exactly as sent.
 */
import { parseE164 } from '../phone/e164.ts';

export interface RawRecipient {
  to: string;
  play: Record<string, unknown>;
}

export interface Buckets {
  initiated: RawRecipient[];
  blacklisted: RawRecipient[];
  countryNotAllowed: RawRecipient[];
}

export function bucketRecipients(
  recipients: readonly RawRecipient[],
  dncNumbers: ReadonlySet<string>,
  allowedCountries: ReadonlySet<string> | null,
): Buckets {
  const out: Buckets = { initiated: [], blacklisted: [], countryNotAllowed: [] };
  for (const r of recipients) {
    const phone = parseE164(r.to);
    if (!phone.ok) throw new Error(`recipient ${r.to} reached bucketing unvalidated`);
    if (dncNumbers.has(phone.e164)) out.blacklisted.push(r);
    else if (allowedCountries && (!phone.country || !allowedCountries.has(phone.country))) out.countryNotAllowed.push(r);
    else out.initiated.push(r);
  }
  return out;
}
