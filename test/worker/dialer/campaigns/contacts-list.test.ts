// GET /v1/campaigns/{id}/contacts: upload order, status filter, documented
// limits and fields, pagination that holds while more contacts arrive.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, dialerProblem, seedDialerTenant } from '../../helpers/dialer.ts';
import { createCampaign, json, uaeMobiles, upload } from './fixtures.ts';

interface Page {
  items: Array<{ id: string; phone: string; status: string }>;
  total: number;
  next_cursor: string | null;
  has_more: boolean;
}

describe('GET /v1/campaigns/{id}/contacts', () => {
  it('lists in upload order, 50 by default, 200 at most, with the documented fields', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    const phones = uaeMobiles(260);
    await upload(t.supervisor, c.id, phones.map((phone) => ({ phone })));
    const first = await json<Page>(await call(t.agent, 'GET', `/v1/campaigns/${c.id}/contacts`));
    expect(first.items.map((x) => x.phone)).toEqual(phones.slice(0, 50));
    expect(first).toMatchObject({ total: 260, has_more: true, next_cursor: expect.any(String) });
    expect(Object.keys(first.items[0]!).sort()).toEqual(['attempts', 'custom_fields', 'disposition', 'first_name', 'id', 'last_call_at', 'last_name', 'phone', 'status']);
    const big = await json<Page>(await call(t.agent, 'GET', `/v1/campaigns/${c.id}/contacts?limit=200`));
    expect(big.items).toHaveLength(200);
    const rest = await json<Page>(await call(t.agent, 'GET', `/v1/campaigns/${c.id}/contacts?limit=200&cursor=${big.next_cursor}`));
    expect(rest).toMatchObject({ has_more: false, next_cursor: null });
    expect([...big.items, ...rest.items].map((x) => x.phone)).toEqual(phones);
    for (const bad of ['limit=201', 'limit=0', 'status=called', 'cursor=%%%']) await dialerProblem(await call(t.agent, 'GET', `/v1/campaigns/${c.id}/contacts?${bad}`), 400);
  });

  it('filters by status, with total under the filter', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    await upload(t.supervisor, c.id, uaeMobiles(12).map((phone) => ({ phone })));
    // What a dialer does to contacts as it works through them.
    await env.DB.prepare("UPDATE contacts SET status = CASE WHEN phone < '+971500000004' THEN 'completed' WHEN phone < '+971500000006' THEN 'failed' ELSE status END WHERE campaign_id = ?").bind(c.id).run();
    const count = async (status: string) => (await json<Page>(await call(t.agent, 'GET', `/v1/campaigns/${c.id}/contacts?status=${status}`))).total;
    expect(await count('completed')).toBe(4);
    expect(await count('failed')).toBe(2);
    expect(await count('pending')).toBe(6);
    expect(await count('dnc')).toBe(0);
    const failed = await json<Page>(await call(t.agent, 'GET', `/v1/campaigns/${c.id}/contacts?status=failed&limit=1`));
    const next = await json<Page>(await call(t.agent, 'GET', `/v1/campaigns/${c.id}/contacts?status=failed&limit=1&cursor=${failed.next_cursor}`));
    expect([...failed.items, ...next.items].map((x) => x.phone)).toEqual(['+971500000004', '+971500000005']);
    expect(next.has_more).toBe(false);
  });

  it('pages through while uploads continue: every contact once, new ones at the end', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    await upload(t.supervisor, c.id, uaeMobiles(30).map((phone) => ({ phone })));
    const seen: string[] = [];
    let cursor: string | null = null;
    let batch = 0;
    do {
      const page: Page = await json(await call(t.agent, 'GET', `/v1/campaigns/${c.id}/contacts?limit=7${cursor ? `&cursor=${cursor}` : ''}`));
      seen.push(...page.items.map((x) => x.phone));
      cursor = page.next_cursor;
      if (batch < 3) await upload(t.supervisor, c.id, uaeMobiles(5, 100 + 5 * batch++).map((phone) => ({ phone })));
    } while (cursor);
    expect(seen).toEqual([...uaeMobiles(30), ...uaeMobiles(15, 100)]);
  });

  it('is open to every role and 401 without a token', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    for (const who of [t.agent, t.supervisor, t.admin]) expect((await call(who, 'GET', `/v1/campaigns/${c.id}/contacts`)).status).toBe(200);
    await dialerProblem(await call(null, 'GET', `/v1/campaigns/${c.id}/contacts`), 401);
  });
});
