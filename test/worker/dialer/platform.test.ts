// The platform operator's API: tenant creation with a first admin, listing,
// disabling (which stops the tenant's users and apps at once).
import { describe, expect, it } from 'vitest';
import { call, dialerProblem, PLATFORM_TOKEN } from '../helpers/dialer.ts';

describe('/v1/platform/tenants', () => {
  it('creates a tenant whose admin can sign in and manage it', async () => {
    const email = `owner-${crypto.randomUUID().slice(0, 8)}@acme.test`;
    const res = await call(PLATFORM_TOKEN, 'POST', '/v1/platform/tenants', { name: 'Acme', timezone: 'Asia/Riyadh', admin: { email, full_name: 'Ada Owner', password: 'owner password 1' } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { tenant: { id: string }; admin: { role: string; tenant_id: string } };
    expect(created.admin).toMatchObject({ role: 'admin', tenant_id: created.tenant.id });
    const login = (await (await call(null, 'POST', '/v1/auth/login', { email, password: 'owner password 1' })).json()) as { access_token: string };
    expect(await (await call(login.access_token, 'GET', '/v1/tenant')).json()).toMatchObject({ name: 'Acme', timezone: 'Asia/Riyadh' });

    await dialerProblem(await call(PLATFORM_TOKEN, 'POST', '/v1/platform/tenants', { name: 'Again', admin: { email, full_name: 'x', password: 'owner password 1' } }), 409);
    const list = (await (await call(PLATFORM_TOKEN, 'GET', '/v1/platform/tenants?limit=200')).json()) as { items: Array<{ id: string }> };
    expect(list.items.map((x) => x.id)).toContain(created.tenant.id);

    expect((await call(PLATFORM_TOKEN, 'POST', `/v1/platform/tenants/${created.tenant.id}/disable`)).status).toBe(200);
    await dialerProblem(await call(login.access_token, 'GET', '/v1/tenant'), 401);
    expect((await call(PLATFORM_TOKEN, 'POST', `/v1/platform/tenants/${created.tenant.id}/enable`)).status).toBe(200);
    expect((await call(login.access_token, 'GET', '/v1/tenant')).status).toBe(200);
  });

  it('refuses other tokens, including a user access token', async () => {
    await dialerProblem(await call('not-the-platform-token-at-all-xxxxxxxx', 'GET', '/v1/platform/tenants'), 401);
    await dialerProblem(await call(null, 'GET', '/v1/platform/tenants'), 401);
    await dialerProblem(await call(PLATFORM_TOKEN, 'POST', '/v1/platform/tenants/nope/disable'), 404);
  });
});
