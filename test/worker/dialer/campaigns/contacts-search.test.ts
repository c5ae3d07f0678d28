// POST /v1/contacts/search: names (Latin and Arabic, however written),
// numbers in the forms people type, custom field values; prefix on the last
// word; ranked; scoped to the tenant and optionally one campaign; and text
// that is FTS5 syntax treated as plain words.
import { describe, expect, it } from 'vitest';
import { call, dialerProblem, seedDialerTenant, type DialerTenant } from '../../helpers/dialer.ts';
import { createCampaign, json, upload, type Campaign } from './fixtures.ts';

interface Hit {
  id: string;
  phone: string;
  first_name: string | null;
  last_name: string | null;
  campaign_id: string;
  campaign_name: string;
  status: string;
}

async function seeded(): Promise<{ t: DialerTenant; renewals: Campaign; collections: Campaign }> {
  const t = await seedDialerTenant();
  const renewals = await createCampaign(t, { name: 'Q3 Insurance Renewal' });
  const collections = await createCampaign(t, { name: 'Collections' });
  await upload(t.supervisor, renewals.id, [
    { phone: '+971501234567', first_name: 'Ahmad', last_name: 'Al Rashid', custom_fields: { account_number: 'ACC-00421', policy_type: 'comprehensive' } },
    { phone: '+97144561234', first_name: 'Sara', last_name: 'Hassan', custom_fields: { note: 'asked about Ahmad' } },
    { phone: '+966551234567', first_name: 'أَحْمَد', last_name: 'الراشد' },
    { phone: '+201001234567', first_name: 'Fatima', last_name: 'Zahra', custom_fields: { city: 'القاهرة' } },
    { phone: '+962791234567', first_name: 'José', last_name: 'Núñez' },
  ]);
  await upload(t.supervisor, collections.id, [{ phone: '+971501234567', first_name: 'Ahmad', last_name: 'Khalil' }]);
  return { t, renewals, collections };
}

const search = async (t: DialerTenant, body: Record<string, unknown>) => json<{ items: Hit[]; total: number }>(await call(t.agent, 'POST', '/v1/contacts/search', body));
const names = (r: { items: Hit[] }) => r.items.map((h) => `${h.first_name} ${h.last_name}`);

describe('POST /v1/contacts/search', () => {
  it('finds by name with the documented item fields, campaign name included, ranked and totalled', async () => {
    const { t, renewals } = await seeded();
    const r = await search(t, { q: 'Ahmad', limit: 20 });
    expect(r.total).toBe(3);
    // Name hits outrank the custom-field mention ("asked about Ahmad").
    expect(names(r).slice(0, 2).sort()).toEqual(['Ahmad Al Rashid', 'Ahmad Khalil']);
    expect(names(r)[2]).toBe('Sara Hassan');
    expect(r.items.find((h) => h.last_name === 'Al Rashid')).toEqual({
      id: expect.any(String),
      phone: '+971501234567',
      first_name: 'Ahmad',
      last_name: 'Al Rashid',
      campaign_id: renewals.id,
      campaign_name: 'Q3 Insurance Renewal',
      status: 'pending',
    });
    expect(Object.keys(r.items[0]!).sort()).toEqual(['campaign_id', 'campaign_name', 'first_name', 'id', 'last_name', 'phone', 'status']);
  });

  it('narrows to one campaign, caps at limit while total counts every match', async () => {
    const { t, collections } = await seeded();
    expect(names(await search(t, { q: 'ahmad', campaign_id: collections.id }))).toEqual(['Ahmad Khalil']);
    const one = await search(t, { q: 'ahmad', limit: 1 });
    expect(one.items).toHaveLength(1);
    expect(one.total).toBe(3);
  });

  it('matches the last word as a prefix and every word (AND), case- and accent-blind', async () => {
    const { t } = await seeded();
    expect(names(await search(t, { q: 'ahm' })).length).toBe(3);
    expect(names(await search(t, { q: 'ahmad al ra' }))).toEqual(['Ahmad Al Rashid']);
    expect(names(await search(t, { q: 'ahmad kha' }))).toEqual(['Ahmad Khalil']);
    expect(names(await search(t, { q: 'JOSE nunez' }))).toEqual(['José Núñez']);
    expect((await search(t, { q: 'ahmad zzz' })).total).toBe(0);
  });

  it('finds Arabic names with or without short vowels and whatever alef they are written with', async () => {
    const { t } = await seeded();
    for (const q of ['أحمد', 'احمد', 'أَحْمَد', 'احم', 'الراشد', 'أحمد الراش']) expect(names(await search(t, { q })), q).toEqual(['أَحْمَد الراشد']);
    expect(names(await search(t, { q: 'القاهره' }))).toEqual(['Fatima Zahra']);
  });

  it('finds a number by E.164, digits, national form with 0, spaced, 00-prefixed, Arabic-Indic digits, or a leading part', async () => {
    const { t } = await seeded();
    for (const q of ['+971501234567', '971501234567', '0501234567', '050 123 4567', '(050) 123-4567', '00971501234567', '٠٥٠١٢٣٤٥٦٧', '+971 50 12', '050123', '501234567']) {
      const r = await search(t, { q });
      expect(r.items.map((h) => h.phone), q).toEqual(['+971501234567', '+971501234567']);
    }
    expect(names(await search(t, { q: '04 456 1234' }))).toEqual(['Sara Hassan']);
    expect(names(await search(t, { q: '0551234567' }))).toEqual(['أَحْمَد الراشد']);
  });

  it('finds custom field values', async () => {
    const { t } = await seeded();
    expect(names(await search(t, { q: 'ACC-00421' }))).toEqual(['Ahmad Al Rashid']);
    expect(names(await search(t, { q: '00421' }))).toEqual(['Ahmad Al Rashid']);
    expect(names(await search(t, { q: 'comprehen' }))).toEqual(['Ahmad Al Rashid']);
  });

  it('treats FTS5 syntax in the query as words: no error, no operator', async () => {
    const { t } = await seeded();
    for (const q of ['"', 'ahmad OR sara', 'ahmad AND', 'NOT ahmad', 'NEAR(ahmad sara)', 'name:sara', '{name}: ahmad', 'ahmad*', '* ahmad', '^ahmad', "sara' --", 'a"b', '(((', 'ahmad -sara']) {
      const res = await call(t.agent, 'POST', '/v1/contacts/search', { q });
      expect(res.status, q).not.toBe(500);
    }
    expect((await search(t, { q: 'ahmad OR sara' })).total).toBe(0);
    expect(names(await search(t, { q: 'name:sara' }))).toEqual([]);
    expect(names(await search(t, { q: 'sara: hassan' }))).toEqual(['Sara Hassan']);
    expect((await search(t, { q: 'ahmad*' })).total).toBe(3);
  });

  it('never returns another tenant’s contacts', async () => {
    const { t } = await seeded();
    const other = await seedDialerTenant();
    expect((await search(other, { q: 'ahmad' })).total).toBe(0);
    expect((await search(other, { q: '0501234567' })).total).toBe(0);
    const theirs = await createCampaign(other);
    await upload(other.supervisor, theirs.id, [{ phone: '+971509999999', first_name: 'Ahmad', last_name: 'Other' }]);
    expect(names(await search(t, { q: 'ahmad' }))).not.toContain('Ahmad Other');
  });

  it('400s an empty or wordless q, a bad limit, unknown fields; 404 an unknown campaign; 401 without a token', async () => {
    const { t } = await seeded();
    for (const body of [{}, { q: '' }, { q: '   ' }, { q: '!!!' }, { q: 'x', limit: 0 }, { q: 'x', limit: 101 }, { q: 'x', page: 2 }, { q: 'x'.repeat(201) }]) {
      await dialerProblem(await call(t.agent, 'POST', '/v1/contacts/search', body), 400);
    }
    expect((await dialerProblem(await call(t.agent, 'POST', '/v1/contacts/search', { q: '!!!' }), 400)).field).toBe('/q');
    await dialerProblem(await call(t.agent, 'POST', '/v1/contacts/search', { q: 'x', campaign_id: 'nope' }), 404);
    await dialerProblem(await call(null, 'POST', '/v1/contacts/search', { q: 'x' }), 401);
    expect((await search(t, { q: 'x' })).items).toEqual([]);
  });
});
