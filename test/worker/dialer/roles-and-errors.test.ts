// Role checks, tenant_id in bodies, problem+json shapes and the OpenAPI document of /v1.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, dialerProblem, seedDialerTenant } from '../helpers/dialer.ts';
import { BASE } from '../helpers/tenant.ts';

describe('roles', () => {
  it('403s a role below the route, 200s it at or above', async () => {
    const t = await seedDialerTenant();
    for (const who of [t.agent, t.supervisor]) {
      const p = await dialerProblem(await call(who, 'GET', '/v1/users'), 403);
      expect(p.type).toBe('https://engage.broadnet.me/errors/forbidden');
    }
    expect((await call(t.admin, 'GET', '/v1/users')).status).toBe(200);
    await dialerProblem(await call(t.supervisor, 'PATCH', '/v1/tenant', { name: 'x' }), 403);
    expect((await call(t.agent, 'GET', '/v1/tenant')).status).toBe(200);
  });
});

describe('request bodies', () => {
  it('422s a tenant_id at the top level or in a list item, before anything else', async () => {
    const t = await seedDialerTenant();
    const top = await dialerProblem(await call(t.admin, 'PATCH', '/v1/tenant', { name: 'x', tenant_id: t.tenantId }), 422);
    expect(top).toMatchObject({ type: 'https://engage.broadnet.me/errors/tenant-id-not-allowed', field: '/tenant_id' });
    const nested = await dialerProblem(await call(t.admin, 'POST', '/v1/users', { items: [{}, { tenant_id: 'x' }] }), 422);
    expect(nested.field).toBe('/items/1/tenant_id');
  });

  it('400 malformed JSON, 415 wrong type, 413 too large, all problem+json', async () => {
    const t = await seedDialerTenant();
    await dialerProblem(await call(t.admin, 'PATCH', '/v1/tenant', '{"name":'), 400);
    await dialerProblem(await call(t.admin, 'PATCH', '/v1/tenant', 'name=x', { 'content-type': 'text/plain' }), 415);
    await dialerProblem(await call(t.admin, 'PATCH', '/v1/tenant', { name: 'x'.repeat(300_000) }), 413);
  });

  it('404s unknown /v1 routes with the dialer type URIs', async () => {
    const t = await seedDialerTenant();
    await dialerProblem(await call(t.admin, 'GET', '/v1/no-such-thing'), 404);
  });
});

describe('GET /v1/openapi.json', () => {
  it('documents the dialer routes only, with bearer auth', async () => {
    const doc = (await (await SELF.fetch(`${BASE}/v1/openapi.json`)).json()) as { paths: Record<string, unknown>; components: { securitySchemes: Record<string, unknown> } };
    expect(Object.keys(doc.paths)).toContain('/v1/auth/login');
    expect(Object.keys(doc.paths).every((p) => p.startsWith('/v1/'))).toBe(true);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const voice = (await (await SELF.fetch(`${BASE}/voice/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(voice.paths).every((p) => p.startsWith('/voice/v1/'))).toBe(true);
    expect(Object.keys(voice.paths)).toContain('/voice/v1/broadcast');
  });
});
