// The campaign counters are what the rows say: total_contacts from the
// contacts, contacted from their attempts, connected and abandon_rate from
// the calls a dialer records — checked against a recount of the rows
// themselves, on the list (several campaigns per page) and on one campaign.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, seedDialerTenant, type DialerTenant } from '../../helpers/dialer.ts';
import { createCampaign, json, recordCall, uaeMobiles, upload, type Campaign } from './fixtures.ts';

interface Counters {
  total_contacts: number;
  contacted: number;
  connected: number;
  abandon_rate: number;
}

/** The counters recomputed from the rows by a query of the test's own. */
async function recount(campaignId: string): Promise<Counters> {
  const row = await env.DB.prepare(
    `SELECT
       (SELECT count(*) FROM contacts WHERE campaign_id = ?1) AS total_contacts,
       (SELECT count(*) FROM contacts WHERE campaign_id = ?1 AND attempts > 0) AS contacted,
       (SELECT count(DISTINCT contact_id) FROM calls WHERE campaign_id = ?1 AND answered_at IS NOT NULL AND status <> 'voicemail' AND abandoned_at IS NULL) AS connected,
       (SELECT count(*) FROM calls WHERE campaign_id = ?1 AND abandoned_at IS NOT NULL) AS abandoned,
       (SELECT count(*) FROM calls WHERE campaign_id = ?1 AND answered_at IS NOT NULL AND status <> 'voicemail') AS answered`,
  )
    .bind(campaignId)
    .first<Counters & { abandoned: number; answered: number }>();
  const { abandoned, answered, ...counts } = row!;
  return { ...counts, abandon_rate: answered === 0 ? 0 : Math.round((abandoned / answered) * 1000) / 10 };
}

async function contactsOf(t: DialerTenant, campaignId: string) {
  return (await json<{ items: Array<{ id: string; phone: string }> }>(await call(t.agent, 'GET', `/v1/campaigns/${campaignId}/contacts?limit=200`))).items;
}

const counters = (c: Record<string, unknown>): Counters => ({
  total_contacts: c.total_contacts as number,
  contacted: c.contacted as number,
  connected: c.connected as number,
  abandon_rate: c.abandon_rate as number,
});

describe('campaign counters', () => {
  it('follow the calls a dialer records, on the list and on the campaign', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    await upload(t.supervisor, c.id, uaeMobiles(10).map((phone) => ({ phone })));
    const [a, b, d, e, f, g, h] = await contactsOf(t, c.id);
    await recordCall(t, c.id, a!, { status: 'no_answer' });
    await recordCall(t, c.id, a!, { status: 'completed', answered: true, answeredBy: 'HUMAN' }); // a: two attempts, connected once
    await recordCall(t, c.id, b!, { status: 'completed', answered: true }); // connected
    await recordCall(t, c.id, b!, { status: 'completed', answered: true }); // connected again: still one contact
    await recordCall(t, c.id, d!, { status: 'completed', answered: true, abandoned: true }); // abandoned
    await recordCall(t, c.id, e!, { status: 'voicemail', answered: true, answeredBy: 'MACHINE' }); // a machine: neither
    await recordCall(t, c.id, f!, { status: 'busy' });
    await recordCall(t, c.id, g!, { status: 'in_progress', answered: true }); // live and connected now
    await recordCall(t, c.id, h!, { status: 'completed', answered: true, abandoned: true });
    await recordCall(t, c.id, h!, { status: 'completed', answered: true }); // abandoned once, reached on the retry

    const expected = { total_contacts: 10, contacted: 7, connected: 4, abandon_rate: 28.6 };
    expect(await recount(c.id)).toEqual(expected);
    expect(counters(await json(await call(t.agent, 'GET', `/v1/campaigns/${c.id}`)))).toEqual(expected);
    const listed = (await json<{ items: Campaign[] }>(await call(t.agent, 'GET', '/v1/campaigns'))).items.find((x) => x.id === c.id)!;
    expect(counters(listed)).toEqual(expected);
  });

  it('are computed per campaign on a page of many, and ignore calls of other campaigns and broadcasts', async () => {
    const t = await seedDialerTenant();
    const campaigns: Campaign[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await createCampaign(t, { name: `C${i}` });
      await upload(t.supervisor, c.id, uaeMobiles(4 + i, 1000 * i).map((phone) => ({ phone })));
      const contacts = await contactsOf(t, c.id);
      for (let k = 0; k < i; k++) await recordCall(t, c.id, contacts[k]!, { status: 'completed', answered: true, abandoned: k === 0 });
      campaigns.push(c);
    }
    // A broadcast leg in the same tenant: calls history, not any campaign's.
    await env.DB.prepare(
      "INSERT INTO calls (id, tenant_id, broadcast_id, contact_phone, from_number, status, started_at, answered_at) VALUES (?, ?, 'b1', '+971500000000', '+97145550001', 'completed', ?, ?)",
    )
      .bind(crypto.randomUUID(), t.tenantId, new Date().toISOString(), new Date().toISOString())
      .run();
    const page = (await json<{ items: Campaign[] }>(await call(t.agent, 'GET', '/v1/campaigns?limit=100'))).items;
    for (const c of campaigns) expect(counters(page.find((x) => x.id === c.id)!)).toEqual(await recount(c.id));
    expect(counters(page.find((x) => x.name === 'C3')!)).toEqual({ total_contacts: 7, contacted: 3, connected: 2, abandon_rate: 33.3 });
    expect(counters(page.find((x) => x.name === 'C0')!)).toEqual({ total_contacts: 4, contacted: 0, connected: 0, abandon_rate: 0 });
  });

  it('total_contacts counts every stored contact, DNC ones included, and no skipped or invalid one', async () => {
    const t = await seedDialerTenant();
    await env.DB.prepare("INSERT INTO dnc (id, tenant_id, phone, source, added_at) VALUES (?, ?, '+971500000001', 'api', ?)").bind(crypto.randomUUID(), t.tenantId, new Date().toISOString()).run();
    const c = await createCampaign(t);
    await upload(t.supervisor, c.id, [...uaeMobiles(3), '+971500000000', 'nope'].map((phone) => ({ phone })));
    await upload(t.supervisor, c.id, uaeMobiles(5).map((phone) => ({ phone })));
    const detail = await json<Record<string, unknown>>(await call(t.agent, 'GET', `/v1/campaigns/${c.id}`));
    expect(detail.total_contacts).toBe(5);
    expect(counters(detail)).toEqual(await recount(c.id));
  });
});
