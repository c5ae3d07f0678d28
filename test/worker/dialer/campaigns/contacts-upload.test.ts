// POST /v1/campaigns/{id}/contacts: numbers read in the campaign's region or
// default_region and stored in E.164, duplicates skipped, DNC (tenant and
// national) stored as dnc, invalid numbers counted and listed, 10,000 at
// most, the counts partitioning what was sent, all stored in one transaction.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { allPages, call, dialerProblem, seedDialerTenant } from '../../helpers/dialer.ts';
import { createCampaign, json, uaeMobiles, upload, type UploadResult } from './fixtures.ts';

interface Contact {
  id: string;
  phone: string;
  first_name: string | null;
  last_name: string | null;
  status: string;
  custom_fields: Record<string, unknown>;
}

const sent = (r: UploadResult) => r.imported + r.duplicates_skipped + r.dnc_filtered + r.invalid_phones;
const contactsOf = (who: Parameters<typeof allPages>[0], campaignId: string) => allPages<Contact>(who, `/v1/campaigns/${campaignId}/contacts`, 200);
const rowsIn = async (table: 'contacts' | 'contacts_fts', campaignId: string) =>
  (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE campaign_id = ?`).bind(campaignId).first<{ n: number }>())!.n;

describe('upload: the documented request and response', () => {
  it('answers 201 with exactly the documented counts (+ invalid) and stores the contacts', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    const res = await call(t.supervisor, 'POST', `/v1/campaigns/${c.id}/contacts`, {
      contacts: [
        { phone: '+971501234567', first_name: 'Ahmad', last_name: 'Al Rashid', custom_fields: { account_number: 'ACC-00421', policy_type: 'comprehensive', renewal_date: '2026-07-15' } },
        { phone: '+97144561234', first_name: 'Sara', last_name: 'Hassan' },
      ],
    });
    expect(await json(res, 201)).toEqual({ imported: 2, duplicates_skipped: 0, dnc_filtered: 0, invalid_phones: 0, total_in_campaign: 2, invalid: [] });
    const listed = await contactsOf(t.agent, c.id);
    expect(listed).toEqual([
      {
        id: expect.any(String),
        phone: '+971501234567',
        first_name: 'Ahmad',
        last_name: 'Al Rashid',
        status: 'pending',
        attempts: 0,
        last_call_at: null,
        disposition: null,
        custom_fields: { account_number: 'ACC-00421', policy_type: 'comprehensive', renewal_date: '2026-07-15' },
      },
      { id: expect.any(String), phone: '+97144561234', first_name: 'Sara', last_name: 'Hassan', status: 'pending', attempts: 0, last_call_at: null, disposition: null, custom_fields: {} },
    ]);
    expect(await json(await call(t.agent, 'GET', `/v1/campaigns/${c.id}`))).toMatchObject({ total_contacts: 2 });
    const again = await upload(t.admin, c.id, [{ phone: '+971501234599' }]);
    expect(again).toMatchObject({ imported: 1, total_in_campaign: 3 });
  });
});

describe('upload: phone numbers', () => {
  it("reads local formats in the country of the campaign's time zone (Asia/Dubai → AE)", async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    const r = await upload(t.supervisor, c.id, [
      { phone: '050 1234567' },
      { phone: '(04) 456-1234' },
      { phone: '00971 50 765 4321' },
      { phone: '971521112233' },
      { phone: '٠٥٥١٢٣٤٥٦٧' },
      { phone: ' +971-56-999-8888 ' },
      { phone: '+44 20 7946 0958' },
    ]);
    expect(r).toMatchObject({ imported: 7, invalid_phones: 0 });
    expect((await contactsOf(t.agent, c.id)).map((x) => x.phone)).toEqual(['+971501234567', '+97144561234', '+971507654321', '+971521112233', '+971551234567', '+971569998888', '+442079460958']);
  });

  it('uses default_region when given, else the time zone’s country; a zone of no country reads only international numbers', async () => {
    const t = await seedDialerTenant();
    const dubai = await createCampaign(t);
    expect(await upload(t.supervisor, dubai.id, [{ phone: '055 123 4567' }], { default_region: 'sa' })).toMatchObject({ imported: 1 });
    expect((await contactsOf(t.agent, dubai.id))[0]!.phone).toBe('+966551234567');

    const cairo = await createCampaign(t, { timezone: 'Africa/Cairo' });
    await upload(t.supervisor, cairo.id, [{ phone: '010 0123 4567' }]);
    expect((await contactsOf(t.agent, cairo.id))[0]!.phone).toBe('+201001234567');

    const utc = await createCampaign(t, { timezone: 'UTC' });
    const r = await upload(t.supervisor, utc.id, [{ phone: '050 1234567' }, { phone: '+971501234567' }, { phone: '00962791234567' }, { phone: '966551234567' }]);
    expect(r).toMatchObject({ imported: 3, invalid_phones: 1, invalid: [{ index: 0, phone: '050 1234567', reason: expect.stringContaining('default_region') }] });
    expect((await contactsOf(t.agent, utc.id)).map((x) => x.phone)).toEqual(['+971501234567', '+962791234567', '+966551234567']);

    const p = await dialerProblem(await call(t.supervisor, 'POST', `/v1/campaigns/${utc.id}/contacts`, { contacts: [{ phone: '1' }], default_region: 'XX' }), 400);
    expect(p.field).toBe('/default_region');
  });

  it('counts invalid numbers without storing them and lists the first 100 with index, phone and reason', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    const r = await upload(t.supervisor, c.id, [
      { phone: '+971501234567' },
      { phone: '' },
      { phone: '12' },
      { phone: 'call me' },
      { phone: '+99912345678' },
      { phone: '050 1234567 ext 12' },
      { phone: '050 123' },
    ]);
    expect(r).toMatchObject({ imported: 1, invalid_phones: 6, total_in_campaign: 1 });
    expect(r.invalid).toEqual([
      { index: 1, phone: '', reason: 'is empty' },
      { index: 2, phone: '12', reason: 'is not a valid AE number' },
      { index: 3, phone: 'call me', reason: 'is not a phone number' },
      { index: 4, phone: '+99912345678', reason: 'is not a phone number' },
      { index: 5, phone: '050 1234567 ext 12', reason: 'has an extension, which cannot be dialled' },
      { index: 6, phone: '050 123', reason: 'is not a valid AE number' },
    ]);
    const many = await upload(t.supervisor, c.id, Array.from({ length: 150 }, (_, i) => ({ phone: `bad-${i}` })));
    expect(many).toMatchObject({ imported: 0, invalid_phones: 150, total_in_campaign: 1 });
    expect(many.invalid).toHaveLength(100);
    expect(many.invalid.at(-1)).toMatchObject({ index: 99, phone: 'bad-99' });
  });
});

describe('upload: duplicates and DNC', () => {
  it('skips a number repeated in the request (in any format) or already in the campaign, not one in another campaign', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    const first = await upload(t.supervisor, c.id, [{ phone: '+971501234567', first_name: 'First' }, { phone: '050 123 4567', first_name: 'Second' }, { phone: '00971501234567' }, { phone: '+971501234568' }]);
    expect(first).toMatchObject({ imported: 2, duplicates_skipped: 2, total_in_campaign: 2 });
    expect((await contactsOf(t.agent, c.id))[0]!.first_name).toBe('First');
    const second = await upload(t.supervisor, c.id, [{ phone: '0501234568' }, { phone: '+971501234569' }]);
    expect(second).toMatchObject({ imported: 1, duplicates_skipped: 1, total_in_campaign: 3 });
    const other = await createCampaign(t);
    expect(await upload(t.supervisor, other.id, [{ phone: '+971501234567' }])).toMatchObject({ imported: 1, duplicates_skipped: 0 });
  });

  it('stores numbers on the tenant DNC list or a national registry with status dnc; another tenant’s list does not apply', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const now = new Date().toISOString();
    await env.DB.batch([
      env.DB.prepare("INSERT INTO dnc (id, tenant_id, phone, source, added_at) VALUES (?, ?, '+971501110001', 'api', ?)").bind(crypto.randomUUID(), t.tenantId, now),
      env.DB.prepare("INSERT INTO dnc (id, tenant_id, phone, source, added_at) VALUES (?, ?, '+971501110003', 'api', ?)").bind(crypto.randomUUID(), other.tenantId, now),
      env.DB.prepare("INSERT INTO national_dnc (registry, phone, imported_at) VALUES ('TDRA', '+971501110002', ?) ON CONFLICT DO NOTHING").bind(now),
    ]);
    const c = await createCampaign(t);
    const r = await upload(t.supervisor, c.id, [{ phone: '050 111 0001' }, { phone: '+971501110002' }, { phone: '+971501110003' }, { phone: '+971501110001' }]);
    expect(r).toEqual({ imported: 1, duplicates_skipped: 1, dnc_filtered: 2, invalid_phones: 0, total_in_campaign: 3, invalid: [] });
    expect(Object.fromEntries((await contactsOf(t.agent, c.id)).map((x) => [x.phone, x.status]))).toEqual({ '+971501110001': 'dnc', '+971501110002': 'dnc', '+971501110003': 'pending' });
    const dncOnly = await json<{ items: Contact[]; total: number }>(await call(t.agent, 'GET', `/v1/campaigns/${c.id}/contacts?status=dnc`));
    expect(dncOnly.total).toBe(2);
  });

  it('counts right when two uploads of overlapping lists race', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    const phones = uaeMobiles(300).map((phone) => ({ phone }));
    const [a, b] = await Promise.all([upload(t.supervisor, c.id, phones.slice(0, 200)), upload(t.admin, c.id, phones.slice(100))]);
    expect(a.imported + b.imported).toBe(300);
    expect(a.duplicates_skipped + b.duplicates_skipped).toBe(100);
    expect(Math.max(a.total_in_campaign, b.total_in_campaign)).toBe(300);
    expect(await rowsIn('contacts', c.id)).toBe(300);
    expect(await rowsIn('contacts_fts', c.id)).toBe(300);
  });
});

describe('upload: size', () => {
  it('takes 10,000 contacts in one request: all stored, searchable, counted', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    const contacts = uaeMobiles(10_000).map((phone, i) => ({ phone, first_name: `Name${i}`, custom_fields: { account: `ACC-${i}` } }));
    const r = await upload(t.supervisor, c.id, contacts);
    expect(r).toEqual({ imported: 10_000, duplicates_skipped: 0, dnc_filtered: 0, invalid_phones: 0, total_in_campaign: 10_000, invalid: [] });
    expect(await rowsIn('contacts', c.id)).toBe(10_000);
    expect(await rowsIn('contacts_fts', c.id)).toBe(10_000);
    const page = await json<{ items: Contact[]; total: number }>(await call(t.agent, 'GET', `/v1/campaigns/${c.id}/contacts?limit=200`));
    expect(page.total).toBe(10_000);
    expect(page.items.map((x) => x.first_name)).toEqual(Array.from({ length: 200 }, (_, i) => `Name${i}`));
    expect(await json(await call(t.agent, 'POST', '/v1/contacts/search', { q: 'ACC-9999' }))).toMatchObject({ total: 1, items: [{ first_name: 'Name9999' }] });
  });

  it('400s 10,001 contacts on /contacts without examining them, and stores nothing', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    const contacts = uaeMobiles(10_001).map((phone) => ({ phone }));
    const p = await dialerProblem(await call(t.supervisor, 'POST', `/v1/campaigns/${c.id}/contacts`, { contacts }), 400);
    expect(p.errors).toEqual([{ pointer: '/contacts', reason: 'must list at most 10000 contacts (got 10001)' }]);
    const junk = await dialerProblem(await call(t.supervisor, 'POST', `/v1/campaigns/${c.id}/contacts`, { contacts: Array.from({ length: 20_000 }, () => 7) }), 400);
    expect(junk.errors).toHaveLength(1);
    expect(await rowsIn('contacts', c.id)).toBe(0);
  });

  it('stores nothing when any statement of the upload fails (one transaction)', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    // Make the last statement of the batch (the total_contacts recount) fail for this campaign only.
    await env.DB.prepare(`CREATE TRIGGER fail_recount_${c.id.replace(/-/g, '')} BEFORE UPDATE OF total_contacts ON campaigns WHEN new.id = '${c.id}' BEGIN SELECT RAISE(ABORT, 'injected'); END`).run();
    try {
      const res = await call(t.supervisor, 'POST', `/v1/campaigns/${c.id}/contacts`, { contacts: uaeMobiles(1_200).map((phone) => ({ phone, first_name: 'x' })) });
      expect(res.status).toBe(500);
    } finally {
      await env.DB.prepare(`DROP TRIGGER fail_recount_${c.id.replace(/-/g, '')}`).run();
    }
    expect(await rowsIn('contacts', c.id)).toBe(0);
    expect(await rowsIn('contacts_fts', c.id)).toBe(0);
    expect(await json(await call(t.agent, 'GET', `/v1/campaigns/${c.id}`))).toMatchObject({ total_contacts: 0 });
  });
});

describe('upload: refusals', () => {
  it('400s malformed contacts by pointer (at most 100 listed), 422 a tenant_id, 415 non-JSON', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    const path = `/v1/campaigns/${c.id}/contacts`;
    const p = await dialerProblem(
      await call(t.supervisor, 'POST', path, {
        contacts: [{ phone: '+971501234567' }, {}, { phone: 971501234567 }, { phone: '+971501234567', email: 'x@y.z' }, { phone: '+971501234567', custom_fields: { nested: { a: 1 } } }, '+971501234567'],
      }),
      400,
    );
    expect(p.errors).toEqual([
      { pointer: '/contacts/1/phone', reason: 'is required' },
      { pointer: '/contacts/2/phone', reason: 'must be a string' },
      { pointer: '/contacts/3', reason: expect.stringContaining('email') },
      { pointer: '/contacts/4/custom_fields/nested', reason: 'must be a string, number, boolean or null' },
      { pointer: '/contacts/5', reason: 'must be a contact object' },
    ]);
    const many = await dialerProblem(await call(t.supervisor, 'POST', path, { contacts: Array.from({ length: 500 }, () => ({})) }), 400);
    expect(many.errors).toHaveLength(100);
    expect(many.detail).toMatch(/^500 fields failed validation; the first 100 are listed/);
    await dialerProblem(await call(t.supervisor, 'POST', path, { contacts: [] }), 400);
    await dialerProblem(await call(t.supervisor, 'POST', path, {}), 400);
    const tooMany = { contacts: [{ phone: '+971501234567', custom_fields: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) }] };
    expect((await dialerProblem(await call(t.supervisor, 'POST', path, tooMany), 400)).field).toBe('/contacts/0/custom_fields');
    expect((await dialerProblem(await call(t.supervisor, 'POST', path, { contacts: [{ phone: '+971501234567', tenant_id: 'x' }] }), 422)).field).toBe('/contacts/0/tenant_id');
    await dialerProblem(await call(t.supervisor, 'POST', path, 'phone\n+971501234567', { 'content-type': 'text/csv' }), 415);
    expect(await rowsIn('contacts', c.id)).toBe(0);
  });

  it('is for supervisors and admins; 409 for a completed campaign; 404 for an unknown one', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    const body = { contacts: [{ phone: '+971501234567' }] };
    await dialerProblem(await call(t.agent, 'POST', `/v1/campaigns/${c.id}/contacts`, body), 403);
    await dialerProblem(await call(null, 'POST', `/v1/campaigns/${c.id}/contacts`, body), 401);
    await dialerProblem(await call(t.supervisor, 'POST', '/v1/campaigns/nope/contacts', body), 404);
    await env.DB.prepare("UPDATE campaigns SET status = 'completed' WHERE id = ?").bind(c.id).run();
    expect((await dialerProblem(await call(t.supervisor, 'POST', `/v1/campaigns/${c.id}/contacts`, body), 409)).type).toBe('https://engage.broadnet.me/errors/campaign-completed');
  });

  it('every answer partitions what was sent: imported + duplicates + dnc + invalid = contacts sent', async () => {
    const t = await seedDialerTenant();
    await env.DB.prepare("INSERT INTO dnc (id, tenant_id, phone, source, added_at) VALUES (?, ?, '+971500000003', 'api', ?)").bind(crypto.randomUUID(), t.tenantId, new Date().toISOString()).run();
    const c = await createCampaign(t);
    const phones = [...uaeMobiles(10), ...uaeMobiles(5), 'nope', '', '0500000001'];
    const r = await upload(t.supervisor, c.id, phones.map((phone) => ({ phone })));
    expect(sent(r)).toBe(phones.length);
    expect(r).toMatchObject({ imported: 9, duplicates_skipped: 6, dnc_filtered: 1, invalid_phones: 2, total_in_campaign: 10 });
  });
});
