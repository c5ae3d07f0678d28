// Campaigns: create with the documented defaults and body, list with filters
// and pagination, one campaign, start and pause with their refusals and
// roles, and other tenants' campaigns as 404s. (The events start and pause
// raise are checked in campaign-events.test.ts.)
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { allPages, call, dialerProblem, seedDialerTenant } from '../../helpers/dialer.ts';
import { BASE } from '../../helpers/tenant.ts';
import { createCampaign, createCliGroup, json, readyAgent, uaeMobiles, upload, type Campaign } from './fixtures.ts';

const ITEM_FIELDS = ['abandon_rate', 'cli_group_id', 'connected', 'contacted', 'created_at', 'dialing_mode', 'id', 'name', 'started_at', 'status', 'total_contacts'];

describe('POST /v1/campaigns', () => {
  it('creates a draft with exactly the documented fields and defaults', async () => {
    const t = await seedDialerTenant();
    const group = await createCliGroup(t);
    const created = await json<Record<string, unknown>>(await call(t.supervisor, 'POST', '/v1/campaigns', { name: 'Q3 Insurance Renewal', dialing_mode: 'progressive', cli_group_id: group }), 201);
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      name: 'Q3 Insurance Renewal',
      status: 'draft',
      dialing_mode: 'progressive',
      cli_group_id: group,
      max_attempts: 3,
      retry_delay_minutes: 60,
      dial_ratio: 1.5,
      timezone: 'Asia/Dubai',
      total_contacts: 0,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
  });

  it('takes every documented field', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t, { dialing_mode: 'power', max_attempts: 4, retry_delay_minutes: 90, dial_ratio: 2.0, timezone: 'Africa/Cairo' }, t.admin);
    expect(c).toMatchObject({ dialing_mode: 'power', max_attempts: 4, retry_delay_minutes: 90, dial_ratio: 2, timezone: 'Africa/Cairo', status: 'draft' });
  });

  it('400s invalid fields by pointer, an unknown time zone, and a CLI group that is not the tenant’s', async () => {
    const t = await seedDialerTenant();
    const p = await dialerProblem(
      await call(t.supervisor, 'POST', '/v1/campaigns', { name: '', dialing_mode: 'robot', max_attempts: 0, retry_delay_minutes: 1.5, dial_ratio: 0.5, timezone: 'Mars/Olympus' }),
      400,
    );
    expect(p.errors!.map((e) => e.pointer).sort()).toEqual(['/cli_group_id', '/dial_ratio', '/dialing_mode', '/max_attempts', '/name', '/retry_delay_minutes', '/timezone']);
    const theirs = await createCliGroup(await seedDialerTenant());
    for (const cli_group_id of [theirs, '01919a1b-0001-7e4f-8a5b-aaaaaaaaaaaa']) {
      const missing = await dialerProblem(await call(t.supervisor, 'POST', '/v1/campaigns', { name: 'x', dialing_mode: 'preview', cli_group_id }), 400);
      expect(missing).toMatchObject({ type: 'https://engage.broadnet.me/errors/validation-failed', field: '/cli_group_id' });
    }
    await dialerProblem(await call(t.supervisor, 'POST', '/v1/campaigns', { name: 'x', dialing_mode: 'preview', cli_group_id: theirs, tenant_id: t.tenantId }), 422);
    expect(await allPages(t.admin, '/v1/campaigns', 100)).toEqual([]);
  });

  it('is for supervisors and admins: agents get 403, no token 401', async () => {
    const t = await seedDialerTenant();
    const group = await createCliGroup(t);
    await dialerProblem(await call(t.agent, 'POST', '/v1/campaigns', { name: 'x', dialing_mode: 'preview', cli_group_id: group }), 403);
    await dialerProblem(await call(null, 'POST', '/v1/campaigns', { name: 'x', dialing_mode: 'preview', cli_group_id: group }), 401);
  });
});

describe('GET /v1/campaigns and /v1/campaigns/{id}', () => {
  it('lists newest first with exactly the documented item fields; started_at null until started', async () => {
    const t = await seedDialerTenant();
    const a = await createCampaign(t, { name: 'A' });
    const b = await createCampaign(t, { name: 'B', dialing_mode: 'preview' });
    const page = await json<{ items: Array<Record<string, unknown>>; total: number; next_cursor: null; has_more: boolean }>(await call(t.agent, 'GET', '/v1/campaigns'));
    expect(page).toMatchObject({ total: 2, next_cursor: null, has_more: false });
    expect(page.items.map((i) => i.id)).toEqual([b.id, a.id]);
    expect(Object.keys(page.items[0]!).sort()).toEqual(ITEM_FIELDS);
    expect(page.items[1]).toEqual({
      id: a.id,
      name: 'A',
      status: 'draft',
      dialing_mode: 'progressive',
      total_contacts: 0,
      contacted: 0,
      connected: 0,
      abandon_rate: 0,
      cli_group_id: a.cli_group_id,
      created_at: a.created_at,
      started_at: null,
    });
  });

  it('filters by status, dialing_mode and created_from/created_to, and counts total under the filter', async () => {
    const t = await seedDialerTenant();
    const old = await createCampaign(t, { name: 'old', dialing_mode: 'power' });
    await env.DB.prepare("UPDATE campaigns SET created_at = '2026-01-10T08:00:00.000Z' WHERE id = ?").bind(old.id).run();
    const draft = await createCampaign(t, { name: 'draft', dialing_mode: 'power' });
    const active = await createCampaign(t, { name: 'active', dialing_mode: 'predictive' });
    await upload(t.supervisor, active.id, [{ phone: '+971501234567' }]);
    await readyAgent(t, active.id);
    expect((await call(t.supervisor, 'POST', `/v1/campaigns/${active.id}/start`)).status).toBe(200);

    const names = async (query: string) => {
      const page = await json<{ items: Campaign[]; total: number }>(await call(t.agent, 'GET', `/v1/campaigns?${query}`));
      expect(page.total).toBe(page.items.length);
      return page.items.map((c) => c.name);
    };
    expect(await names('status=active')).toEqual(['active']);
    expect(await names('status=draft')).toEqual(['draft', 'old']);
    expect(await names('dialing_mode=power')).toEqual(['draft', 'old']);
    expect(await names('status=draft&dialing_mode=predictive')).toEqual([]);
    expect(await names('created_to=2026-01-31T23:59:59Z')).toEqual(['old']);
    expect(await names('created_from=2026-01-10T08:00:00Z&created_to=2026-01-10T08:00:00Z')).toEqual(['old']);
    expect(await names(`created_from=${encodeURIComponent(draft.created_at as string)}`)).toEqual(['active', 'draft']);
    expect(await names('created_from=2026-01-10T12:00:00%2B04:00&created_to=2026-01-10T12:00:00%2B04:00')).toEqual(['old']);

    for (const bad of ['status=running', 'dialing_mode=manual', 'created_from=yesterday', 'created_from=2026-02-01T00:00:00Z&created_to=2026-01-01T00:00:00Z', 'limit=101', 'limit=0', 'cursor=nope']) {
      await dialerProblem(await call(t.agent, 'GET', `/v1/campaigns?${bad}`), 400);
    }
  });

  it('pages with the default of 20 and through inserts: each campaign once, new ones never shift a page', async () => {
    const t = await seedDialerTenant();
    const group = await createCliGroup(t);
    for (let i = 0; i < 23; i++) await createCampaign(t, { name: `C${i}`, cli_group_id: group });
    const first = await json<{ items: Campaign[]; next_cursor: string; has_more: boolean; total: number }>(await call(t.agent, 'GET', '/v1/campaigns'));
    expect(first.items).toHaveLength(20);
    expect(first).toMatchObject({ has_more: true, total: 23 });

    const seen: string[] = [];
    let cursor: string | null = null;
    let added = 0;
    do {
      const page: { items: Campaign[]; next_cursor: string | null } = await json(await call(t.agent, 'GET', `/v1/campaigns?limit=4${cursor ? `&cursor=${cursor}` : ''}`));
      seen.push(...page.items.map((c) => c.name));
      cursor = page.next_cursor;
      // Newer than everything listed so far: it belongs before the cursor, so the walk never meets it.
      if (added < 3) await createCampaign(t, { name: `late${added++}`, cli_group_id: group });
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => `C${22 - i}`));
    const total = (await json<{ total: number }>(await call(t.agent, 'GET', '/v1/campaigns?limit=1'))).total;
    expect(total).toBe(26);
  });

  it('GET /v1/campaigns/{id} answers the item fields plus settings and pause/complete times', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t, { dial_ratio: 3, timezone: 'Asia/Riyadh' });
    const detail = await json<Record<string, unknown>>(await call(t.agent, 'GET', `/v1/campaigns/${c.id}`));
    expect(Object.keys(detail).sort()).toEqual([...ITEM_FIELDS, 'completed_at', 'dial_ratio', 'max_attempts', 'paused_at', 'retry_delay_minutes', 'timezone'].sort());
    expect(detail).toMatchObject({ id: c.id, status: 'draft', dial_ratio: 3, timezone: 'Asia/Riyadh', started_at: null, paused_at: null, completed_at: null, total_contacts: 0 });
  });

  it("answers 404 for another tenant's campaign on every campaign route and never lists it", async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const theirs = await createCampaign(other);
    await upload(other.supervisor, theirs.id, [{ phone: '+971501234567' }]);
    for (const [method, path, body] of [
      ['GET', `/v1/campaigns/${theirs.id}`],
      ['POST', `/v1/campaigns/${theirs.id}/start`],
      ['POST', `/v1/campaigns/${theirs.id}/pause`],
      ['GET', `/v1/campaigns/${theirs.id}/contacts`],
      ['POST', `/v1/campaigns/${theirs.id}/contacts`, { contacts: [{ phone: '+971501234568' }] }],
      ['POST', '/v1/contacts/search', { q: 'x', campaign_id: theirs.id }],
    ] as const) {
      await dialerProblem(await call(t.admin, method, path, body), 404);
    }
    expect(await allPages(t.admin, '/v1/campaigns', 100)).toEqual([]);
    const untouched = await json<Campaign>(await call(other.agent, 'GET', `/v1/campaigns/${theirs.id}`));
    expect(untouched).toMatchObject({ status: 'draft', total_contacts: 1 });
  });
});

describe('start and pause', () => {
  it('start: draft → active with the documented body; again while active changes nothing', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    await upload(t.supervisor, c.id, [{ phone: '+971501234567' }]);
    await readyAgent(t, c.id);
    const started = await json<Record<string, unknown>>(await call(t.supervisor, 'POST', `/v1/campaigns/${c.id}/start`));
    expect(started).toEqual({ id: c.id, status: 'active', started_at: expect.any(String), message: 'Campaign dialing started.' });
    const detail = await json<Campaign>(await call(t.agent, 'GET', `/v1/campaigns/${c.id}`));
    expect(detail).toMatchObject({ status: 'active', started_at: started.started_at });
    const again = await json<Record<string, unknown>>(await call(t.supervisor, 'POST', `/v1/campaigns/${c.id}/start`));
    expect(again).toEqual({ id: c.id, status: 'active', started_at: started.started_at, message: 'Campaign is already active.' });
  });

  it('pause: active → paused with the documented body; again is a no-op; resume keeps the first started_at', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    await upload(t.supervisor, c.id, [{ phone: '+971501234567' }]);
    await readyAgent(t, c.id);
    const started = await json<{ started_at: string }>(await call(t.supervisor, 'POST', `/v1/campaigns/${c.id}/start`));
    const paused = await json<Record<string, unknown>>(await call(t.admin, 'POST', `/v1/campaigns/${c.id}/pause`));
    expect(paused).toEqual({ id: c.id, status: 'paused', paused_at: expect.any(String) });
    expect(await json(await call(t.supervisor, 'POST', `/v1/campaigns/${c.id}/pause`))).toEqual(paused);
    expect(await json(await call(t.agent, 'GET', `/v1/campaigns/${c.id}`))).toMatchObject({ status: 'paused', paused_at: paused.paused_at });

    const resumed = await json<Record<string, unknown>>(await call(t.supervisor, 'POST', `/v1/campaigns/${c.id}/start`));
    expect(resumed).toMatchObject({ status: 'active', started_at: started.started_at, message: 'Campaign dialing started.' });
    expect(await json(await call(t.agent, 'GET', `/v1/campaigns/${c.id}`))).toMatchObject({ status: 'active', paused_at: null });
  });

  it('409 campaign-no-contacts with the spec’s exact body: no contacts, or none left to dial', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    const res = await call(t.supervisor, 'POST', `/v1/campaigns/${c.id}/start`);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toEqual({
      type: 'https://engage.broadnet.me/errors/campaign-no-contacts',
      title: 'Campaign has no contacts',
      status: 409,
      detail: 'Upload contacts before starting the campaign.',
    });
    // Only a DNC number: stored, but nothing can be dialled.
    await env.DB.prepare("INSERT INTO dnc (id, tenant_id, phone, source, added_at) VALUES (?, ?, '+971501234567', 'api', ?)").bind(crypto.randomUUID(), t.tenantId, new Date().toISOString()).run();
    expect(await upload(t.supervisor, c.id, [{ phone: '+971501234567' }])).toMatchObject({ dnc_filtered: 1, total_in_campaign: 1 });
    expect((await dialerProblem(await call(t.supervisor, 'POST', `/v1/campaigns/${c.id}/start`), 409)).type).toBe('https://engage.broadnet.me/errors/campaign-no-contacts');
    expect(await json(await call(t.agent, 'GET', `/v1/campaigns/${c.id}`))).toMatchObject({ status: 'draft', started_at: null });
  });

  it('409 campaign-cli-group-empty when the CLI group has no number to present', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t, { cli_group_id: await createCliGroup(t, []) });
    await upload(t.supervisor, c.id, uaeMobiles(2).map((phone) => ({ phone })));
    expect((await dialerProblem(await call(t.supervisor, 'POST', `/v1/campaigns/${c.id}/start`), 409)).type).toBe('https://engage.broadnet.me/errors/campaign-cli-group-empty');
    await call(t.admin, 'PATCH', `/v1/cli-groups/${c.cli_group_id}`, { add_numbers: ['+97145550001'] });
    await readyAgent(t, c.id);
    expect((await call(t.supervisor, 'POST', `/v1/campaigns/${c.id}/start`)).status).toBe(200);
  });

  it('409s pausing a draft and starting or pausing a completed campaign', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    expect((await dialerProblem(await call(t.supervisor, 'POST', `/v1/campaigns/${c.id}/pause`), 409)).type).toBe('https://engage.broadnet.me/errors/campaign-not-active');
    await env.DB.prepare("UPDATE campaigns SET status = 'completed', completed_at = ? WHERE id = ?").bind(new Date().toISOString(), c.id).run();
    for (const action of ['start', 'pause']) {
      expect((await dialerProblem(await call(t.supervisor, 'POST', `/v1/campaigns/${c.id}/${action}`), 409)).type).toBe('https://engage.broadnet.me/errors/campaign-completed');
    }
  });

  it('is for supervisors and admins', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    for (const action of ['start', 'pause']) {
      await dialerProblem(await call(t.agent, 'POST', `/v1/campaigns/${c.id}/${action}`), 403);
      await dialerProblem(await call(null, 'POST', `/v1/campaigns/${c.id}/${action}`), 401);
    }
    await dialerProblem(await call(t.supervisor, 'POST', '/v1/campaigns/no-such-campaign/start'), 404);
    await dialerProblem(await call(t.supervisor, 'GET', '/v1/campaigns/no-such-campaign'), 404);
  });
});

describe('GET /v1/openapi.json', () => {
  it('documents every route of the campaign area', async () => {
    const doc = (await (await SELF.fetch(`${BASE}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented).toEqual(
      expect.arrayContaining([
        'GET /v1/cli-groups',
        'POST /v1/cli-groups',
        'GET /v1/cli-groups/{id}',
        'PATCH /v1/cli-groups/{id}',
        'DELETE /v1/cli-groups/{id}',
        'GET /v1/campaigns',
        'POST /v1/campaigns',
        'GET /v1/campaigns/{id}',
        'POST /v1/campaigns/{id}/start',
        'POST /v1/campaigns/{id}/pause',
        'GET /v1/campaigns/{id}/contacts',
        'POST /v1/campaigns/{id}/contacts',
        'POST /v1/contacts/search',
      ]),
    );
  });
});
