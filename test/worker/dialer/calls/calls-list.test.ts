// GET /v1/calls: the documented item fields and durations, every filter,
// newest first, agents limited to their own calls, tenant isolation, and
// keyset pagination that stays exact while calls are inserted.
import { describe, expect, it } from 'vitest';
import { allPages, call, dialerProblem, seedDialerTenant } from '../../helpers/dialer.ts';
import { seedBroadcast, seedCalls, seedCampaign, seedManyCalls, type Page } from './seed.ts';

type Item = Record<string, unknown> & { id: string; started_at: string };
const list = async (who: Parameters<typeof call>[0], query = '') => {
  const res = await call(who, 'GET', `/v1/calls${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Page<Item>;
};

describe('GET /v1/calls items', () => {
  it('has exactly the documented fields; durations come from the instants, whole seconds half up', async () => {
    const t = await seedDialerTenant();
    const campaignId = await seedCampaign(t.tenantId, 'Q2 Renewal Drive');
    const [spec, unanswered, live, half] = await seedCalls(t.tenantId, [
      // The spec's example: 10:15:00 → answered 10:15:18 → ended 10:19:08.
      { campaignId, agentId: t.agent.id, startedAt: '2026-06-12T10:15:00.000Z', answerAfterS: 18, endAfterS: 248, disposition: 'sale', recordingId: 'rec-1' },
      { campaignId, agentId: t.agent.id, startedAt: '2026-06-12T10:20:00.000Z', answerAfterS: null, endAfterS: 25, status: 'no_answer' },
      { campaignId, agentId: t.agent.id, startedAt: '2026-06-12T10:25:00.000Z', answerAfterS: 3, endAfterS: null },
      { agentId: t.agent.id, startedAt: '2026-06-12T10:30:00.000Z', answerAfterS: 0.25, endAfterS: 2.75 },
    ]);
    const page = await list(t.supervisor);
    expect(page).toMatchObject({ total: 4, has_more: false, next_cursor: null });
    expect(page.items.map((i) => i.id)).toEqual([half, live, unanswered, spec]);
    expect(page.items.at(-1)).toEqual({
      id: spec,
      campaign_id: campaignId,
      agent_id: t.agent.id,
      contact_phone: '+971501234567',
      direction: 'outbound',
      status: 'completed',
      disposition: 'sale',
      duration_seconds: 248,
      talk_time_seconds: 230,
      started_at: '2026-06-12T10:15:00.000Z',
      answered_at: '2026-06-12T10:15:18.000Z',
      ended_at: '2026-06-12T10:19:08.000Z',
      recording_id: 'rec-1',
    });
    const byId = new Map(page.items.map((i) => [i.id, i]));
    expect(byId.get(unanswered!)).toMatchObject({ status: 'no_answer', duration_seconds: 25, talk_time_seconds: 0, answered_at: null });
    expect(byId.get(live!)).toMatchObject({ status: 'in_progress', duration_seconds: null, talk_time_seconds: null, ended_at: null });
    expect(byId.get(half!)).toMatchObject({ duration_seconds: 3, talk_time_seconds: 3, campaign_id: null }); // 2.75 → 3, 2.5 → 3
  });
});

describe('GET /v1/calls filters', () => {
  it('filters by campaign, agent, broadcast, status (in_progress too) and an inclusive from/to, alone and together', async () => {
    const t = await seedDialerTenant();
    const [c1, c2] = [await seedCampaign(t.tenantId, 'One'), await seedCampaign(t.tenantId, 'Two')];
    const b1 = await seedBroadcast(t.tenantId, 'Blast');
    const at = (m: number) => `2026-06-12T10:${String(m).padStart(2, '0')}:00.000Z`;
    const ids = await seedCalls(t.tenantId, [
      { campaignId: c1, agentId: t.agent.id, startedAt: at(0), answerAfterS: 5, endAfterS: 60 }, // 0 completed
      { campaignId: c1, agentId: t.supervisor.id, startedAt: at(1), status: 'busy', endAfterS: 3 }, // 1
      { campaignId: c2, agentId: t.agent.id, startedAt: at(2), status: 'voicemail', answerAfterS: 4, endAfterS: 40 }, // 2
      { broadcastId: b1, startedAt: at(3), status: 'failed', endAfterS: 1 }, // 3
      { broadcastId: b1, startedAt: at(4), answerAfterS: 2, endAfterS: null }, // 4 in_progress
      { campaignId: c2, agentId: t.agent.id, startedAt: at(5), status: 'no_answer', endAfterS: 30 }, // 5
    ]);
    const got = async (q: string) => (await allPages<Item>(t.supervisor, `/v1/calls?${q}`, 2)).map((i) => ids.indexOf(i.id));
    expect(await got('')).toEqual([5, 4, 3, 2, 1, 0]);
    expect(await got(`campaign_id=${c1}`)).toEqual([1, 0]);
    expect(await got(`agent_id=${t.agent.id}`)).toEqual([5, 2, 0]);
    expect(await got(`broadcast_id=${b1}`)).toEqual([4, 3]);
    for (const [status, expected] of [['completed', [0]], ['busy', [1]], ['voicemail', [2]], ['failed', [3]], ['in_progress', [4]], ['no_answer', [5]]] as const) {
      expect(await got(`status=${status}`), status).toEqual(expected);
    }
    expect(await got(`from=${at(2)}&to=${at(4)}`)).toEqual([4, 3, 2]); // both ends inclusive
    expect(await got(`from=2026-06-12T14:02:00%2B04:00`)).toEqual([5, 4, 3, 2]); // an offset is accepted and normalised
    expect(await got(`campaign_id=${c2}&agent_id=${t.agent.id}&status=no_answer&from=${at(0)}`)).toEqual([5]);
    expect((await list(t.supervisor, `?campaign_id=${c1}`)).total).toBe(2);
  });

  it('400s bad queries with problem+json naming the field', async () => {
    const t = await seedDialerTenant();
    for (const [q, field] of [
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=ten', 'limit'],
      ['status=ringing', 'status'],
      ['from=yesterday', 'from'],
      ['to=2026-13-01T00:00:00Z', 'to'],
      ['from=2026-06-12T10:00:00Z&to=2026-06-12T09:00:00Z', 'to'],
      ['cursor=%25%25%25', 'cursor'],
      ['cursor=eyJub3QiOiJhIGtleXNldCJ9', 'cursor'],
    ] as const) {
      const p = await dialerProblem(await call(t.supervisor, 'GET', `/v1/calls?${q}`), 400);
      expect(p.field, q).toMatch(new RegExp(`/${field}$`));
    }
  });

  it('defaults to 50 per page and allows up to 200', async () => {
    const t = await seedDialerTenant();
    await seedManyCalls(t.tenantId, 210, new Date('2026-06-12T10:00:00Z'));
    expect((await list(t.admin)).items).toHaveLength(50);
    const max = await list(t.admin, '?limit=200');
    expect(max.items).toHaveLength(200);
    expect(max).toMatchObject({ total: 210, has_more: true });
  });
});

describe('GET /v1/calls who sees what', () => {
  it('shows an agent their own calls only, whatever agent_id they ask for; supervisors and admins see all', async () => {
    const t = await seedDialerTenant();
    const [mine, theirs] = await seedCalls(t.tenantId, [
      { agentId: t.agent.id, startedAt: '2026-06-12T10:00:00.000Z' },
      { agentId: t.supervisor.id, startedAt: '2026-06-12T10:01:00.000Z' },
      { startedAt: '2026-06-12T10:02:00.000Z' },
    ]);
    expect((await list(t.agent)).items.map((i) => i.id)).toEqual([mine]);
    expect((await list(t.agent)).total).toBe(1);
    expect((await list(t.agent, `?agent_id=${t.agent.id}`)).items.map((i) => i.id)).toEqual([mine]);
    expect((await list(t.agent, `?agent_id=${t.supervisor.id}`)).items).toEqual([]);
    expect((await list(t.supervisor)).total).toBe(3);
    expect((await list(t.admin, `?agent_id=${t.supervisor.id}`)).items.map((i) => i.id)).toEqual([theirs]);
  });

  it('401s without a token; never shows another tenant’s calls, whatever the filter', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const theirCampaign = await seedCampaign(other.tenantId, 'Theirs');
    const [theirCall] = await seedCalls(other.tenantId, [{ campaignId: theirCampaign, agentId: other.agent.id, startedAt: new Date() }]);
    await dialerProblem(await call(null, 'GET', '/v1/calls'), 401);
    for (const q of ['', `?campaign_id=${theirCampaign}`, `?agent_id=${other.agent.id}`]) {
      const page = await list(t.admin, q);
      expect(page).toMatchObject({ items: [], total: 0 });
    }
    expect((await list(other.admin)).items.map((i) => i.id)).toEqual([theirCall]);
  });
});

describe('GET /v1/calls pagination', () => {
  it('pages through 230 calls while newer and older calls are inserted: every original call once, newest first', async () => {
    const t = await seedDialerTenant();
    const base = new Date('2026-06-12T10:00:00.000Z');
    await seedManyCalls(t.tenantId, 230, base);
    // Same-instant ties are ordered by id too.
    await seedCalls(t.tenantId, [{ id: 'ffffffff-0000-7000-8000-000000000001', startedAt: new Date(base.getTime() + 100) }]);
    const seen: Item[] = [];
    let cursor: string | null = null;
    let pages = 0;
    const lateOld: string[] = [];
    do {
      const page: Page<Item> = await list(t.supervisor, `?limit=40${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items);
      cursor = page.next_cursor;
      pages++;
      if (!cursor) break;
      // A brand-new call (sorts before everything: never shows up in later pages) and an old one (sorts after the cursor: shows up once).
      const [, old] = await seedCalls(t.tenantId, [{ startedAt: new Date() }, { startedAt: new Date(base.getTime() - pages * 1000) }]);
      lateOld.push(old!);
    } while (cursor);
    expect(pages).toBe(Math.ceil((231 + lateOld.length) / 40));
    const ids = seen.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(231 + lateOld.length);
    expect(ids.slice(-lateOld.length)).toEqual(lateOld);
    const keys = seen.map((i) => `${i.started_at}|${i.id}`);
    expect([...keys].sort().reverse()).toEqual(keys);
  });
});
