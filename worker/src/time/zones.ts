/**
 * IANA time zones through the runtime's Intl (ICU) data: validation of a
 * zone name, and the wall-clock parts of an instant in a zone, which is what
 * "today in the tenant's timezone" and "calling hours in the callee's local
 * time" are computed from. No offset arithmetic of our own, so DST changes
 * (Cairo, New York) come from the tz database, not from us.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

export function isValidTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export function localParts(instantMs: number, zone: string): LocalParts {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(instantMs))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    // Some ICU versions render midnight as 24 with hourCycle h23 unset; normalise.
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS.indexOf(parts.weekday!),
  };
}

/** The UTC instant at which the local calendar date `date` (YYYY-MM-DD) starts in `zone`. */
export function startOfLocalDay(date: { year: number; month: number; day: number }, zone: string): number {
  // Guess midnight UTC, then correct by the zone's offset at that guess; twice handles a DST edge.
  let guess = Date.UTC(date.year, date.month - 1, date.day);
  for (let i = 0; i < 2; i++) {
    const p = localParts(guess, zone);
    const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    guess -= asUtc - Date.UTC(date.year, date.month - 1, date.day);
  }
  return guess;
}

/**
 * The IANA zones of a country (ISO 3166-1 alpha-2) from the runtime's CLDR
 * data, e.g. US → New_York … Honolulu; [] when ICU knows none. Used where a
 * rule names a country but not its zones (compliance's catch-all rule).
 * Remembered per country for the isolate's life: ICU's data does not change
 * under a running isolate, and enumerating it (Intl.Locale#getTimeZones walks
 * every zone's region) was 6 % of workerd's thread while a 1,000-leg broadcast
 * was dialled through the compliance gate, once per leg.
 */
export function countryTimeZones(country: string): readonly string[] {
  let zones = countryZones.get(country);
  if (zones) return zones;
  zones = Object.freeze(lookUpCountryZones(country));
  // Region codes are a few hundred; the bound only guards against a caller passing anything else.
  if (countryZones.size < 1024) countryZones.set(country, zones);
  return zones;
}

const countryZones = new Map<string, readonly string[]>();

function lookUpCountryZones(country: string): string[] {
  try {
    const locale = new Intl.Locale(`und-${country}`) as Intl.Locale & { timeZones?: string[]; getTimeZones?: () => string[] | undefined };
    // V8 renamed the getter to a method; accept either.
    const zones = typeof locale.getTimeZones === 'function' ? locale.getTimeZones() : locale.timeZones;
    return (zones ?? []).filter(isValidTimeZone);
  } catch {
    // Not a region subtag ICU accepts: no zones, which the caller treats as "cannot tell".
    return [];
  }
}

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}
