// Sign-in for the dialer API: the spec's login/refresh bodies, 401s with the
// spec's problem shape, token expiry and revocation, login throttling.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { signAccessToken, signRefreshToken } from '../../../worker/src/auth/tokens.ts';
import { hashPassword, verifyPassword } from '../../../worker/src/auth/password.ts';
import { call, dialerProblem, PASSWORD, seedDialerTenant } from '../helpers/dialer.ts';

const login = (email: string, password: string) => call(null, 'POST', '/v1/auth/login', { email, password });

describe('POST /v1/auth/login', () => {
  it('answers the documented body, and the token works', async () => {
    const t = await seedDialerTenant();
    const res = await login(t.agent.email.toUpperCase(), PASSWORD);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type', 'user']);
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 86400, user: { id: t.agent.id, email: t.agent.email, full_name: 'Layla Ahmed', role: 'agent', tenant_id: t.tenantId } });
    expect(body.access_token).toMatch(/^eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\./);
    const me = await call(body.access_token as string, 'GET', '/v1/tenant');
    expect(me.status).toBe(200);
  });

  it('refuses a wrong password and an unknown email with the same spec body', async () => {
    const t = await seedDialerTenant();
    for (const res of [await login(t.agent.email, 'wrong password!'), await login('nobody@example.test', PASSWORD)]) {
      const p = await dialerProblem(res, 401);
      expect(p).toEqual({ type: 'https://engage.broadnet.me/errors/invalid-credentials', title: 'Invalid credentials', status: 401, detail: 'Email or password is incorrect.' });
    }
  });

  it('refuses a disabled user and a user of a disabled tenant', async () => {
    const t = await seedDialerTenant();
    await env.DB.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').bind(new Date().toISOString(), t.agent.id).run();
    await dialerProblem(await login(t.agent.email, PASSWORD), 401);
    await env.DB.prepare('UPDATE tenants SET disabled_at = ? WHERE id = ?').bind(new Date().toISOString(), t.tenantId).run();
    await dialerProblem(await login(t.admin.email, PASSWORD), 401);
  });

  it('validates the body and throttles one email after 10 attempts a minute', async () => {
    const p = await dialerProblem(await call(null, 'POST', '/v1/auth/login', { email: 'not-an-email' }), 400);
    expect(p.errors!.map((e) => e.pointer)).toEqual(['/email', '/password']);
    const t = await seedDialerTenant();
    for (let i = 0; i < 10; i++) expect((await login(t.supervisor.email, 'wrong password!')).status).toBe(401);
    const limited = await login(t.supervisor.email, PASSWORD);
    await dialerProblem(limited, 429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('POST /v1/auth/refresh and /logout', () => {
  it('exchanges a refresh token for a new access token until it is revoked', async () => {
    const t = await seedDialerTenant();
    const tokens = (await (await login(t.supervisor.email, PASSWORD)).json()) as { refresh_token: string; access_token: string };
    const res = await call(null, 'POST', '/v1/auth/refresh', { refresh_token: tokens.refresh_token });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 86400 });
    expect((await call(body.access_token as string, 'GET', '/v1/tenant')).status).toBe(200);

    expect((await call(null, 'POST', '/v1/auth/logout', { refresh_token: tokens.refresh_token })).status).toBe(204);
    await dialerProblem(await call(null, 'POST', '/v1/auth/refresh', { refresh_token: tokens.refresh_token }), 401);
  });

  it('refuses an access token as a refresh token, a forged one, and an expired one', async () => {
    const t = await seedDialerTenant();
    await dialerProblem(await call(null, 'POST', '/v1/auth/refresh', { refresh_token: t.agent.token }), 401);
    const forged = await signRefreshToken('not-the-secret-not-the-secret', { userId: t.agent.id, tenantId: t.tenantId, tokenId: 'x' });
    await dialerProblem(await call(null, 'POST', '/v1/auth/refresh', { refresh_token: forged }), 401);
    const old = await signRefreshToken(env.JWT_SECRET, { userId: t.agent.id, tenantId: t.tenantId, tokenId: 'x' }, Date.now() - 31 * 24 * 3600_000);
    const p = await dialerProblem(await call(null, 'POST', '/v1/auth/refresh', { refresh_token: old }), 401);
    expect(p.detail).toMatch(/expired/);
  });
});

describe('bearer tokens on every other route', () => {
  it('401 with a Bearer challenge when missing, malformed, expired or signed with another key', async () => {
    const t = await seedDialerTenant();
    const expired = await signAccessToken(env.JWT_SECRET, { userId: t.agent.id, tenantId: t.tenantId, role: 'agent' }, Date.now() - 25 * 3600_000);
    const foreign = await signAccessToken('another-secret-another-secret', { userId: t.agent.id, tenantId: t.tenantId, role: 'agent' });
    for (const who of [null, 'garbage', expired, foreign]) {
      const res = await call(who, 'GET', '/v1/tenant');
      const p = await dialerProblem(res, 401);
      expect(p.type).toBe('https://engage.broadnet.me/errors/unauthorized');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="crier"/);
    }
    expect((await (await call(expired, 'GET', '/v1/tenant')).json()) as { detail: string }).toMatchObject({ detail: expect.stringMatching(/expired/) });
  });

  it('stops working at once when the user is disabled or their role changes', async () => {
    const t = await seedDialerTenant();
    expect((await call(t.supervisor, 'GET', '/v1/tenant')).status).toBe(200);
    expect((await call(t.admin, 'PATCH', `/v1/users/${t.supervisor.id}`, { role: 'agent' })).status).toBe(200);
    await dialerProblem(await call(t.supervisor, 'GET', '/v1/tenant'), 401);
    expect((await call(t.admin, 'POST', `/v1/users/${t.agent.id}/disable`)).status).toBe(200);
    await dialerProblem(await call(t.agent, 'GET', '/v1/tenant'), 401);
  });
});

describe('password hashing', () => {
  it('verifies its own hashes, refuses others, and accepts the Node script format', async () => {
    const hash = await hashPassword('s3cret-passphrase');
    expect(hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(await verifyPassword('s3cret-passphrase', hash)).toBe(true);
    expect(await verifyPassword('s3cret-passphrasf', hash)).toBe(false);
    expect(await verifyPassword('x', 'pbkdf2-sha256$100001$AAAA$AAAA')).toBe(false);
    expect(await verifyPassword('x', 'bcrypt$whatever')).toBe(false);
    // Made by scripts/create-tenant.ts hashPasswordNode('correct horse battery staple', salt 00..0f).
    const fromNode = 'pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw==$SdScJfWXhGIJ8Nkud3CrZOHHXpS0zmxQkmXuZxddKh4=';
    expect(await verifyPassword('correct horse battery staple', fromNode)).toBe(true);
  });
});
