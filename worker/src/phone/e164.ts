/**
 * Phone numbers at the API edge: E.164 digits with or without a leading '+'
 * (the broadcast spec writes them without), checked for real validity and
 * country with libphonenumber-js's full metadata.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type PhoneCheck = { ok: true; e164: string; country: string | null } | { ok: false; reason: string };

const E164_SHAPE = /^\+?[1-9]\d{6,14}$/;

export function parseE164(input: string): PhoneCheck {
  const trimmed = input.trim();
  if (!E164_SHAPE.test(trimmed)) {
    return { ok: false, reason: 'must be an E.164 number: country code and number, digits only, optional leading +' };
  }
  const withPlus = trimmed.startsWith('+') ? trimmed : `+${trimmed}`;
  const parsed = parsePhoneNumberFromString(withPlus);
  if (!parsed || !parsed.isValid()) return { ok: false, reason: 'is not a valid phone number for any country' };
  return { ok: true, e164: parsed.number, country: parsed.country ?? null };
}
