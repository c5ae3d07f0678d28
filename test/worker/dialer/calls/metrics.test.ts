// The definitions behind every call number: the JS and SQL forms of the
// durations round identically (so report sums equal /v1/calls sums), the
// rates and averages, and how the TenantPacer folds live-leg reports.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { abandonRate, averageSeconds, durationSeconds, durationSecondsSql, minutes, percent, talkTimeSeconds, talkTimeSecondsSql } from '../../../../worker/src/calls/call-metrics.ts';
import { ownerAfterReport, sumLive, withTotal } from '../../../../worker/src/durable/tenant-pacer/live-calls.ts';

describe('durations', () => {
  it('JS and D1 SQL agree on every call, half-second boundaries included', async () => {
    const base = Date.parse('2026-06-12T10:15:00.000Z');
    const offsets = [0, 1, 499, 500, 501, 999, 1000, 1499, 1500, 2500, 59_999, 60_500, 248_000, 3_600_499, 3_600_500];
    for (let i = 0; i < 40; i++) offsets.push(Math.floor(Math.abs(Math.sin(i + 1)) * 5_000_000));
    const cases = offsets.flatMap((end, i) => [
      { startedAt: new Date(base).toISOString(), answeredAt: new Date(base + Math.floor(end / 3)).toISOString(), endedAt: new Date(base + end).toISOString() },
      { startedAt: new Date(base + i).toISOString(), answeredAt: null, endedAt: new Date(base + i + end).toISOString() },
      { startedAt: new Date(base + i).toISOString(), answeredAt: new Date(base + i + 10).toISOString(), endedAt: null },
    ]);
    const rows = [];
    for (let i = 0; i < cases.length; i += 30) {
      const chunk = cases.slice(i, i + 30);
      const { results } = await env.DB.prepare(
        `WITH c(started_at, answered_at, ended_at) AS (VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')})
         SELECT ${durationSecondsSql('c')} AS d, ${talkTimeSecondsSql('c')} AS t FROM c`,
      )
        .bind(...chunk.flatMap((c) => [c.startedAt, c.answeredAt, c.endedAt]))
        .all<{ d: number | null; t: number | null }>();
      rows.push(...results);
    }
    expect(rows.map((r) => [r.d, r.t])).toEqual(cases.map((c) => [durationSeconds(c), talkTimeSeconds(c)]));
    expect(durationSeconds({ startedAt: '2026-06-12T10:15:00.000Z', endedAt: '2026-06-12T10:19:08.000Z' })).toBe(248);
    expect(durationSeconds({ startedAt: '2026-06-12T10:15:00.000Z', endedAt: '2026-06-12T10:15:01.500Z' })).toBe(2);
    expect(durationSeconds({ startedAt: '2026-06-12T10:15:00.000Z', endedAt: '2026-06-12T10:15:01.499Z' })).toBe(1);
    expect(talkTimeSeconds({ answeredAt: '2026-06-12T10:15:05.000Z', endedAt: '2026-06-12T10:15:00.000Z' })).toBe(0); // clock skew: never negative
  });

  it('rates and averages round to the documented precision', () => {
    expect(percent(28, 42)).toBe(66.7);
    expect(percent(1, 3)).toBe(33.3);
    expect(percent(0, 0)).toBe(0);
    expect(abandonRate(2, 3)).toBe(66.7);
    expect(averageSeconds(9366, 42)).toBe(223);
    expect(averageSeconds(5, 2)).toBe(3);
    expect(averageSeconds(10, 0)).toBe(0);
    expect(minutes(9372)).toBe(156.2);
    expect(minutes(191)).toBe(3.2);
  });
});

describe('live-leg reports in the TenantPacer', () => {
  it('takes a split report as is, keeps the answered count through total-only updates, clamped', () => {
    let owner = ownerAfterReport(undefined, { ringing: 2, connected: 3 }, 1);
    expect(owner).toEqual({ live: 5, connected: 3, seenMs: 1 });
    owner = withTotal(owner, 7, 2); // a pacing grant: 2 new legs, not answered
    expect(owner).toEqual({ live: 7, connected: 3, seenMs: 2 });
    owner = ownerAfterReport(owner, 2, 3); // an owner that reports totals only
    expect(owner).toEqual({ live: 2, connected: 2, seenMs: 3 });
    expect(ownerAfterReport(undefined, 4, 4)).toEqual({ live: 4, connected: 0, seenMs: 4 });
    const sum = sumLive([owner, { live: 4, seenMs: 0 }, { live: 3, connected: 1, seenMs: 0 }], new Date(0));
    expect(sum).toEqual({ active_calls: 9, ringing: 6, connected: 3, as_of: '1970-01-01T00:00:00.000Z' });
  });
});
