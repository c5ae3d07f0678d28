// Webhook subscriptions (/v1/webhooks): create with a secret shown once, read
// without it, change, rotate, delete, test; URL and event-type rules; admins
// only; another tenant's subscription is always 404; pagination under inserts;
// the deliveries listing.
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { emitDialerEvents } from '../../../../worker/src/dialer-events/emit.ts';
import { allPages, call, dialerProblem, seedDialerTenant } from '../../helpers/dialer.ts';
import { box, deliveriesOf, received, receivedWhen, subscribe, verifyWebhook } from './helpers.ts';

describe('webhook subscriptions', () => {
  it('creates with a generated secret shown once, then reads, lists, changes and deletes', async () => {
    const t = await seedDialerTenant();
    const hooks = box();
    const res = await call(t.admin, 'POST', '/v1/webhooks', { url: hooks.hooksUrl, event_types: ['call.completed', 'dnc.added', 'call.completed'], description: 'CRM sync' });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Record<string, any>;
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      url: hooks.hooksUrl,
      event_types: ['call.completed', 'dnc.added'],
      description: 'CRM sync',
      active: true,
      created_at: expect.any(String),
      disabled_at: null,
      secret: expect.stringMatching(/^whsec_[0-9a-f]{48}$/),
    });

    const { secret, ...withoutSecret } = created;
    const got = (await (await call(t.admin, 'GET', `/v1/webhooks/${created.id}`)).json()) as Record<string, unknown>;
    expect(got).toEqual(withoutSecret);
    const listed = await allPages<Record<string, unknown>>(t.admin, '/v1/webhooks', 20);
    expect(listed).toEqual([withoutSecret]);
    expect(JSON.stringify(listed)).not.toContain(secret);

    const patched = await call(t.admin, 'PATCH', `/v1/webhooks/${created.id}`, { event_types: ['*'], active: false, description: null });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ event_types: ['*'], active: false, disabled_at: expect.any(String), description: null, url: hooks.hooksUrl });
    const reactivated = await call(t.admin, 'PATCH', `/v1/webhooks/${created.id}`, { active: true, url: `${hooks.hooksUrl}?v=2` });
    expect(await reactivated.json()).toMatchObject({ active: true, disabled_at: null, url: `${hooks.hooksUrl}?v=2` });

    const deleted = await call(t.admin, 'DELETE', `/v1/webhooks/${created.id}`);
    expect(deleted.status).toBe(204);
    await dialerProblem(await call(t.admin, 'GET', `/v1/webhooks/${created.id}`), 404);
    await dialerProblem(await call(t.admin, 'DELETE', `/v1/webhooks/${created.id}`), 404);
    expect(await allPages(t.admin, '/v1/webhooks', 20)).toEqual([]);
  });

  it('refuses URLs that are not https (http only for loopback in dev), credentials, private hosts and unknown event types', async () => {
    const t = await seedDialerTenant();
    const bad = async (body: Record<string, unknown>, pointer: string) => {
      const p = await dialerProblem(await call(t.admin, 'POST', '/v1/webhooks', { url: 'https://crm.example.com/hook', event_types: ['*'], ...body }), 400);
      expect(p.type).toBe('https://engage.broadnet.me/errors/validation-failed');
      expect(p.errors!.map((e) => e.pointer)).toContain(pointer);
      return p;
    };
    expect((await bad({ url: 'http://crm.example.com/hook' }, '/url')).errors![0]!.reason).toMatch(/https/);
    await bad({ url: 'ftp://crm.example.com/hook' }, '/url');
    await bad({ url: 'not a url' }, '/url');
    await bad({ url: 'https://user:pass@crm.example.com/hook' }, '/url');
    await bad({ url: 'https://10.1.2.3/hook' }, '/url');
    await bad({ url: 'https://192.168.0.10/hook' }, '/url');
    await bad({ url: 'https://[fd00::1]/hook' }, '/url');
    await bad({ url: 'https://169.254.169.254/latest' }, '/url');
    await bad({ url: `https://crm.example.com/${'a'.repeat(2100)}` }, '/url');
    await bad({ url: undefined }, '/url');
    await bad({ event_types: [] }, '/event_types');
    await bad({ event_types: ['call.exploded'] }, '/event_types/0');
    await bad({ event_types: ['webhook.test'] }, '/event_types/0');
    await bad({ event_types: ['*', 'call.completed'] }, '/event_types');
    await bad({ event_types: 'call.completed' }, '/event_types');
    await bad({ surprise: 1 }, '');
    // The test suite runs with WEBHOOK_ALLOW_LOOPBACK=true: loopback over http is the local receiver.
    for (const url of ['http://127.0.0.1:9/hook', 'http://localhost:9/hook', 'http://[::1]:9/hook', 'https://crm.example.com/hook']) {
      expect((await call(t.admin, 'POST', '/v1/webhooks', { url, event_types: ['dnc.added'] })).status).toBe(201);
    }
    const tenantInBody = await dialerProblem(await call(t.admin, 'POST', '/v1/webhooks', { url: 'https://crm.example.com/hook', event_types: ['*'], tenant_id: t.tenantId }), 422);
    expect(tenantInBody.type).toBe('https://engage.broadnet.me/errors/tenant-id-not-allowed');
    const created = (await (await call(t.admin, 'GET', '/v1/webhooks')).json()) as { items: Array<{ id: string }> };
    await dialerProblem(await call(t.admin, 'PATCH', `/v1/webhooks/${created.items[0]!.id}`, { url: 'http://crm.example.com/x' }), 400);
    await dialerProblem(await call(t.admin, 'PATCH', `/v1/webhooks/${created.items[0]!.id}`, {}), 400);
    await dialerProblem(await call(t.admin, 'PATCH', `/v1/webhooks/${created.items[0]!.id}`, { active: 'yes' }), 400);
  });

  it('is for admins only: 401 without a token, 403 for agents and supervisors on every route', async () => {
    const t = await seedDialerTenant();
    const sub = await subscribe(t.admin, box(), ['*']);
    const routes: Array<[string, string, unknown?]> = [
      ['POST', '/v1/webhooks', { url: 'https://crm.example.com/h', event_types: ['*'] }],
      ['GET', '/v1/webhooks'],
      ['GET', `/v1/webhooks/${sub.id}`],
      ['PATCH', `/v1/webhooks/${sub.id}`, { active: false }],
      ['DELETE', `/v1/webhooks/${sub.id}`],
      ['POST', `/v1/webhooks/${sub.id}/rotate-secret`],
      ['POST', `/v1/webhooks/${sub.id}/test`],
      ['GET', `/v1/webhooks/${sub.id}/deliveries`],
    ];
    for (const [method, path, body] of routes) {
      await dialerProblem(await call(null, method, path, body), 401);
      await dialerProblem(await call(t.agent, method, path, body), 403);
      await dialerProblem(await call(t.supervisor, method, path, body), 403);
    }
    expect(await (await call(t.admin, 'GET', `/v1/webhooks/${sub.id}`)).json()).toMatchObject({ active: true });
  });

  it("answers 404 for another tenant's subscription on every route, and never lists it", async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const theirs = await subscribe(other.admin, box(), ['*']);
    for (const [method, path, body] of [
      ['GET', `/v1/webhooks/${theirs.id}`],
      ['PATCH', `/v1/webhooks/${theirs.id}`, { active: false }],
      ['DELETE', `/v1/webhooks/${theirs.id}`],
      ['POST', `/v1/webhooks/${theirs.id}/rotate-secret`],
      ['POST', `/v1/webhooks/${theirs.id}/test`],
      ['GET', `/v1/webhooks/${theirs.id}/deliveries`],
      ['GET', `/v1/webhooks/${crypto.randomUUID()}`],
    ] as const) {
      const p = await dialerProblem(await call(t.admin, method, path, body), 404);
      expect(p.type).toBe('https://engage.broadnet.me/errors/not-found');
    }
    expect(await allPages(t.admin, '/v1/webhooks', 20)).toEqual([]);
    // Untouched: still active, same secret signs.
    expect(await (await call(other.admin, 'GET', `/v1/webhooks/${theirs.id}`)).json()).toMatchObject({ active: true });
  });

  it('pages through subscriptions with inserts in between: every one once, oldest first', async () => {
    const t = await seedDialerTenant();
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) ids.push((await subscribe(t.admin, box(), ['dnc.added'])).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call(t.admin, 'GET', `/v1/webhooks?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      const page = (await res.json()) as { items: Array<{ id: string }>; total: number; next_cursor: string | null; has_more: boolean };
      seen.push(...page.items.map((s) => s.id));
      expect(page.has_more).toBe(page.next_cursor !== null);
      cursor = page.next_cursor;
      // A new subscription arrives while the client pages: it sorts last and shows up once.
      if (pages++ < 2) ids.push((await subscribe(t.admin, box(), ['dnc.added'])).id);
    } while (cursor);
    expect(seen).toEqual(ids);
    expect(new Set(seen).size).toBe(11);
    await dialerProblem(await call(t.admin, 'GET', '/v1/webhooks?limit=101'), 400);
    await dialerProblem(await call(t.admin, 'GET', '/v1/webhooks?cursor=garbage'), 400);
  });

  it('caps a tenant at 25 subscriptions (409)', async () => {
    const t = await seedDialerTenant();
    for (let i = 0; i < 25; i++) expect((await call(t.admin, 'POST', '/v1/webhooks', { url: `https://crm.example.com/h${i}`, event_types: ['dnc.added'] })).status).toBe(201);
    const p = await dialerProblem(await call(t.admin, 'POST', '/v1/webhooks', { url: 'https://crm.example.com/h26', event_types: ['dnc.added'] }), 409);
    expect(p.type).toBe('https://engage.broadnet.me/errors/webhook-limit-reached');
  });

  it('sends a signed test event on request and reports what the endpoint answered', async () => {
    const t = await seedDialerTenant();
    const hooks = box();
    const sub = await subscribe(t.admin, hooks, ['dnc.added']);
    const res = await call(t.admin, 'POST', `/v1/webhooks/${sub.id}/test`);
    expect(res.status).toBe(200);
    const result = (await res.json()) as Record<string, any>;
    expect(result).toEqual({ event_id: expect.any(String), delivered: true, status_code: 200, error: null, duration_ms: expect.any(Number) });
    const [got] = await received(hooks);
    expect(got!.envelope).toEqual({
      event_id: result.event_id,
      event_type: 'webhook.test',
      tenant_id: t.tenantId,
      occurred_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      correlation_id: sub.id,
      schema_version: '1',
      payload: { subscription_id: sub.id, message: expect.any(String) },
    });
    expect(await verifyWebhook(new TextEncoder().encode(got!.raw), got!.headers['x-broadnet-signature']!, sub.secret)).toBe(true);

    // A failing endpoint: one attempt, reported, listed as dead-lettered; no retry follows.
    await hooks.configure({ failFirst: 2 });
    const failed = (await (await call(t.admin, 'POST', `/v1/webhooks/${sub.id}/test`)).json()) as Record<string, any>;
    expect(failed).toMatchObject({ delivered: false, status_code: 500, error: 'HTTP 500' });
    const log = await deliveriesOf(t.admin, sub.id);
    expect(log.items.map((d) => [d.event_id, d.status, d.attempts])).toEqual([
      [failed.event_id, 'dead_lettered', 1],
      [result.event_id, 'delivered', 1],
    ]);
    await new Promise((r) => setTimeout(r, 500));
    expect(await received(hooks)).toHaveLength(2);
  });

  it('rotates the secret: the old one stops at once, the new one is shown once and signs from now on', async () => {
    const t = await seedDialerTenant();
    const hooks = box();
    const sub = await subscribe(t.admin, hooks, ['*']);
    const rotated = await call(t.admin, 'POST', `/v1/webhooks/${sub.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const { secret } = (await rotated.json()) as { secret: string };
    expect(secret).toMatch(/^whsec_[0-9a-f]{48}$/);
    expect(secret).not.toBe(sub.secret);
    expect(JSON.stringify(await (await call(t.admin, 'GET', `/v1/webhooks/${sub.id}`)).json())).not.toContain(secret);
    await call(t.admin, 'POST', `/v1/webhooks/${sub.id}/test`);
    const [got] = await receivedWhen(hooks, (all) => all.length === 1);
    const bytes = new TextEncoder().encode(got!.raw);
    expect(await verifyWebhook(bytes, got!.headers['x-broadnet-signature']!, secret)).toBe(true);
    expect(await verifyWebhook(bytes, got!.headers['x-broadnet-signature']!, sub.secret)).toBe(false);
  });
});

describe('webhook deliveries listing', () => {
  it('pages newest first; deliveries made while paging never shift, repeat or hide a row', async () => {
    const t = await seedDialerTenant();
    const hooks = box();
    const sub = await subscribe(t.admin, hooks, ['dnc.added']);
    const raise = (n: number) =>
      emitDialerEvents(env, Array.from({ length: n }, () => ({ type: 'dnc.added' as const, tenantId: t.tenantId, correlationId: crypto.randomUUID(), payload: {} })));
    await raise(30);
    await receivedWhen(hooks, (r) => r.length === 30, 15_000, '30 deliveries');
    const firstPage = await call(t.admin, 'GET', `/v1/webhooks/${sub.id}/deliveries?limit=7`);
    const pages = [(await firstPage.json()) as { items: Array<{ id: number; event_id: string }>; total: number; next_cursor: string | null; has_more: boolean }];
    expect(pages[0]!.total).toBe(30);
    while (pages.at(-1)!.next_cursor) {
      await raise(2);
      const res = await call(t.admin, 'GET', `/v1/webhooks/${sub.id}/deliveries?limit=7&cursor=${encodeURIComponent(pages.at(-1)!.next_cursor!)}`);
      expect(res.status).toBe(200);
      pages.push(await res.json());
    }
    const ids = pages.flatMap((p) => p.items.map((d) => d.id));
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(pages.at(-1)!.has_more).toBe(false);
    const delivered = await call(t.admin, 'GET', `/v1/webhooks/${sub.id}/deliveries?status=delivered&limit=200`);
    expect(((await delivered.json()) as { total: number }).total).toBeGreaterThanOrEqual(30);
    await dialerProblem(await call(t.admin, 'GET', `/v1/webhooks/${sub.id}/deliveries?status=lost`), 400);
    await dialerProblem(await call(t.admin, 'GET', `/v1/webhooks/${sub.id}/deliveries?limit=201`), 400);
    await dialerProblem(await call(t.admin, 'GET', `/v1/webhooks/${sub.id}/deliveries?cursor=eyJrIjoiYSIsImlkIjoiIn0`), 400);
  });

  it('documents every webhook route in the /v1 OpenAPI document', async () => {
    const doc = (await (await SELF.fetch('http://crier.test/v1/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v1/webhooks']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v1/webhooks/{id}']!).sort()).toEqual(['delete', 'get', 'patch']);
    for (const p of ['/v1/webhooks/{id}/rotate-secret', '/v1/webhooks/{id}/test']) expect(doc.paths[p]).toHaveProperty('post');
    expect(doc.paths['/v1/webhooks/{id}/deliveries']).toHaveProperty('get');
  });
});
