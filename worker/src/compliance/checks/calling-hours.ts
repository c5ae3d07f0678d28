/**
 * Calling hours in the callee's local time: is this instant inside one of the
 * rule's windows in every zone the callee may be in? Pure (the instant is an
 * argument); local weekday and time come from the tz database via Intl, so
 * DST (Cairo, New York) is the database's, not ours. Minute resolution:
 * a window 09:00–18:00 admits 09:00:00 … 17:59:59.
 */
import { localParts } from '../../time/zones.ts';
import { DAYS, minutesOf } from '../rules/rule-schema.ts';
import { windowsSummary, type ResolvedRule } from '../rules/effective-rules.ts';
import type { CheckVerdict } from './verdict.ts';

export function callingHoursVerdict(nowMs: number, jurisdiction: string | null, resolved: ResolvedRule | null): CheckVerdict {
  if (jurisdiction === null) {
    return { outcome: 'failed', reason: "The callee's jurisdiction is unknown (a non-geographic number); pass jurisdiction to check calling hours." };
  }
  if (!resolved) {
    return { outcome: 'failed', reason: `No calling-hours rule for ${jurisdiction}; calls are denied until one is set (PUT /v1/compliance/rules/${jurisdiction}).` };
  }
  if (resolved.zones.length === 0) {
    return { outcome: 'failed', reason: `No time zone is known for ${jurisdiction}; give its rule timezones.` };
  }
  const closedIn = resolved.zones.find((zone) => !openIn(nowMs, zone, resolved));
  if (closedIn === undefined) return { outcome: 'passed' };
  const where = resolved.zones.length > 1 ? ` in every ${jurisdiction} time zone` : '';
  return { outcome: 'failed', reason: `Outside permitted calling hours for ${jurisdiction} (${windowsSummary(resolved.rule.calling_windows)}${where}).` };
}

function openIn(nowMs: number, zone: string, resolved: ResolvedRule): boolean {
  const local = localParts(nowMs, zone);
  const day = DAYS[local.weekday]!;
  const minute = local.hour * 60 + local.minute;
  return resolved.rule.calling_windows.some((w) => w.days.includes(day) && minutesOf(w.start) <= minute && minute < minutesOf(w.end));
}
