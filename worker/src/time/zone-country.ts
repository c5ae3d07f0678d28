/**
 * The country a time zone belongs to (Asia/Dubai → AE), from the tz
 * database's zone.tab compiled into zone-countries.generated.ts. It is the
 * default region for reading local phone numbers in a campaign's contacts.
 * Zone names are matched without regard to case, as Intl accepts them.
 */
import { ZONE_COUNTRIES } from './zone-countries.generated.ts';

let byLowerCase: Map<string, string> | null = null;

/** ISO 3166-1 alpha-2, or null for zones of no country (UTC, Etc/GMT+4) and unknown names. */
export function countryOfTimeZone(zone: string): string | null {
  const exact = ZONE_COUNTRIES[zone];
  if (exact) return exact;
  byLowerCase ??= new Map(Object.entries(ZONE_COUNTRIES).map(([name, country]) => [name.toLowerCase(), country]));
  return byLowerCase.get(zone.toLowerCase()) ?? null;
}
