/**
 * Whose calling hours apply to a campaign contact (pure): the callee's own,
 * from the number's country (the compliance engine derives it when no
 * jurisdiction is given, so this answers null then); for a number that
 * belongs to no country (non-geographic: +800, +808, +870 …) the campaign's
 * time zone decides, through the country of that zone (Asia/Dubai → AE).
 * Null also when neither says: the engine then blocks on calling hours, as
 * it does for any call it cannot place in time.
 */
import { parseE164 } from '../../phone/e164.ts';
import { countryOfTimeZone } from '../../time/zone-country.ts';

export function fallbackJurisdiction(phone: string, campaignTimezone: string): string | null {
  const parsed = parseE164(phone);
  if (parsed.ok && parsed.country) return null;
  return countryOfTimeZone(campaignTimezone);
}
