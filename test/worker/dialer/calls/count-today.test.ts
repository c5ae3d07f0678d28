// GET /v1/calls/count-today: the tenant's calendar day (its own timezone),
// finished calls partitioned by status, abandon rate and average talk time as
// docs/dialer-api.md defines them; tested across local midnight for two
// tenants whose days start at different UTC instants.
import { describe, expect, it } from 'vitest';
import { localDayOf } from '../../../../worker/src/calls/local-day.ts';
import { call, dialerProblem, seedDialerTenant, type DialerTenant } from '../../helpers/dialer.ts';
import { seedCalls, seedCampaign } from './seed.ts';

const localDate = (ms: number, zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);

async function countToday(who: DialerTenant['agent'], query = '') {
  const res = await call(who, 'GET', `/v1/calls/count-today${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, number | string>;
}

describe('localDayOf', () => {
  it('is the calendar day in the zone, [local midnight, next local midnight)', () => {
    // 20:30 UTC on 12 June is already 13 June in Dubai (+4) and still 12 June in New York (-4).
    const at = Date.parse('2026-06-12T20:30:00Z');
    expect(localDayOf(at, 'Asia/Dubai')).toEqual({ date: '2026-06-13', fromIso: '2026-06-12T20:00:00.000Z', toIso: '2026-06-13T20:00:00.000Z' });
    expect(localDayOf(at, 'America/New_York')).toEqual({ date: '2026-06-12', fromIso: '2026-06-12T04:00:00.000Z', toIso: '2026-06-13T04:00:00.000Z' });
    expect(localDayOf(Date.parse('2026-06-12T19:59:59.999Z'), 'Asia/Dubai').date).toBe('2026-06-12');
  });

  it('handles days of 23 and 25 hours, and a DST change that skips midnight', () => {
    expect(localDayOf(Date.parse('2026-03-08T12:00:00Z'), 'America/New_York')).toEqual({ date: '2026-03-08', fromIso: '2026-03-08T05:00:00.000Z', toIso: '2026-03-09T04:00:00.000Z' });
    expect(localDayOf(Date.parse('2026-11-01T12:00:00Z'), 'America/New_York')).toEqual({ date: '2026-11-01', fromIso: '2026-11-01T04:00:00.000Z', toIso: '2026-11-02T05:00:00.000Z' });
    // Santiago springs forward at 00:00 → 01:00 on 6 Sep 2026: the day starts at 01:00 local (04:00Z), where startOfLocalDay alone says 23:00 the day before.
    const santiago = localDayOf(Date.parse('2026-09-06T15:00:00Z'), 'America/Santiago');
    expect(santiago).toEqual({ date: '2026-09-06', fromIso: '2026-09-06T04:00:00.000Z', toIso: '2026-09-07T03:00:00.000Z' }); // 23 h, then UTC-3
    expect(localDate(Date.parse(santiago.fromIso) - 1, 'America/Santiago')).toBe('2026-09-05');
  });
});

describe('GET /v1/calls/count-today', () => {
  it('partitions today’s finished calls by status with the defined rates; in-progress, yesterday and other tenants are out', async () => {
    const t = await seedDialerTenant({ timezone: 'Asia/Dubai' });
    const other = await seedDialerTenant({ timezone: 'Asia/Dubai' });
    const campaign = await seedCampaign(t.tenantId, 'Today');
    const day = localDayOf(Date.now(), 'Asia/Dubai');
    const start = new Date(day.fromIso);
    const seeds = [
      { status: 'completed', answerAfterS: 5, endAfterS: 65, disposition: 'sale' }, // talk 60
      { status: 'completed', answerAfterS: 10, endAfterS: 40 }, // talk 30
      { status: 'completed', answerAfterS: 1, endAfterS: 92, abandoned: true }, // talk 91
      { status: 'no_answer', endAfterS: 30 },
      { status: 'no_answer', endAfterS: 30 },
      { status: 'busy', endAfterS: 2 },
      { status: 'failed', endAfterS: 0 },
      { status: 'voicemail', answerAfterS: 4, endAfterS: 50 },
      { status: 'in_progress', answerAfterS: 2, endAfterS: null },
    ].map((s) => ({ ...s, campaignId: campaign, startedAt: start }));
    await seedCalls(t.tenantId, seeds);
    await seedCalls(t.tenantId, [{ status: 'completed', answerAfterS: 1, endAfterS: 9, startedAt: new Date(start.getTime() - 1) }]); // yesterday
    await seedCalls(other.tenantId, [{ status: 'completed', answerAfterS: 1, endAfterS: 9, startedAt: start }]);

    const stats = await countToday(t.agent);
    expect(Object.keys(stats).sort()).toEqual(['abandon_rate', 'as_of', 'avg_talk_time_seconds', 'busy', 'connected', 'date', 'failed', 'no_answer', 'total_calls', 'voicemail']);
    expect(stats).toMatchObject({ date: day.date, total_calls: 8, connected: 3, no_answer: 2, busy: 1, failed: 1, voicemail: 1, avg_talk_time_seconds: 60, abandon_rate: 33.3 });
    expect(Math.abs(Date.parse(stats.as_of as string) - Date.now())).toBeLessThan(60_000);

    await seedCalls(t.tenantId, [{ status: 'busy', endAfterS: 2, startedAt: start }]); // no campaign
    expect(await countToday(t.supervisor)).toMatchObject({ total_calls: 9, busy: 2 });
    expect(await countToday(t.supervisor, `?campaign_id=${campaign}`)).toMatchObject({ total_calls: 8, busy: 1 });
    expect(await countToday(other.agent)).toMatchObject({ total_calls: 1, connected: 1, avg_talk_time_seconds: 8, abandon_rate: 0 });
  });

  it('zeroes on a day with no calls; 401 without a token', async () => {
    const t = await seedDialerTenant();
    expect(await countToday(t.agent)).toMatchObject({ total_calls: 0, connected: 0, avg_talk_time_seconds: 0, abandon_rate: 0 });
    await dialerProblem(await call(null, 'GET', '/v1/calls/count-today'), 401);
  });

  it('counts from each tenant’s own local midnight: the same instants, two zones, two answers', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const dubai = await seedDialerTenant({ timezone: 'Asia/Dubai' });
      const newYork = await seedDialerTenant({ timezone: 'America/New_York' });
      const now = Date.now();
      const midnights = [dubai, newYork].map((t) => Date.parse(localDayOf(now, t.timezone).fromIso));
      // The boundary really is local midnight: a millisecond earlier is yesterday there.
      for (const [i, t] of [dubai, newYork].entries()) {
        expect(localDate(midnights[i]!, t.timezone)).toBe(localDate(now, t.timezone));
        expect(localDate(midnights[i]! - 1, t.timezone)).not.toBe(localDate(now, t.timezone));
      }
      // Both tenants get a call just before and just at each tenant's local midnight.
      const instants = midnights.flatMap((m) => [m - 1000, m]);
      for (const t of [dubai, newYork]) await seedCalls(t.tenantId, instants.map((ms) => ({ status: 'busy', endAfterS: 1, startedAt: new Date(ms) })));
      const [d, n] = [await countToday(dubai.agent), await countToday(newYork.agent)];
      if (d.date !== localDate(now, 'Asia/Dubai') || n.date !== localDate(now, 'America/New_York')) continue; // a real midnight passed meanwhile: once more
      const expected = (midnight: number) => instants.filter((ms) => ms >= midnight && ms <= Date.now()).length;
      expect(d.total_calls).toBe(expected(midnights[0]!));
      expect(n.total_calls).toBe(expected(midnights[1]!));
      expect(d.total_calls).not.toBe(0);
      return;
    }
    throw new Error('midnight kept passing');
  });
});
