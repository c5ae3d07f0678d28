/**
 * "Today" for a tenant: the calendar day that contains an instant in the
 * tenant's time zone, as the half-open UTC range [start, end) that
 * calls.started_at is compared with. A day is not always 24 h long (DST), so
 * both ends come from the tz database (startOfLocalDay), not from +86,400 s.
 */
import { localParts, startOfLocalDay } from '../time/zones.ts';

export interface LocalDay {
  /** YYYY-MM-DD in the zone. */
  date: string;
  /** Inclusive start, ISO UTC. */
  fromIso: string;
  /** Exclusive end (the next local midnight), ISO UTC. */
  toIso: string;
}

export function localDayOf(instantMs: number, zone: string): LocalDay {
  const p = localParts(instantMs, zone);
  const next = new Date(Date.UTC(p.year, p.month - 1, p.day + 1));
  const start = firstInstantOf(p, zone);
  const end = firstInstantOf({ year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() }, zone);
  const date = `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
  return { date, fromIso: new Date(start).toISOString(), toIso: new Date(end).toISOString() };
}

const dayKey = (d: { year: number; month: number; day: number }) => d.year * 10_000 + d.month * 100 + d.day;

/**
 * The first instant whose local date is `date`. Usually local midnight; where
 * a DST change skips midnight (Cairo's spring-forward at 00:00) the day starts
 * at the change, which startOfLocalDay's offset guess lands an hour before,
 * so a short binary search (1 s resolution) finds the real start.
 */
function firstInstantOf(date: { year: number; month: number; day: number }, zone: string): number {
  const guess = startOfLocalDay(date, zone);
  const target = dayKey(date);
  if (dayKey(localParts(guess, zone)) >= target) return guess;
  let lo = guess;
  let hi = guess + 3 * 3_600_000;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (dayKey(localParts(mid, zone)) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}
