/**
 * Phone numbers at the API edge: E.164 digits with or without a leading '+'
 * (the broadcast spec writes them without), nothing else — no spaces, dashes
 * or brackets, because the spec says so and because a number that needs
 * cleaning is a number we might clean wrongly. Validity and country come from
 * libphonenumber-js's full metadata, so "+99912345678" (no such country code)
 * and "+971 12" (too short) are refused, not dialled.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type PhoneCheck = { ok: true; e164: string; country: string | null } | { ok: false; reason: string };

/** A country code cannot start with 0; E.164 allows at most 15 digits in all. */
const E164_SHAPE = /^\+?[1-9]\d{6,14}$/;

export const E164_SHAPE_REASON = 'must be an E.164 number: country code and number, digits only, optional leading +';
export const INVALID_NUMBER_REASON = 'is not a valid phone number for any country';

export function parseE164(input: string): PhoneCheck {
  if (!E164_SHAPE.test(input)) return { ok: false, reason: E164_SHAPE_REASON };
  const parsed = parsePhoneNumberFromString(input.charCodeAt(0) === 43 /* + */ ? input : `+${input}`);
  if (!parsed || !parsed.isValid()) return { ok: false, reason: INVALID_NUMBER_REASON };
  // A shared calling code (+1, +7, +44 …) resolves to one country by number ranges; none only for non-geographic numbers.
  return { ok: true, e164: parsed.number, country: parsed.country ?? null };
}
