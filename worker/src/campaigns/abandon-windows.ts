/**
 * Abandon accounting over the windows the rules and the spec name, in
 * bounded memory so a campaign's Durable Object can keep it in storage and
 * the predictive mode can read it every tick:
 *   campaign    all time (the spec's campaign `abandon_rate`)
 *   today       since the caller's start of day (the spec's daily figure;
 *               VICIdial's drop % denominator)
 *   lastHour    rolling 60 minutes, per-minute buckets
 *   last24Hours rolling 24 h, per-5-minute buckets (UK Ofcom's window)
 *   last30Days  rolling 30 days, per-hour buckets (US TSR / FCC safe harbour)
 * A rolling window counts whole buckets whose start is inside it, so it is
 * exact to its bucket size (the newest bucket is partly filled). "today"
 * counts 5-minute buckets, so a start of day must fall on a 5-minute
 * boundary (every UTC offset in use does).
 * Rates are abandoned ÷ live answers, where an abandoned call is itself a live
 * answer that found no agent within 2 s (AMD false positives included).
 * Buckets are sparse [startMs, answered, abandoned] tuples, so a quiet
 * campaign stores almost nothing; at most 60 + 289 + 721 tuples in all.
 * Functions return new values and never mutate their input.
 */

export type Bucket = readonly [startMs: number, answered: number, abandoned: number];

export interface AbandonWindows {
  total: { answered: number; abandoned: number };
  minutes: readonly Bucket[];
  fiveMinutes: readonly Bucket[];
  hours: readonly Bucket[];
}

export interface WindowCount {
  answered: number;
  abandoned: number;
  /** abandoned ÷ answered (0–1), null with no answers. */
  rate: number | null;
}

export interface AbandonFigures {
  campaign: WindowCount;
  today: WindowCount;
  lastHour: WindowCount;
  last24Hours: WindowCount;
  last30Days: WindowCount;
}

const MINUTE = 60_000;
const FIVE_MINUTES = 5 * MINUTE;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function emptyAbandonWindows(): AbandonWindows {
  return { total: { answered: 0, abandoned: 0 }, minutes: [], fiveMinutes: [], hours: [] };
}

/** Records one live answer at `atMs`: connected to an agent, or abandoned. Events may arrive slightly out of order. */
export function recordLiveAnswer(w: AbandonWindows, atMs: number, outcome: 'connected' | 'abandoned'): AbandonWindows {
  const dropped = outcome === 'abandoned' ? 1 : 0;
  return {
    total: { answered: w.total.answered + 1, abandoned: w.total.abandoned + dropped },
    minutes: add(w.minutes, atMs, MINUTE, HOUR, dropped),
    fiveMinutes: add(w.fiveMinutes, atMs, FIVE_MINUTES, DAY, dropped),
    hours: add(w.hours, atMs, HOUR, 30 * DAY, dropped),
  };
}

export function abandonFigures(w: AbandonWindows, nowMs: number, todayStartMs: number): AbandonFigures {
  return {
    campaign: count(w.total.answered, w.total.abandoned),
    today: sum(w.fiveMinutes, (start) => start >= todayStartMs && start <= nowMs),
    lastHour: sum(w.minutes, (start) => start > nowMs - HOUR && start <= nowMs),
    last24Hours: sum(w.fiveMinutes, (start) => start > nowMs - DAY && start <= nowMs),
    last30Days: sum(w.hours, (start) => start > nowMs - 30 * DAY && start <= nowMs),
  };
}

/**
 * The worst rate of the two legal windows (30 days, 24 h) among those with
 * at least `minAnswers` live answers — a handful of answers says nothing
 * about a percentage — or null. This is FloorSnapshot.regulatoryAbandonRate.
 */
export function worstLegalRate(f: AbandonFigures, minAnswers = 100): number | null {
  const rates = [f.last30Days, f.last24Hours].filter((c) => c.answered >= minAnswers).map((c) => c.rate ?? 0);
  return rates.length === 0 ? null : Math.max(...rates);
}

function add(buckets: readonly Bucket[], atMs: number, size: number, keep: number, dropped: number): Bucket[] {
  const start = Math.floor(atMs / size) * size;
  // Prune against the newest time seen, so an old straggler cannot resurrect expired buckets.
  const newest = Math.max(atMs, buckets.at(-1)?.[0] ?? 0);
  const out = buckets.filter((b) => b[0] > newest - keep - size);
  if (start <= newest - keep - size) return out;
  const i = out.findIndex((b) => b[0] >= start);
  if (i >= 0 && out[i]![0] === start) out[i] = [start, out[i]![1] + 1, out[i]![2] + dropped];
  else out.splice(i < 0 ? out.length : i, 0, [start, 1, dropped]);
  return out;
}

function sum(buckets: readonly Bucket[], inWindow: (startMs: number) => boolean): WindowCount {
  let answered = 0;
  let abandoned = 0;
  for (const b of buckets) {
    if (!inWindow(b[0])) continue;
    answered += b[1];
    abandoned += b[2];
  }
  return count(answered, abandoned);
}

const count = (answered: number, abandoned: number): WindowCount => ({ answered, abandoned, rate: answered === 0 ? null : abandoned / answered });
