// GET / PATCH /voice/v1/account/settings (our addition): defaults filled in,
// partial updates, null restores the default, and every bad value is a 400.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { seedTenant } from '../helpers/tenant.ts';
import { getAs, problemOf, sendJson } from '../helpers/http.ts';

const patch = (t: Awaited<ReturnType<typeof seedTenant>>, body: unknown, headers: Record<string, string> = {}) => sendJson(t, 'PATCH', '/voice/v1/account/settings', body, headers);

describe('account settings', () => {
  it('shows the deployment defaults for a new tenant', async () => {
    const t = await seedTenant();
    const res = await getAs(t, '/voice/v1/account/settings');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      tenant_id: t.tenantId,
      allowed_countries: null,
      calls_per_second: Number(env.DEFAULT_CALLS_PER_SECOND),
      max_concurrent_calls: Number(env.DEFAULT_MAX_CONCURRENT_CALLS),
      timezone: 'Asia/Dubai',
    });
  });

  it('changes only the fields a PATCH names, and null restores the default', async () => {
    const t = await seedTenant();
    let res = await patch(t, { allowed_countries: ['IN', 'AE', 'IN'], calls_per_second: 5 });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ allowed_countries: ['AE', 'IN'], calls_per_second: 5, max_concurrent_calls: Number(env.DEFAULT_MAX_CONCURRENT_CALLS) });
    res = await patch(t, { max_concurrent_calls: 7 });
    expect(await res.json()).toMatchObject({ allowed_countries: ['AE', 'IN'], calls_per_second: 5, max_concurrent_calls: 7 });
    res = await patch(t, { allowed_countries: null, calls_per_second: null });
    expect(await res.json()).toMatchObject({ allowed_countries: null, calls_per_second: Number(env.DEFAULT_CALLS_PER_SECOND), max_concurrent_calls: 7 });
    res = await patch(t, {});
    expect(await res.json()).toMatchObject({ allowed_countries: null, max_concurrent_calls: 7 });
    const row = await env.DB.prepare('SELECT allowed_countries, calls_per_second, max_concurrent_calls FROM tenants WHERE id = ?').bind(t.tenantId).first();
    expect(row).toEqual({ allowed_countries: null, calls_per_second: null, max_concurrent_calls: 7 });
  });

  it('allows an empty list: no country may be dialled', async () => {
    const t = await seedTenant();
    expect(((await (await patch(t, { allowed_countries: [] })).json()) as { allowed_countries: string[] }).allowed_countries).toEqual([]);
  });

  it.each([
    [{ allowed_countries: ['ae'] }, '/allowed_countries/0'],
    [{ allowed_countries: ['XX'] }, '/allowed_countries/0'],
    [{ allowed_countries: ['UAE'] }, '/allowed_countries/0'],
    [{ allowed_countries: 'AE' }, '/allowed_countries'],
    [{ allowed_countries: [1] }, '/allowed_countries/0'],
    [{ calls_per_second: 0 }, '/calls_per_second'],
    [{ calls_per_second: 1001 }, '/calls_per_second'],
    [{ calls_per_second: 2.5 }, '/calls_per_second'],
    [{ calls_per_second: '5' }, '/calls_per_second'],
    [{ max_concurrent_calls: 0 }, '/max_concurrent_calls'],
    [{ max_concurrent_calls: 100_001 }, '/max_concurrent_calls'],
    [{ timezone: 'UTC' }, ''],
  ])('400 for %j, and nothing changes', async (body, pointer) => {
    const t = await seedTenant();
    const p = await problemOf(await patch(t, body), 400);
    expect(p.errors!.map((e) => e.pointer)).toContain(pointer);
    expect(((await (await getAs(t, '/voice/v1/account/settings')).json()) as { allowed_countries: unknown }).allowed_countries).toBeNull();
  });

  it('415, 400 and 401 like every write route; a tenant sees only its own settings', async () => {
    const t = await seedTenant();
    const other = await seedTenant();
    await problemOf(await patch(t, '{}', { 'content-type': 'text/plain' }), 415);
    await problemOf(await patch(t, '{'), 400);
    await problemOf(await patch(t, '[]'), 400);
    await problemOf(await patch(t, 'null'), 400);
    await patch(t, { allowed_countries: ['AE'] });
    expect(((await (await getAs(other, '/voice/v1/account/settings')).json()) as { allowed_countries: unknown }).allowed_countries).toBeNull();
    const res = await getAs({ ...t, auth: 'Basic eDp5' }, '/voice/v1/account/settings');
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    await problemOf(res, 401);
  });
});
