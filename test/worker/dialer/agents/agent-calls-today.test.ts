// calls_today and talk_time_today_seconds of GET /v1/agents/state: the
// agent's finished calls that started on the tenant's local day (its own
// timezone, not UTC), talk time answered → ended in whole seconds. Through
// the API around the real local midnight of two zones, and through the query
// itself on fixed days.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { seedDialerTenant } from '../../helpers/dialer.ts';
import { localDayOf } from '../../../../worker/src/calls/local-day.ts';
import { agentDayStatsOf, agentDayStatsStatement } from '../../../../worker/src/agents/agent-day-stats.ts';
import { addUser, agentIn, floor, iso, recordAgentCall } from './fixtures.ts';

/** Waits out the last seconds of a local day, so "today" cannot change between seeding and asking. */
async function awayFromMidnight(zone: string): Promise<void> {
  const left = Date.parse(localDayOf(Date.now(), zone).toIso) - Date.now();
  if (left < 10_000) await new Promise((r) => setTimeout(r, left + 1_000));
}

describe('calls_today / talk_time_today_seconds', () => {
  it.each(['Asia/Dubai', 'America/Los_Angeles'])("count the calls since the tenant's local midnight (%s), not before", async (zone) => {
    await awayFromMidnight(zone);
    const t = await seedDialerTenant({ timezone: zone });
    const day = localDayOf(Date.now(), zone);
    const midnight = Date.parse(day.fromIso);
    // Yesterday's last second: not today, whatever its talk time.
    await recordAgentCall(t, t.agent.id, { startedAt: iso(midnight - 1_000), answeredAt: iso(midnight), endedAt: iso(midnight + 600_000) });
    // Local midnight itself starts today.
    await recordAgentCall(t, t.agent.id, { startedAt: iso(midnight), answeredAt: iso(midnight + 18_000), endedAt: iso(midnight + 230_400) }); // 212.4 s → 212
    await recordAgentCall(t, t.agent.id, { startedAt: iso(midnight + 1_000), status: 'no_answer', endedAt: iso(midnight + 31_000) }); // never answered: 0
    const body = await floor(t.supervisor);
    expect(agentIn(body, t.agent.id)).toMatchObject({ calls_today: 2, talk_time_today_seconds: 212 });
  });

  it('one instant, two tenants: the call is today where local midnight has passed, yesterday where it has not', async () => {
    await awayFromMidnight('Asia/Dubai');
    await awayFromMidnight('America/Los_Angeles');
    const dubai = await seedDialerTenant({ timezone: 'Asia/Dubai' });
    const la = await seedDialerTenant({ timezone: 'America/Los_Angeles' });
    const dubaiMidnight = Date.parse(localDayOf(Date.now(), 'Asia/Dubai').fromIso);
    const laMidnight = Date.parse(localDayOf(Date.now(), 'America/Los_Angeles').fromIso);
    // The two current local days overlap; one second before the later midnight is inside the
    // earlier-starting day only. (Neither is UTC's day, so a UTC "today" would count it in both or neither.)
    const [earlier, later] = dubaiMidnight < laMidnight ? [dubai, la] : [la, dubai];
    const at = Math.max(dubaiMidnight, laMidnight) - 1_000;
    for (const t of [dubai, la]) await recordAgentCall(t, t.agent.id, { startedAt: iso(at), answeredAt: iso(at), endedAt: iso(at + 60_000) });
    expect(agentIn(await floor(earlier.supervisor), earlier.agent.id)).toMatchObject({ calls_today: 1, talk_time_today_seconds: 60 });
    expect(agentIn(await floor(later.supervisor), later.agent.id)).toMatchObject({ calls_today: 0, talk_time_today_seconds: 0 });
  });

  it('count every finished status, not calls in progress, other agents, broadcast legs or other tenants', async () => {
    await awayFromMidnight('Asia/Dubai');
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const omar = await addUser(t, { fullName: 'Omar Khalil' });
    // Calls of the last two minutes, but never before today's midnight.
    const s0 = Math.max(Date.now() - 120_000, Date.parse(localDayOf(Date.now(), 'Asia/Dubai').fromIso));
    const start = iso(s0);
    for (const status of ['completed', 'no_answer', 'busy', 'failed', 'voicemail']) {
      await recordAgentCall(t, t.agent.id, { startedAt: start, answeredAt: status === 'completed' || status === 'voicemail' ? iso(s0 + 20_000) : null, endedAt: iso(s0 + 30_000), status });
    }
    await recordAgentCall(t, t.agent.id, { startedAt: start, answeredAt: iso(s0 + 20_000), endedAt: null, status: 'in_progress' });
    await recordAgentCall(t, omar.id, { startedAt: start, answeredAt: iso(s0 + 20_000), endedAt: iso(s0 + 80_000) });
    await recordAgentCall(t, null, { startedAt: start, answeredAt: iso(s0 + 20_000), endedAt: iso(s0 + 80_000) });
    await recordAgentCall(other, t.agent.id, { startedAt: start, answeredAt: iso(s0 + 20_000), endedAt: iso(s0 + 80_000) });
    const body = await floor(t.supervisor);
    expect(agentIn(body, t.agent.id)).toMatchObject({ calls_today: 5, talk_time_today_seconds: 20 });
    expect(agentIn(body, omar.id)).toMatchObject({ calls_today: 1, talk_time_today_seconds: 60 });
  });
});

describe('the day query on fixed days', () => {
  it('Dubai: 2026-06-12T20:00:00Z is local midnight of the 13th; talk seconds round half up per call', async () => {
    const t = await seedDialerTenant({ timezone: 'Asia/Dubai' });
    const day = localDayOf(Date.parse('2026-06-12T20:30:00Z'), 'Asia/Dubai');
    expect(day).toEqual({ date: '2026-06-13', fromIso: '2026-06-12T20:00:00.000Z', toIso: '2026-06-13T20:00:00.000Z' });
    await recordAgentCall(t, t.agent.id, { startedAt: '2026-06-12T19:59:59.999Z', answeredAt: '2026-06-12T20:00:05.000Z', endedAt: '2026-06-12T20:03:00.000Z' });
    await recordAgentCall(t, t.agent.id, { startedAt: '2026-06-12T20:00:00.000Z', answeredAt: '2026-06-12T20:00:10.000Z', endedAt: '2026-06-12T20:00:10.500Z' }); // 0.5 s → 1
    await recordAgentCall(t, t.agent.id, { startedAt: '2026-06-13T19:59:59.999Z', answeredAt: '2026-06-13T20:00:00.000Z', endedAt: '2026-06-13T20:00:00.499Z' }); // 0.499 s → 0
    await recordAgentCall(t, t.agent.id, { startedAt: '2026-06-13T20:00:00.000Z', answeredAt: '2026-06-13T20:00:01.000Z', endedAt: '2026-06-13T20:10:00.000Z' });
    const stats = agentDayStatsOf(await agentDayStatsStatement(env.DB, t.tenantId, day).all());
    expect(stats.get(t.agent.id)).toEqual({ calls: 2, talkSeconds: 1 });
  });

  it('New York across the spring-forward night: the local day of 2026-03-08 is 23 hours long', async () => {
    const t = await seedDialerTenant({ timezone: 'America/New_York' });
    const day = localDayOf(Date.parse('2026-03-08T12:00:00Z'), 'America/New_York');
    expect(day).toEqual({ date: '2026-03-08', fromIso: '2026-03-08T05:00:00.000Z', toIso: '2026-03-09T04:00:00.000Z' });
    await recordAgentCall(t, t.agent.id, { startedAt: '2026-03-08T04:59:59.000Z', answeredAt: '2026-03-08T05:00:00.000Z', endedAt: '2026-03-08T05:01:00.000Z' });
    await recordAgentCall(t, t.agent.id, { startedAt: '2026-03-09T03:59:59.000Z', answeredAt: '2026-03-09T04:00:00.000Z', endedAt: '2026-03-09T04:01:40.000Z' });
    await recordAgentCall(t, t.agent.id, { startedAt: '2026-03-09T04:00:00.000Z', answeredAt: '2026-03-09T04:00:00.000Z', endedAt: '2026-03-09T04:01:00.000Z' });
    const stats = agentDayStatsOf(await agentDayStatsStatement(env.DB, t.tenantId, day).all());
    expect(stats.get(t.agent.id)).toEqual({ calls: 1, talkSeconds: 100 });
  });
});
