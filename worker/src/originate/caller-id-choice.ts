/**
 * Which number of a CLI group a call presents, when the group has several:
 * one of the destination's own country if there is one (a local number is
 * answered more often, and some regulators expect it), else the first in
 * E.164 order. Deterministic, so the same call always shows the same
 * number and tests and auditors can predict it. Pure.
 */
import { parseE164 } from '../phone/e164.ts';

export function chooseCallerId(numbers: readonly string[], destination: string): string | null {
  if (numbers.length === 0) return null;
  const sorted = [...new Set(numbers)].sort();
  const country = parseE164(destination);
  if (country.ok && country.country) {
    const local = sorted.find((n) => {
      const parsed = parseE164(n);
      return parsed.ok && parsed.country === country.country;
    });
    if (local) return local;
  }
  return sorted[0]!;
}
