/**
 * Which country codes a tenant may list in allowed_countries: the ISO 3166-1
 * alpha-2 codes libphonenumber-js has numbering metadata for — exactly the
 * codes parseE164 can ever assign to a number, so an allowed list can only
 * name countries a recipient can actually be in.
 */
import { isSupportedCountry } from 'libphonenumber-js/max';

export function isDialableCountry(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code);
}
