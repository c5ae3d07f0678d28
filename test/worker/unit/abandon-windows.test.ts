// Abandon accounting over the campaign, today, the last hour, 24 h (Ofcom)
// and 30 days (US safe harbour): what each window counts, what it forgets,
// and that its memory stays bounded and serialisable.
import { describe, expect, it } from 'vitest';
import { abandonFigures, emptyAbandonWindows, recordLiveAnswer, worstLegalRate, type AbandonFigures, type AbandonWindows } from '../../../worker/src/campaigns/abandon-windows.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 5, 0, 0, 0); // a midnight
const record = (w: AbandonWindows, events: Array<[atMs: number, abandoned: boolean]>) => events.reduce((acc, [at, dropped]) => recordLiveAnswer(acc, at, dropped ? 'abandoned' : 'connected'), w);
const counts = (f: AbandonFigures) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, [v.answered, v.abandoned]]));

describe('abandon windows', () => {
  it('starts empty with no rates', () => {
    const f = abandonFigures(emptyAbandonWindows(), T0, T0);
    expect(f.campaign).toEqual({ answered: 0, abandoned: 0, rate: null });
    expect(worstLegalRate(f)).toBeNull();
  });

  it.each([
    // events at offsets from midnight (ms, abandoned?), now, start of today → [answered, abandoned] per window
    ['all in the last hour', [[10 * HOUR, false], [10 * HOUR + MIN, true]], 10 * HOUR + 30 * MIN, 0, { campaign: [2, 1], today: [2, 1], lastHour: [2, 1], last24Hours: [2, 1], last30Days: [2, 1] }],
    ['one two hours ago leaves the last hour', [[8 * HOUR, true], [10 * HOUR, false]], 10 * HOUR + 30 * MIN, 0, { campaign: [2, 1], today: [2, 1], lastHour: [1, 0], last24Hours: [2, 1], last30Days: [2, 1] }],
    ['yesterday leaves today but not 24 h', [[-2 * HOUR, true], [1 * HOUR, false]], 10 * HOUR, 0, { campaign: [2, 1], today: [1, 0], lastHour: [0, 0], last24Hours: [2, 1], last30Days: [2, 1] }],
    ['two days ago leaves 24 h but not 30 days', [[-2 * DAY, true], [1 * HOUR, false]], 10 * HOUR, 0, { campaign: [2, 1], today: [1, 0], lastHour: [0, 0], last24Hours: [1, 0], last30Days: [2, 1] }],
    ['31 days ago is only in the campaign', [[-31 * DAY, true], [1 * HOUR, false]], 10 * HOUR, 0, { campaign: [2, 1], today: [1, 0], lastHour: [0, 0], last24Hours: [1, 0], last30Days: [1, 0] }],
    ['a day starting at 04:00 (a UTC+4 midnight)', [[3 * HOUR, true], [5 * HOUR, false]], 6 * HOUR, 4 * HOUR, { campaign: [2, 1], today: [1, 0], lastHour: [0, 0], last24Hours: [2, 1], last30Days: [2, 1] }],
  ] as const)('%s', (_label, events, now, todayStart, expected) => {
    const w = record(
      emptyAbandonWindows(),
      events.map(([at, dropped]) => [T0 + at, dropped]),
    );
    expect(counts(abandonFigures(w, T0 + now, T0 + todayStart))).toEqual(expected);
  });

  it('computes rates as abandoned ÷ live answers', () => {
    const w = record(emptyAbandonWindows(), [...Array.from({ length: 97 }, (_, i) => [T0 + i * 1000, false] as [number, boolean]), [T0, true], [T0, true], [T0, true]]);
    expect(abandonFigures(w, T0 + MIN, T0).lastHour.rate).toBeCloseTo(0.03, 12);
  });

  it('takes the worse legal window, ignoring one with too few answers to judge', () => {
    // 30 days: 1,000 answers at 1 %; the last 24 h: 200 of them at 4 %.
    let w = emptyAbandonWindows();
    for (let i = 0; i < 800; i++) w = recordLiveAnswer(w, T0 - 10 * DAY + i * MIN, i < 2 ? 'abandoned' : 'connected');
    for (let i = 0; i < 200; i++) w = recordLiveAnswer(w, T0 + i * MIN, i < 8 ? 'abandoned' : 'connected');
    const f = abandonFigures(w, T0 + 200 * MIN, T0);
    expect(f.last30Days.rate).toBeCloseTo(0.01, 12);
    expect(worstLegalRate(f)).toBeCloseTo(0.04, 12);
    expect(worstLegalRate(f, 500)).toBeCloseTo(0.01, 12);
    expect(worstLegalRate(f, 5000)).toBeNull();
  });

  it('stays bounded over 40 days of calling and survives JSON', () => {
    let w = emptyAbandonWindows();
    for (let t = 0; t < 40 * DAY; t += 7 * MIN) w = recordLiveAnswer(w, T0 + t, t % (70 * MIN) === 0 ? 'abandoned' : 'connected');
    expect(w.minutes.length).toBeLessThanOrEqual(61);
    expect(w.fiveMinutes.length).toBeLessThanOrEqual(289);
    expect(w.hours.length).toBeLessThanOrEqual(721);
    const copy = JSON.parse(JSON.stringify(w)) as AbandonWindows;
    const now = T0 + 40 * DAY;
    expect(abandonFigures(copy, now, now - 10 * HOUR)).toEqual(abandonFigures(w, now, now - 10 * HOUR));
    expect(abandonFigures(w, now, now).campaign.answered).toBe(Math.ceil((40 * DAY) / (7 * MIN)));
  });

  it('takes a slightly late event into its own bucket, and an expired straggler only into the campaign total', () => {
    let w = record(emptyAbandonWindows(), [[T0 + 10 * MIN, false]]);
    w = recordLiveAnswer(w, T0 + 5 * MIN, 'abandoned');
    expect(w.minutes.map((b) => b[0])).toEqual([T0 + 5 * MIN, T0 + 10 * MIN]);
    w = recordLiveAnswer(w, T0 - 2 * HOUR, 'abandoned');
    const f = abandonFigures(w, T0 + 11 * MIN, T0 - DAY);
    expect(counts(f)).toMatchObject({ campaign: [3, 2], lastHour: [2, 1], last24Hours: [3, 2] });
  });

  it('never changes the windows it is given', () => {
    const w = record(emptyAbandonWindows(), [[T0, false]]);
    const before = JSON.stringify(w);
    recordLiveAnswer(w, T0 + MIN, 'abandoned');
    expect(JSON.stringify(w)).toBe(before);
  });
});
