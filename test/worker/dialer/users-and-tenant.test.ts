// Admin management of users, the tenant, and broadcast API apps; cursor
// pagination that stays stable while rows are inserted; cross-tenant 404s.
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../../worker/src/ids/uuid-v7.ts';
import { allPages, call, dialerProblem, PASSWORD, seedDialerTenant } from '../helpers/dialer.ts';
import { basicAuth, BASE } from '../helpers/tenant.ts';
import { SELF } from 'cloudflare:test';

const newUser = (n: number | string, role = 'agent') => ({ email: `u${n}-${crypto.randomUUID().slice(0, 6)}@example.test`, full_name: `User ${n}`, role, password: 'a long enough password' });

describe('users', () => {
  it('creates, reads, changes, disables and enables; the new user can sign in', async () => {
    const t = await seedDialerTenant();
    const created = await call(t.admin, 'POST', '/v1/users', newUser(1, 'supervisor'));
    expect(created.status).toBe(201);
    const user = (await created.json()) as Record<string, unknown>;
    expect(user).toMatchObject({ full_name: 'User 1', role: 'supervisor', tenant_id: t.tenantId, team_id: null, disabled_at: null });
    expect(user).not.toHaveProperty('password_hash');
    const login = await call(null, 'POST', '/v1/auth/login', { email: user.email, password: 'a long enough password' });
    expect(login.status).toBe(200);

    const patched = await call(t.admin, 'PATCH', `/v1/users/${user.id}`, { full_name: 'Renamed', team_id: 'team-a' });
    expect(await patched.json()).toMatchObject({ full_name: 'Renamed', team_id: 'team-a', role: 'supervisor' });
    expect(await (await call(t.admin, 'POST', `/v1/users/${user.id}/disable`)).json()).toMatchObject({ disabled_at: expect.any(String) });
    await dialerProblem(await call(null, 'POST', '/v1/auth/login', { email: user.email, password: 'a long enough password' }), 401);
    expect(await (await call(t.admin, 'POST', `/v1/users/${user.id}/enable`)).json()).toMatchObject({ disabled_at: null });
    expect((await call(null, 'POST', '/v1/auth/login', { email: user.email, password: 'a long enough password' })).status).toBe(200);
  });

  it('refuses duplicates, weak passwords, self-demotion and self-disable', async () => {
    const t = await seedDialerTenant();
    await dialerProblem(await call(t.admin, 'POST', '/v1/users', { ...newUser(2), email: t.agent.email }), 409);
    const weak = await dialerProblem(await call(t.admin, 'POST', '/v1/users', { ...newUser(3), password: 'short', role: 'boss' }), 400);
    expect(weak.errors!.map((e) => e.pointer).sort()).toEqual(['/password', '/role']);
    await dialerProblem(await call(t.admin, 'PATCH', `/v1/users/${t.admin.id}`, { role: 'agent' }), 409);
    await dialerProblem(await call(t.admin, 'POST', `/v1/users/${t.admin.id}/disable`), 409);
    await dialerProblem(await call(t.admin, 'PATCH', `/v1/users/${t.agent.id}`, {}), 400);
  });

  it("answers 404 for another tenant's user on every user route", async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const id = other.agent.id;
    for (const [method, path, body] of [
      ['GET', `/v1/users/${id}`],
      ['PATCH', `/v1/users/${id}`, { full_name: 'x' }],
      ['POST', `/v1/users/${id}/disable`],
      ['POST', `/v1/users/${id}/enable`],
    ] as const) {
      await dialerProblem(await call(t.admin, method, path, body), 404);
    }
    const listed = await allPages<{ id: string }>(t.admin, '/v1/users', 50);
    expect(listed.map((u) => u.id)).not.toContain(id);
  });

  it('pages through a list with inserts in between: every row once, none skipped', async () => {
    const t = await seedDialerTenant();
    for (let i = 0; i < 22; i++) expect((await call(t.admin, 'POST', '/v1/users', newUser(i))).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    let total = 0;
    do {
      const res = await call(t.admin, 'GET', `/v1/users?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      const page = (await res.json()) as { items: Array<{ id: string }>; next_cursor: string | null; total: number };
      seen.push(...page.items.map((u) => u.id));
      total = page.total;
      cursor = page.next_cursor;
      // A new user after every page: it sorts after everything seen so far, so it shows up later, once.
      if (pages++ < 3) expect((await call(t.admin, 'POST', '/v1/users', newUser(`late${pages}`))).status).toBe(201);
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(25 + 3);
    expect(total).toBe(28);
    expect([...seen].sort()).toEqual(seen);
  });

  it('400s a bad limit or a cursor it did not issue', async () => {
    const t = await seedDialerTenant();
    await dialerProblem(await call(t.admin, 'GET', '/v1/users?limit=0'), 400);
    await dialerProblem(await call(t.admin, 'GET', '/v1/users?limit=201'), 400);
    await dialerProblem(await call(t.admin, 'GET', '/v1/users?cursor=%%%'), 400);
  });
});

describe('tenant', () => {
  it('reads for anyone, changes for admins, validates the timezone', async () => {
    const t = await seedDialerTenant();
    expect(await (await call(t.agent, 'GET', '/v1/tenant')).json()).toMatchObject({ id: t.tenantId, timezone: 'Asia/Dubai', allowed_countries: null });
    const res = await call(t.admin, 'PATCH', '/v1/tenant', { timezone: 'Africa/Cairo', allowed_countries: ['EG', 'AE'], calls_per_second: 5 });
    expect(await res.json()).toMatchObject({ timezone: 'Africa/Cairo', allowed_countries: ['AE', 'EG'], calls_per_second: 5 });
    const bad = await dialerProblem(await call(t.admin, 'PATCH', '/v1/tenant', { timezone: 'Mars/Olympus', allowed_countries: ['XX'] }), 400);
    expect(bad.errors!.map((e) => e.pointer)).toEqual(['/timezone', '/allowed_countries/0']);
  });
});

describe('apps (broadcast API credentials)', () => {
  it('creates a key that works for Basic auth until disabled; lists without secrets', async () => {
    const t = await seedDialerTenant();
    const res = await call(t.admin, 'POST', '/v1/apps', { name: 'CRM' });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { app_id: string; app_key: string; webhook_secret: string };
    const settings = () => SELF.fetch(`${BASE}/voice/v1/account/settings`, { headers: { authorization: basicAuth(created.app_id, created.app_key) } });
    expect(await (await settings()).json()).toMatchObject({ tenant_id: t.tenantId });
    const list = (await (await call(t.admin, 'GET', '/v1/apps')).json()) as { items: Array<Record<string, unknown>> };
    expect(list.items).toEqual([{ app_id: created.app_id, name: 'CRM', created_at: expect.any(String), disabled_at: null }]);
    expect((await call(t.admin, 'POST', `/v1/apps/${created.app_id}/disable`)).status).toBe(200);
    expect((await settings()).status).toBe(401);
    const other = await seedDialerTenant();
    await dialerProblem(await call(other.admin, 'POST', `/v1/apps/${created.app_id}/disable`), 404);
    await dialerProblem(await call(t.supervisor, 'POST', '/v1/apps', { name: 'x' }), 403);
  });
});

describe('uuidv7', () => {
  it('is a version-7 UUID and strictly increasing within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7(1_800_000_000_000));
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(PASSWORD.length).toBeGreaterThan(0);
  });
});
