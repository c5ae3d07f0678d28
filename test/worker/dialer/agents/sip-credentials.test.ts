// SIP credentials (Crier addition): who may set, read and remove them, the
// sip_user and password rules, that only the digest HA1s for the tenant realm
// are stored (never the password) and never returned, and the media node's
// signed lookup of them.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../../worker/src/media-protocol/index.ts';
import { call, dialerProblem, seedDialerTenant } from '../../helpers/dialer.ts';
import { addUser, json } from './fixtures.ts';
import { SIP_PASSWORD, giveCredentials, realmOf, signedPost } from './sip-fixtures.ts';

const hex = async (algorithm: 'MD5' | 'SHA-256', text: string) => toHex(await crypto.subtle.digest(algorithm, new TextEncoder().encode(text)));

describe('PUT/GET/DELETE /v1/agents/{id}/sip-credentials', () => {
  it('a supervisor sets them; the answer and GET carry the SIP settings, never the password or an HA1', async () => {
    const t = await seedDialerTenant();
    const res = await call(t.supervisor, 'PUT', `/v1/agents/${t.agent.id}/sip-credentials`, { sip_user: 'agent_1001', password: SIP_PASSWORD });
    const body = await json<Record<string, unknown>>(res);
    const realm = realmOf(t);
    const expected = {
      agent_id: t.agent.id,
      sip_user: 'agent_1001',
      domain: realm,
      realm,
      aor: `sip:agent_1001@${realm}`,
      registrar: null,
      digest_algorithms: ['SHA-256', 'MD5'],
      updated_at: expect.any(String),
    };
    expect(body).toEqual(expected);
    expect(await json(await call(t.admin, 'GET', `/v1/agents/${t.agent.id}/sip-credentials`))).toEqual(expected);
    expect(await json(await call(t.agent, 'GET', `/v1/agents/${t.agent.id}/sip-credentials`))).toEqual(expected);
    for (const text of [JSON.stringify(body)]) {
      expect(text).not.toContain(SIP_PASSWORD);
      expect(text).not.toMatch(/ha1/i);
    }
  });

  it('stores MD5 and SHA-256 of sip_user:realm:password and nothing from which the password reads back', async () => {
    const t = await seedDialerTenant();
    await giveCredentials(t, t.agent, 'agent_1001');
    const row = await env.DB.prepare('SELECT * FROM sip_credentials WHERE user_id = ?').bind(t.agent.id).first<Record<string, string>>();
    const realm = realmOf(t);
    expect(row).toMatchObject({
      tenant_id: t.tenantId,
      sip_user: 'agent_1001',
      realm,
      ha1_md5: await hex('MD5', `agent_1001:${realm}:${SIP_PASSWORD}`),
      ha1_sha256: await hex('SHA-256', `agent_1001:${realm}:${SIP_PASSWORD}`),
      updated_by: t.supervisor.id,
    });
    expect(JSON.stringify(row)).not.toContain(SIP_PASSWORD);
  });

  it('roles: an agent may read only their own and may not set or remove any (403); another tenant\'s agent is 404', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const omar = await addUser(t, { fullName: 'Omar Khalil' });
    await giveCredentials(t, omar, 'agent_1002');
    await dialerProblem(await call(t.agent, 'PUT', `/v1/agents/${t.agent.id}/sip-credentials`, { sip_user: 'agent_1001', password: SIP_PASSWORD }), 403);
    await dialerProblem(await call(t.agent, 'GET', `/v1/agents/${omar.id}/sip-credentials`), 403);
    await dialerProblem(await call(t.agent, 'DELETE', `/v1/agents/${omar.id}/sip-credentials`), 403);
    await dialerProblem(await call(other.supervisor, 'PUT', `/v1/agents/${t.agent.id}/sip-credentials`, { sip_user: 'agent_1001', password: SIP_PASSWORD }), 404);
    await dialerProblem(await call(other.admin, 'GET', `/v1/agents/${omar.id}/sip-credentials`), 404);
    // An admin has no softphone: not an agent or supervisor.
    await dialerProblem(await call(t.admin, 'PUT', `/v1/agents/${t.admin.id}/sip-credentials`, { sip_user: 'admin_1', password: SIP_PASSWORD }), 404);
    // A supervisor may have one.
    await giveCredentials(t, t.supervisor, 'sup_2001');
  });

  it('sip_user is unique within the tenant (409 naming the field) but not across tenants; renaming one\'s own is fine', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const omar = await addUser(t, { fullName: 'Omar Khalil' });
    await giveCredentials(t, t.agent, 'agent_1001');
    const p = await dialerProblem(await call(t.supervisor, 'PUT', `/v1/agents/${omar.id}/sip-credentials`, { sip_user: 'agent_1001', password: SIP_PASSWORD }), 409);
    expect(p).toMatchObject({ type: 'https://engage.broadnet.me/errors/sip-user-taken', field: '/sip_user' });
    await giveCredentials(other, other.agent, 'agent_1001');
    await giveCredentials(t, t.agent, 'agent_1001', 'another-long-password');
    await giveCredentials(t, t.agent, 'layla.ahmed');
    await giveCredentials(t, omar, 'agent_1001');
  });

  it('two users given one sip_user at the same moment: exactly one gets it', async () => {
    const t = await seedDialerTenant();
    const others = await Promise.all([1, 2, 3].map((i) => addUser(t, { fullName: `Agent ${i}` })));
    const results = await Promise.all(others.map((u) => call(t.supervisor, 'PUT', `/v1/agents/${u.id}/sip-credentials`, { sip_user: 'shared_name', password: SIP_PASSWORD })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
  });

  it('validation: sip_user format, password length and not the sip_user, unknown fields, tenant_id', async () => {
    const t = await seedDialerTenant();
    const put = (body: unknown) => call(t.supervisor, 'PUT', `/v1/agents/${t.agent.id}/sip-credentials`, body);
    expect((await dialerProblem(await put({ sip_user: 'Agent_1001', password: SIP_PASSWORD }), 400)).field).toBe('/sip_user');
    expect((await dialerProblem(await put({ sip_user: 'ab', password: SIP_PASSWORD }), 400)).field).toBe('/sip_user');
    expect((await dialerProblem(await put({ sip_user: 'agent 1', password: SIP_PASSWORD }), 400)).field).toBe('/sip_user');
    expect((await dialerProblem(await put({ sip_user: 'agent_1001', password: 'short' }), 400)).field).toBe('/password');
    expect((await dialerProblem(await put({ sip_user: 'agent_1001_long', password: 'agent_1001_long' }), 400)).field).toBe('/password');
    expect((await dialerProblem(await put({ sip_user: 'agent_1001' }), 400)).field).toBe('/password');
    expect((await dialerProblem(await put({ sip_user: 'agent_1001', password: SIP_PASSWORD, ha1: 'x' }), 400)).field).toBeDefined();
    await dialerProblem(await put({ sip_user: 'agent_1001', password: SIP_PASSWORD, tenant_id: t.tenantId }), 422);
    await dialerProblem(await call(t.supervisor, 'GET', `/v1/agents/${t.agent.id}/sip-credentials`), 404);
  });

  it('DELETE removes them (204), then GET and DELETE are 404', async () => {
    const t = await seedDialerTenant();
    await giveCredentials(t, t.agent, 'agent_1001');
    const res = await call(t.supervisor, 'DELETE', `/v1/agents/${t.agent.id}/sip-credentials`);
    expect(res.status).toBe(204);
    await dialerProblem(await call(t.supervisor, 'GET', `/v1/agents/${t.agent.id}/sip-credentials`), 404);
    await dialerProblem(await call(t.supervisor, 'DELETE', `/v1/agents/${t.agent.id}/sip-credentials`), 404);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await (await call(null, 'GET', '/v1/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v1/agents/{id}/sip-credentials'] ?? {}).sort()).toEqual(['delete', 'get', 'put']);
  });
});

describe('POST /internal/media/v1/sip-credentials (node lookup)', () => {
  it('answers the HA1s for a user of the realm, exactly the CONTRACT shape', async () => {
    const t = await seedDialerTenant();
    await giveCredentials(t, t.agent, 'agent_1001');
    const realm = realmOf(t);
    const res = await signedPost('/internal/media/v1/sip-credentials', { node_id: 'n1', realm, username: 'agent_1001' });
    expect(await json(res)).toEqual({
      found: true,
      tenant_id: t.tenantId,
      agent_id: t.agent.id,
      sip_user: 'agent_1001',
      realm,
      ha1_md5: await hex('MD5', `agent_1001:${realm}:${SIP_PASSWORD}`),
      ha1_sha256: await hex('SHA-256', `agent_1001:${realm}:${SIP_PASSWORD}`),
    });
  });

  it('found:false for another realm, an unknown user, a disabled user, and after DELETE', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const omar = await addUser(t, { fullName: 'Omar Khalil' });
    await giveCredentials(t, t.agent, 'agent_1001');
    await giveCredentials(t, omar, 'agent_1002');
    const ask = async (realm: string, username: string) => json(await signedPost('/internal/media/v1/sip-credentials', { node_id: 'n1', realm, username }));
    expect(await ask(realmOf(other), 'agent_1001')).toEqual({ found: false });
    expect(await ask('example.com', 'agent_1001')).toEqual({ found: false });
    expect(await ask(realmOf(t), 'agent_9999')).toEqual({ found: false });
    await json(await call(t.admin, 'POST', `/v1/users/${omar.id}/disable`));
    expect(await ask(realmOf(t), 'agent_1002')).toEqual({ found: false });
    await call(t.supervisor, 'DELETE', `/v1/agents/${t.agent.id}/sip-credentials`);
    expect(await ask(realmOf(t), 'agent_1001')).toEqual({ found: false });
  });

  it('refuses an unsigned, wrongly signed or malformed request', async () => {
    const t = await seedDialerTenant();
    const body = { node_id: 'n1', realm: realmOf(t), username: 'agent_1001' };
    const { SELF } = await import('cloudflare:test');
    const unsigned = await SELF.fetch('http://crier.test/internal/media/v1/sip-credentials', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(unsigned.status).toBe(401);
    expect((await signedPost('/internal/media/v1/sip-credentials', body, 'not-the-secret')).status).toBe(401);
    expect((await signedPost('/internal/media/v1/sip-credentials', { node_id: 'n1' })).status).toBe(400);
  });
});
