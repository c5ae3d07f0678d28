// /v1/dnc: bulk add with the spec's counts, the 409 when nothing new was
// added, normalised de-duplication, immediate effect on every campaign's
// pending contacts, the list (added_by as a name, cursor pages stable under
// inserts), one list shared with /voice/v1/dnc, roles and tenant isolation.
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { allPages, call, dialerProblem, seedDialerTenant, type DialerTenant } from '../../helpers/dialer.ts';
import { BASE } from '../../helpers/tenant.ts';
import { sha256Hex } from '../../../../worker/src/db/hashing.ts';
import { contactStatuses, freshUaeMobile, seedCampaign, seedContacts } from './fixtures.ts';

interface DncItem {
  id: string;
  phone: string;
  source: string;
  reason: string | null;
  added_by: string | null;
  added_at: string;
}

const add = (t: DialerTenant, body: unknown) => call(t.supervisor, 'POST', '/v1/dnc', body);

describe('POST /v1/dnc', () => {
  it('adds numbers: 201 with the documented counts, listed with the adder’s full name', async () => {
    const t = await seedDialerTenant();
    const res = await add(t, { phones: ['+971509876543', '+97144123456'], reason: 'Customer opt-out via email' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ added: 2, duplicates_skipped: 0, invalid_phones: 0 });
    const page = (await (await call(t.supervisor, 'GET', '/v1/dnc')).json()) as { items: DncItem[]; total: number; has_more: boolean; next_cursor: string | null };
    expect(page).toMatchObject({ total: 2, has_more: false, next_cursor: null });
    expect(page.items[0]).toEqual({ id: expect.any(String), phone: '+97144123456', source: 'api', reason: 'Customer opt-out via email', added_by: 'Samir Supervisor', added_at: expect.stringMatching(/^\d{4}-/) });
  });

  it('normalises and de-duplicates: with and without + are one number; repeats and listed numbers are duplicates', async () => {
    const t = await seedDialerTenant();
    const [a, b] = [freshUaeMobile(), freshUaeMobile()];
    expect(await (await add(t, { phones: [a, a.slice(1), 'junk', b] })).json()).toEqual({ added: 2, duplicates_skipped: 1, invalid_phones: 1 });
    expect(await (await add(t, { phones: [a, freshUaeMobile()] })).json()).toEqual({ added: 1, duplicates_skipped: 1, invalid_phones: 0 });
  });

  it('409 when every valid number was already listed, with the counts; 400 when none is valid', async () => {
    const t = await seedDialerTenant();
    const a = freshUaeMobile();
    await add(t, { phones: [a] });
    const p = await dialerProblem(await add(t, { phones: [a, a.slice(1), '+99912345678'] }), 409);
    expect(p).toMatchObject({ type: 'https://engage.broadnet.me/errors/dnc-duplicate', title: 'Duplicate phone number in DNC', added: 0, duplicates_skipped: 2, invalid_phones: 1 });
    const bad = await dialerProblem(await add(t, { phones: ['junk', '12'] }), 400);
    expect(bad.errors!.map((e) => e.pointer)).toEqual(['/phones/0', '/phones/1']);
    expect(((await (await call(t.supervisor, 'GET', '/v1/dnc')).json()) as { total: number }).total).toBe(1);
  });

  it('takes 5,000 numbers in one request and refuses 5,001', async () => {
    const t = await seedDialerTenant();
    const phones = Array.from({ length: 5000 }, (_, i) => `+97150${String(i).padStart(7, '0')}`);
    expect(await (await add(t, { phones, reason: 'bulk' })).json()).toEqual({ added: 5000, duplicates_skipped: 0, invalid_phones: 0 });
    const p = await dialerProblem(await add(t, { phones: [...phones, '+971509999999'] }), 400);
    expect(p.field).toBe('/phones');
  });

  it.each([
    [{}, '/phones'],
    [{ phones: [] }, '/phones'],
    [{ phones: [5] }, '/phones/0'],
    [{ phones: ['+971509876543'], reason: 'r'.repeat(501) }, '/reason'],
    [{ phones: ['+971509876543'], source: 'x' }, ''],
  ])('400 for %j', async (body, pointer) => {
    const t = await seedDialerTenant();
    expect((await dialerProblem(await add(t, body), 400)).errors!.map((e) => e.pointer)).toContain(pointer);
  });

  it('takes effect at once: pending contacts with the number become dnc in every campaign of the tenant, and only those', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const [listed, kept] = [freshUaeMobile(), freshUaeMobile()];
    const c1 = await seedCampaign(t);
    const c2 = await seedCampaign(t);
    const theirs = await seedCampaign(other);
    await seedContacts(t, c1, [
      { phone: listed, status: 'pending' },
      { phone: kept, status: 'pending' },
    ]);
    await seedContacts(t, c2, [{ phone: listed, status: 'completed' }]);
    const c3 = await seedCampaign(t);
    await seedContacts(t, c3, [{ phone: listed, status: 'pending' }]);
    await seedContacts(other, theirs, [{ phone: listed, status: 'pending' }]);

    expect((await add(t, { phones: [listed.slice(1)] })).status).toBe(201);
    expect(await contactStatuses(c1)).toEqual({ [listed]: 'dnc', [kept]: 'pending' });
    expect(await contactStatuses(c2)).toEqual({ [listed]: 'completed' });
    expect(await contactStatuses(c3)).toEqual({ [listed]: 'dnc' });
    expect(await contactStatuses(theirs)).toEqual({ [listed]: 'pending' });
  });

  it('agents may not add; 401 without a token; 422 for tenant_id', async () => {
    const t = await seedDialerTenant();
    await dialerProblem(await call(t.agent, 'POST', '/v1/dnc', { phones: [freshUaeMobile()] }), 403);
    await dialerProblem(await call(null, 'POST', '/v1/dnc', { phones: [freshUaeMobile()] }), 401);
    await dialerProblem(await add(t, { phones: [freshUaeMobile()], tenant_id: t.tenantId }), 422);
    expect((await call(t.admin, 'POST', '/v1/dnc', { phones: [freshUaeMobile()] })).status).toBe(201);
  });
});

describe('GET /v1/dnc', () => {
  it('pages in number order without repeats or gaps while numbers are added between pages', async () => {
    const t = await seedDialerTenant();
    const original = Array.from({ length: 30 }, (_, i) => `+9715012${String(10_000 + i * 10)}`);
    await add(t, { phones: original });
    const seen: string[] = [];
    let cursor: string | null = null;
    let round = 0;
    do {
      const res = await call(t.supervisor, 'GET', `/v1/dnc?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      const page = (await res.json()) as { items: DncItem[]; total: number; next_cursor: string | null; has_more: boolean };
      expect(page.has_more).toBe(page.next_cursor !== null);
      seen.push(...page.items.map((i) => i.phone));
      cursor = page.next_cursor;
      // One number sorting before everything seen, one among the originals still to come.
      round++;
      await add(t, { phones: [`+9715011${String(10_000 + round)}`, `+9715012${String(10_005 + round * 100)}`] });
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
    for (const phone of original) expect(seen).toContain(phone);
    expect(seen.some((p) => p.startsWith('+9715011'))).toBe(false);
    // Inserted after page 1 (which ended at …10060), ahead of the cursor: page 2 has it.
    expect(seen).toContain('+971501210105');
  });

  it('finds one number with ?phone, in any written form', async () => {
    const t = await seedDialerTenant();
    const a = freshUaeMobile();
    await add(t, { phones: [a, freshUaeMobile()] });
    const page = (await (await call(t.supervisor, 'GET', `/v1/dnc?phone=${a.slice(1)}`)).json()) as { items: DncItem[]; total: number };
    expect(page.total).toBe(1);
    expect(page.items[0]!.phone).toBe(a);
    await dialerProblem(await call(t.supervisor, 'GET', '/v1/dnc?phone=nope'), 400);
  });

  it('is one list with /voice/v1/dnc: numbers an app added show the app’s name', async () => {
    const t = await seedDialerTenant();
    const appKey = `key-${crypto.randomUUID()}`;
    const appId = `app-${crypto.randomUUID().slice(0, 8)}`;
    await env.DB.prepare('INSERT INTO apps (id, tenant_id, name, key_hash, webhook_secret, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .bind(appId, t.tenantId, 'CRM connector', await sha256Hex(appKey), 'whsec', new Date().toISOString())
      .run();
    const phone = freshUaeMobile();
    const res = await SELF.fetch(`${BASE}/voice/v1/dnc`, { method: 'POST', headers: { authorization: `Basic ${btoa(`${appId}:${appKey}`)}`, 'content-type': 'application/json' }, body: JSON.stringify({ phones: [phone] }) });
    expect(res.status).toBe(201);
    const items = await allPages<DncItem>(t.supervisor, '/v1/dnc', 50);
    expect(items).toEqual([expect.objectContaining({ phone, added_by: 'CRM connector', source: 'api' })]);
    await dialerProblem(await add(t, { phones: [phone] }), 409);
  });

  it('supervisors and admins only; each tenant sees its own list', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const phone = freshUaeMobile();
    await add(t, { phones: [phone] });
    await dialerProblem(await call(t.agent, 'GET', '/v1/dnc'), 403);
    await dialerProblem(await call(null, 'GET', '/v1/dnc'), 401);
    expect(((await (await call(other.admin, 'GET', '/v1/dnc')).json()) as { total: number }).total).toBe(0);
    expect((await add(other, { phones: [phone] })).status).toBe(201);
    for (const q of ['limit=0', 'limit=201', 'cursor=%%%']) await dialerProblem(await call(t.supervisor, 'GET', `/v1/dnc?${q}`), 400);
  });
});
