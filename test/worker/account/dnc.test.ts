// The tenant DNC list over Basic auth (our addition): POST adds (normalised,
// de-duplicated, counted like the dialer spec), GET pages by cursor, and each
// tenant sees only its own list.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, seedTenant, countRows } from '../helpers/tenant.ts';
import { uaeMobile } from '../helpers/broadcast-body.ts';
import { getAs, problemOf, sendJson } from '../helpers/http.ts';

const addDnc = (t: Awaited<ReturnType<typeof seedTenant>>, body: unknown) => sendJson(t, 'POST', '/voice/v1/dnc', body);

describe('POST /voice/v1/dnc', () => {
  it('adds numbers and answers the dialer spec\'s counts', async () => {
    const t = await seedTenant();
    const res = await addDnc(t, { phones: ['+971509876543', '+97144123456'], reason: 'Customer opt-out via email' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ added: 2, duplicates_skipped: 0, invalid_phones: 0 });
  });

  it('stores numbers normalised: with and without + are one entry; repeats and invalid numbers are counted', async () => {
    const t = await seedTenant();
    expect(await (await addDnc(t, { phones: ['971509876543', '+971509876543', 'junk', '+99912345678', '918088394833'] })).json()).toEqual({
      added: 2,
      duplicates_skipped: 1,
      invalid_phones: 2,
    });
    expect(await (await addDnc(t, { phones: ['+918088394833', '12012774877'] })).json()).toEqual({ added: 1, duplicates_skipped: 1, invalid_phones: 0 });
    const list = (await (await getAs(t, '/voice/v1/dnc')).json()) as { items: Array<{ phone: string; source: string; reason: string | null; added_by: string }> };
    expect(list.items.map((i) => i.phone)).toEqual(['+12012774877', '+918088394833', '+971509876543']);
    expect(list.items[0]).toMatchObject({ source: 'api', reason: null, added_by: t.appId });
  });

  it('takes 5,000 numbers in one request', async () => {
    const t = await seedTenant();
    const phones = Array.from({ length: 5000 }, (_, i) => uaeMobile(i));
    const res = await addDnc(t, { phones, reason: 'bulk' });
    expect(await res.json()).toEqual({ added: 5000, duplicates_skipped: 0, invalid_phones: 0 });
    expect(await countRows('dnc', t.tenantId)).toBe(5000);
  });

  it.each([
    [{ phones: [] }, '/phones'],
    [{ phones: Array.from({ length: 5001 }, (_, i) => uaeMobile(i)) }, '/phones'],
    [{ phones: 'not-a-list' }, '/phones'],
    [{ phones: [123] }, '/phones/0'],
    [{ phones: [null] }, '/phones/0'],
    [{ phones: ['x'.repeat(65)] }, '/phones/0'],
    [{}, '/phones'],
    [{ phones: ['971509876543'], reason: 5 }, '/reason'],
    [{ phones: ['971509876543'], reason: 'r'.repeat(501) }, '/reason'],
    [{ phones: ['971509876543'], phone: 'typo' }, ''],
  ])('400 for %j', async (body, pointer) => {
    const t = await seedTenant();
    const p = await problemOf(await addDnc(t, body), 400);
    expect(p.errors!.map((e) => e.pointer)).toContain(pointer);
    expect(await countRows('dnc', t.tenantId)).toBe(0);
  });

  it('415 / 400 / 401 like every write route', async () => {
    const t = await seedTenant();
    await problemOf(await sendJson(t, 'POST', '/voice/v1/dnc', '{"phones":["971509876543"]}', { 'content-type': 'text/plain' }), 415);
    await problemOf(await addDnc(t, '{"phones": ['), 400);
    await problemOf(await addDnc(t, 'null'), 400);
    const res = await SELF.fetch(`${BASE}/voice/v1/dnc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"phones":["971509876543"]}' });
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    await problemOf(res, 401);
  });
});

describe('GET /voice/v1/dnc', () => {
  it('pages through the list by cursor, in number order, with the total', async () => {
    const t = await seedTenant();
    await addDnc(t, { phones: Array.from({ length: 7 }, (_, i) => uaeMobile(i)) });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await getAs(t, `/voice/v1/dnc?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: Array<{ phone: string }>; total: number; next_cursor: string | null; has_more: boolean };
      expect(page.total).toBe(7);
      expect(page.has_more).toBe(page.next_cursor !== null);
      seen.push(...page.items.map((i) => i.phone));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `+${uaeMobile(i)}`));
  });

  it('defaults to 50 per page; empty list is an empty page', async () => {
    const t = await seedTenant();
    expect(await (await getAs(t, '/voice/v1/dnc')).json()).toEqual({ items: [], total: 0, next_cursor: null, has_more: false });
  });

  it('400 for a bad limit or a cursor it did not issue', async () => {
    const t = await seedTenant();
    for (const q of ['limit=0', 'limit=201', 'limit=abc', 'limit=1.5', 'cursor=%%%', 'cursor=bm90LWpzb24', `cursor=${btoa('{"q":1}')}`, `cursor=${btoa('null')}`]) {
      const res = await getAs(t, `/voice/v1/dnc?${q}`);
      expect(res.status, q).toBe(400);
      await problemOf(res);
    }
  });

  it('shows each tenant only its own list', async () => {
    const a = await seedTenant();
    const b = await seedTenant();
    await addDnc(a, { phones: ['971509876543'] });
    expect(((await (await getAs(b, '/voice/v1/dnc')).json()) as { total: number }).total).toBe(0);
    // The same number on both lists is two entries, one per tenant.
    expect(await (await addDnc(b, { phones: ['971509876543'] })).json()).toEqual({ added: 1, duplicates_skipped: 0, invalid_phones: 0 });
  });
});
