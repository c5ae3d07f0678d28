/**
 * Sorts validated recipients into the spec's three buckets: DNC first (the
 * tenant's list or a national registry; a legal block outranks a commercial
 * one, and the client should learn the number is blocked, not merely out of
 * region), then the tenant's
 * allowed countries, else call_initiated. Works on indexes so the caller can
 * echo the client's own objects and hand the session the validated ones.
 */
import type { ParsedPhone } from './validate-recipients.ts';

export interface Buckets {
  initiated: number[];
  blacklisted: number[];
  countryNotAllowed: number[];
}

/**
 * @param dncNumbers numbers on the tenant's DNC list or a national registry, E.164 with '+'
 * @param allowedCountries ISO codes the tenant may dial; null allows every country
 */
export function bucketRecipients(phones: readonly ParsedPhone[], dncNumbers: ReadonlySet<string>, allowedCountries: ReadonlySet<string> | null): Buckets {
  const out: Buckets = { initiated: [], blacklisted: [], countryNotAllowed: [] };
  for (let i = 0; i < phones.length; i++) {
    const phone = phones[i]!;
    if (dncNumbers.has(phone.e164)) out.blacklisted.push(i);
    // A non-geographic number (country null) is in no allowed country.
    else if (allowedCountries && (phone.country === null || !allowedCountries.has(phone.country))) out.countryNotAllowed.push(i);
    else out.initiated.push(i);
  }
  return out;
}
