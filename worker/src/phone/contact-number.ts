/**
 * Phone numbers as people keep them in contact lists: E.164 ("+971501234567"),
 * international with 00, or local ("050 1234567", "(04) 456-1234") read in a
 * default region. Unlike the API's own E.164 fields (e164.ts), spaces, dashes,
 * dots, brackets and Arabic-Indic digits are accepted, because spreadsheets
 * are full of them; what comes out is validated by libphonenumber-js's full
 * metadata and normalised to E.164 with '+'. Besides the E.164 form, the
 * national forms are returned for the search index (people search "050…").
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export type ContactNumber =
  | {
      ok: true;
      e164: string;
      /** ISO 3166-1 alpha-2 of the number (null for non-geographic numbers). */
      country: string | null;
      /** National significant number, digits only: 501234567. */
      national: string;
      /** The national dialling form's digits, trunk prefix included where the country has one: 0501234567. */
      nationalDialled: string;
    }
  | { ok: false; reason: string };

export const MAX_PHONE_INPUT_LENGTH = 64;

export function parseContactNumber(input: string, defaultRegion: CountryCode | null): ContactNumber {
  let text = input.trim();
  if (text === '') return { ok: false, reason: 'is empty' };
  if (defaultRegion === null && !text.startsWith('+')) {
    // Without a region, 00 and bare digits can only be international: 00971…, 971….
    const digits = text.replace(/^(00|٠٠|۰۰)/, '');
    if (digits === text && /^[\s(]*[0٠۰]/.test(text)) {
      return { ok: false, reason: 'has no country code and there is no default region (give default_region, or write the number in E.164 with +)' };
    }
    text = `+${digits}`;
  }
  // extract: false — the whole text must be the number, not a sentence that contains one.
  const parsed = parsePhoneNumberFromString(text, { defaultCountry: defaultRegion ?? undefined, extract: false });
  if (!parsed) return { ok: false, reason: 'is not a phone number' };
  if (parsed.ext) return { ok: false, reason: 'has an extension, which cannot be dialled' };
  if (!parsed.isValid()) {
    const where = parsed.country ?? (text.startsWith('+') ? null : defaultRegion);
    return { ok: false, reason: where ? `is not a valid ${where} number` : 'is not a valid phone number for any country' };
  }
  return {
    ok: true,
    e164: parsed.number,
    country: parsed.country ?? null,
    national: parsed.nationalNumber,
    nationalDialled: parsed.formatNational().replace(/\D/g, ''),
  };
}
