/**
 * What the call-history numbers mean, defined once for every reader: the
 * /v1/calls items, /v1/calls/count-today and the reports. Each definition
 * exists twice, as a JS function (per row) and as an SQL expression (for
 * aggregates inside D1), and the two round identically, so a report's sums
 * equal the sums of the items /v1/calls shows for the same calls.
 *
 *   duration_seconds   started_at → ended_at, whole seconds (half up); null while the call is live
 *   talk_time_seconds  answered_at → ended_at, whole seconds; 0 if never answered; null while live
 *   connected          status 'completed': answered by a person (machine answers are 'voicemail')
 *   finished           one of the five history statuses; 'in_progress' calls are not yet counted
 *   abandon_rate       100 × abandoned / connected, one decimal (abandoned: answered, no agent in time)
 */

export const FINISHED_STATUSES = ['completed', 'no_answer', 'busy', 'failed', 'voicemail'] as const;
export type FinishedStatus = (typeof FINISHED_STATUSES)[number];
/** What the status filter of /v1/calls accepts: the finished statuses and a live call's. */
export const CALL_STATUSES = [...FINISHED_STATUSES, 'in_progress'] as const;

/** Whole seconds between two ISO instants, half up, never negative. */
export function wholeSecondsBetween(fromIso: string, toIso: string): number {
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  return Number.isFinite(ms) ? Math.floor((Math.max(0, ms) + 500) / 1000) : 0;
}

export function durationSeconds(call: { startedAt: string; endedAt: string | null }): number | null {
  return call.endedAt === null ? null : wholeSecondsBetween(call.startedAt, call.endedAt);
}

export function talkTimeSeconds(call: { answeredAt: string | null; endedAt: string | null }): number | null {
  if (call.endedAt === null) return null;
  return call.answeredAt === null ? 0 : wholeSecondsBetween(call.answeredAt, call.endedAt);
}

/** A percentage with one decimal (66.666… → 66.7); 0 when there is nothing to divide by. */
export function percent(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((1000 * part) / whole) / 10;
}

/** An average in whole seconds (half up); 0 over nothing. */
export function averageSeconds(totalSeconds: number, count: number): number {
  return count === 0 ? 0 : Math.floor(totalSeconds / count + 0.5);
}

export function abandonRate(abandoned: number, connected: number): number {
  return percent(abandoned, connected);
}

/** Talk time in minutes with one decimal, as the reports show it (9372 s → 156.2). */
export function minutes(seconds: number): number {
  return Math.round(seconds / 6) / 10;
}

// ── The same definitions in SQL (D1's SQLite), for aggregates ────────────

/** Integer milliseconds between two ISO columns; SQLite's subsecond epoch, rounded to the millisecond. */
function msBetween(from: string, to: string): string {
  return `CAST(ROUND((unixepoch(${to}, 'subsec') - unixepoch(${from}, 'subsec')) * 1000) AS INTEGER)`;
}

/** SQL for duration_seconds of the calls row aliased `t` (NULL while live). */
export function durationSecondsSql(t = 'calls'): string {
  return `(CASE WHEN ${t}.ended_at IS NULL THEN NULL ELSE (MAX(0, ${msBetween(`${t}.started_at`, `${t}.ended_at`)}) + 500) / 1000 END)`;
}

/** SQL for talk_time_seconds of the calls row aliased `t` (NULL while live, 0 if never answered). */
export function talkTimeSecondsSql(t = 'calls'): string {
  return `(CASE WHEN ${t}.ended_at IS NULL THEN NULL WHEN ${t}.answered_at IS NULL THEN 0 ELSE (MAX(0, ${msBetween(`${t}.answered_at`, `${t}.ended_at`)}) + 500) / 1000 END)`;
}

/** SQL condition: the call has finished (one of the five history statuses). */
export function finishedSql(t = 'calls'): string {
  return `${t}.status IN (${FINISHED_STATUSES.map((s) => `'${s}'`).join(', ')})`;
}

/**
 * The per-group sums every summary is made of, as SQL select items over the
 * finished calls of a group. Rates and averages are computed from them in JS
 * (percent, averageSeconds, minutes), so there is one rounding rule.
 */
export function callSumsSql(t = 'calls'): string {
  const talk = talkTimeSecondsSql(t);
  return [
    `COUNT(*) AS calls`,
    `SUM(${t}.status = 'completed') AS connected`,
    `SUM(${t}.status = 'no_answer') AS no_answer`,
    `SUM(${t}.status = 'busy') AS busy`,
    `SUM(${t}.status = 'failed') AS failed`,
    `SUM(${t}.status = 'voicemail') AS voicemail`,
    `SUM(${t}.status = 'completed' AND ${t}.abandoned_at IS NOT NULL) AS abandoned`,
    `SUM(${t}.disposition IS NOT NULL) AS dispositioned`,
    `SUM(${talk}) AS talk_seconds`,
    `SUM(CASE WHEN ${t}.status = 'completed' THEN ${talk} ELSE 0 END) AS connected_talk_seconds`,
    `SUM(${durationSecondsSql(t)}) AS duration_seconds`,
  ].join(',\n  ');
}

/** One group's sums as D1 returns them (SUM over no rows is NULL). */
export interface CallSums {
  calls: number;
  connected: number;
  no_answer: number;
  busy: number;
  failed: number;
  voicemail: number;
  abandoned: number;
  dispositioned: number;
  talk_seconds: number;
  connected_talk_seconds: number;
  duration_seconds: number;
}

export function callSums(row: Partial<Record<keyof CallSums, number | null>> | null | undefined): CallSums {
  const n = (k: keyof CallSums) => Number(row?.[k] ?? 0);
  return {
    calls: n('calls'),
    connected: n('connected'),
    no_answer: n('no_answer'),
    busy: n('busy'),
    failed: n('failed'),
    voicemail: n('voicemail'),
    abandoned: n('abandoned'),
    dispositioned: n('dispositioned'),
    talk_seconds: n('talk_seconds'),
    connected_talk_seconds: n('connected_talk_seconds'),
    duration_seconds: n('duration_seconds'),
  };
}

/** Average talk time of the connected calls (the dashboards' "avg talk time"). */
export function avgTalkTimeSeconds(s: CallSums): number {
  return averageSeconds(s.connected_talk_seconds, s.connected);
}
