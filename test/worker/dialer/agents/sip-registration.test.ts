// Registrations reported by media nodes (CONTRACT-AGENTS §2-3) as the API
// shows them: GET /v1/agents/sip-registered exactly as the spec, and
// sip_registered in GET /v1/agents/state, in the same test as the report;
// refresh, unregister, expiry at read time, several nodes, stale boots, and a
// node lost or restarted taking its bindings with it (and a lost node asked
// for them again when it is heard from).
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { agentFloor } from '../../../../worker/src/durable/agent-floor/index.ts';
import { call, dialerProblem, seedDialerTenant } from '../../helpers/dialer.ts';
import { addUser, agentIn, floor } from './fixtures.ts';
import { BOOT, NODE, change, giveCredentials, realmOf, report, signedPost, sipRegistered } from './sip-fixtures.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('registrations → GET /v1/agents/sip-registered and /v1/agents/state', () => {
  it('a registration reported by a node is listed exactly as the spec, and sip_registered is true on the floor', async () => {
    const t = await seedDialerTenant();
    const omar = await addUser(t, { fullName: 'Omar Khalil' });
    await giveCredentials(t, t.agent, 'agent_1001');
    expect(await sipRegistered(t.supervisor)).toEqual({ registered: [], total_registered: 0, total_agents: 2 });
    await report([change(t, t.agent, 'agent_1001', { registeredAt: '2026-06-12T08:02:44Z' })]);
    const body = await sipRegistered(t.supervisor);
    expect(body).toEqual({
      registered: [{ agent_id: t.agent.id, sip_user: 'agent_1001', registered_at: '2026-06-12T08:02:44Z', user_agent: 'SIP.js/0.21.2' }],
      total_registered: 1,
      total_agents: 2,
    });
    expect(Object.keys(body.registered[0]!).sort()).toEqual(['agent_id', 'registered_at', 'sip_user', 'user_agent']);
    const state = await floor(t.supervisor);
    expect(agentIn(state, t.agent.id).sip_registered).toBe(true);
    expect(agentIn(state, omar.id).sip_registered).toBe(false);
    const binding = await agentFloor(env, t.tenantId).sipBinding(t.agent.id);
    expect(binding).toEqual({
      node_id: NODE,
      sip_user: 'agent_1001',
      realm: realmOf(t),
      contact: 'sip:agent_1001@192.0.2.10:5060',
      user_agent: 'SIP.js/0.21.2',
      registered_at: '2026-06-12T08:02:44Z',
      expires_at: expect.any(String),
    });
  });

  it('a refresh keeps registered_at and moves the expiry; unregister removes the agent from the list', async () => {
    const t = await seedDialerTenant();
    await report([change(t, t.agent, 'agent_1001', { expiresInMs: 60_000 })]);
    const first = (await agentFloor(env, t.tenantId).sipBinding(t.agent.id))!;
    await report([change(t, t.agent, 'agent_1001', { reason: 'refresh', expiresInMs: 120_000, userAgent: 'Zoiper 5' })]);
    const refreshed = (await agentFloor(env, t.tenantId).sipBinding(t.agent.id))!;
    expect(refreshed.registered_at).toBe(first.registered_at);
    expect(refreshed.expires_at > first.expires_at).toBe(true);
    expect((await sipRegistered(t.supervisor)).registered[0]!.user_agent).toBe('Zoiper 5');
    await report([change(t, t.agent, 'agent_1001', { state: 'unregistered' })]);
    expect(await sipRegistered(t.supervisor)).toMatchObject({ registered: [], total_registered: 0 });
    expect(agentIn(await floor(t.supervisor), t.agent.id).sip_registered).toBe(false);
    expect(await agentFloor(env, t.tenantId).sipBinding(t.agent.id)).toBeNull();
  });

  it('a binding past expires_at is not registered, though no unregister arrived', async () => {
    const t = await seedDialerTenant();
    await report([change(t, t.agent, 'agent_1001', { expiresInMs: 600 })]);
    expect((await sipRegistered(t.supervisor)).total_registered).toBe(1);
    await sleep(800);
    expect((await sipRegistered(t.supervisor)).total_registered).toBe(0);
    expect(agentIn(await floor(t.supervisor), t.agent.id).sip_registered).toBe(false);
    expect(await agentFloor(env, t.tenantId).sipBinding(t.agent.id)).toBeNull();
  });

  it('one batch may carry several tenants; each floor sees only its own agents', async () => {
    const a = await seedDialerTenant();
    const b = await seedDialerTenant();
    await report([change(a, a.agent, 'agent_1001'), change(b, b.agent, 'agent_1001')]);
    expect((await sipRegistered(a.supervisor)).registered.map((r) => r.agent_id)).toEqual([a.agent.id]);
    expect((await sipRegistered(b.supervisor)).registered.map((r) => r.agent_id)).toEqual([b.agent.id]);
  });

  it('a disabled agent is not listed and not counted', async () => {
    const t = await seedDialerTenant();
    const omar = await addUser(t, { fullName: 'Omar Khalil' });
    await report([change(t, t.agent, 'agent_1001'), change(t, omar, 'agent_1002')]);
    await call(t.admin, 'POST', `/v1/users/${omar.id}/disable`);
    expect(await sipRegistered(t.supervisor)).toMatchObject({ total_registered: 1, total_agents: 1 });
  });

  it('bindings on two nodes: unregistering on one leaves the other; the latest reported is where the agent is rung', async () => {
    const t = await seedDialerTenant();
    await report([change(t, t.agent, 'agent_1001', { contact: 'sip:a@192.0.2.1' })], 'node-a', BOOT);
    await report([change(t, t.agent, 'agent_1001', { contact: 'sip:a@192.0.2.2' })], 'node-b', BOOT);
    expect((await agentFloor(env, t.tenantId).sipBinding(t.agent.id))?.node_id).toBe('node-b');
    await report([change(t, t.agent, 'agent_1001', { state: 'unregistered' })], 'node-b', BOOT);
    expect((await agentFloor(env, t.tenantId).sipBinding(t.agent.id))?.node_id).toBe('node-a');
    expect((await sipRegistered(t.supervisor)).total_registered).toBe(1);
  });

  it('a report from a newer boot of a node drops the older boot\'s bindings; a late report from the older boot changes nothing', async () => {
    const t = await seedDialerTenant();
    const omar = await addUser(t, { fullName: 'Omar Khalil' });
    const node = 'node-boots';
    await report([change(t, t.agent, 'agent_1001'), change(t, omar, 'agent_1002')], node, '2026-06-12T08:00:00.000Z');
    await report([change(t, omar, 'agent_1002')], node, '2026-06-12T09:00:00.000Z');
    expect((await sipRegistered(t.supervisor)).registered.map((r) => r.agent_id)).toEqual([omar.id]);
    await report([change(t, t.agent, 'agent_1001')], node, '2026-06-12T08:00:00.000Z');
    expect((await sipRegistered(t.supervisor)).registered.map((r) => r.agent_id)).toEqual([omar.id]);
  });

  it('removing the credentials drops the agent\'s bindings at once; renaming the sip_user too; a new password keeps them', async () => {
    const t = await seedDialerTenant();
    const omar = await addUser(t, { fullName: 'Omar Khalil' });
    await giveCredentials(t, t.agent, 'agent_1001');
    await giveCredentials(t, omar, 'agent_1002');
    await report([change(t, t.agent, 'agent_1001'), change(t, omar, 'agent_1002')]);
    await giveCredentials(t, t.agent, 'agent_1001', 'a-brand-new-password');
    expect((await sipRegistered(t.supervisor)).total_registered).toBe(2);
    expect((await call(t.supervisor, 'DELETE', `/v1/agents/${t.agent.id}/sip-credentials`)).status).toBe(204);
    expect((await sipRegistered(t.supervisor)).registered.map((r) => r.agent_id)).toEqual([omar.id]);
    await giveCredentials(t, omar, 'omar.khalil');
    expect((await sipRegistered(t.supervisor)).total_registered).toBe(0);
    expect(agentIn(await floor(t.supervisor), omar.id).sip_registered).toBe(false);
  });

  it('is a supervisor route (an agent gets 403), and in the OpenAPI document', async () => {
    const t = await seedDialerTenant();
    await dialerProblem(await call(t.agent, 'GET', '/v1/agents/sip-registered'), 403);
    const doc = (await (await call(null, 'GET', '/v1/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v1/agents/sip-registered'] ?? {})).toEqual(['get']);
  });
});

describe('POST /internal/media/v1/registrations', () => {
  it('refuses unsigned, wrongly signed, stale and malformed reports, and records nothing from them', async () => {
    const t = await seedDialerTenant();
    const body = JSON.stringify({ node_id: NODE, started_at: BOOT, changes: [change(t, t.agent, 'agent_1001')] });
    const url = 'http://crier.test/internal/media/v1/registrations';
    expect((await SELF.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(401);
    const { signMessage } = await import('../../../../worker/src/media-protocol/index.ts');
    expect((await SELF.fetch(url, { method: 'POST', body, headers: await signMessage('not-the-secret', body) })).status).toBe(401);
    expect((await SELF.fetch(url, { method: 'POST', body, headers: await signMessage(env.MEDIA_SHARED_SECRET, body, Date.now() - 120_000) })).status).toBe(401);
    const bad = await signedPost('/internal/media/v1/registrations', { node_id: NODE, started_at: BOOT, changes: [{ ...change(t, t.agent, 'agent_1001'), state: 'maybe' }] });
    expect(bad.status).toBe(400);
    expect((await sipRegistered(t.supervisor)).total_registered).toBe(0);
  });
});

describe('a node that is lost or restarts takes its bindings with it', () => {
  const beat = (nodeId: string, startedAt: string) =>
    signedPost('/internal/media/v1/heartbeat', { node_id: nodeId, control_url: 'http://127.0.0.1:9', capacity: 0, live_calls: 0, draining: true, started_at: startedAt, version: 'test', sip_bindings: 1 });

  it('declared lost by MediaFleet (no heartbeat past the timeout): sip_registered false, not listed', async () => {
    const t = await seedDialerTenant();
    const nodeId = 'node-lost';
    expect((await beat(nodeId, BOOT)).status).toBe(200);
    await report([change(t, t.agent, 'agent_1001')], nodeId, BOOT);
    expect(agentIn(await floor(t.supervisor), t.agent.id).sip_registered).toBe(true);
    await sleep(3_000); // past the 2 s heartbeat timeout of the test config
    await expect.poll(async () => (await sipRegistered(t.supervisor)).total_registered, { timeout: 5_000 }).toBe(0);
    expect(agentIn(await floor(t.supervisor), t.agent.id).sip_registered).toBe(false);

    // The same boot heart-beats again (back from a partition, or heard late): its bindings were dropped, so its
    // answer asks for them all again; re-reported, the agent is registered again; the next beat does not ask.
    const back = await beat(nodeId, BOOT);
    expect(await back.json()).toMatchObject({ ok: true, report_registrations: true });
    await report([change(t, t.agent, 'agent_1001', { reason: 'refresh' })], nodeId, BOOT);
    expect(agentIn(await floor(t.supervisor), t.agent.id).sip_registered).toBe(true);
    expect(await (await beat(nodeId, BOOT)).json()).not.toHaveProperty('report_registrations');
  });

  it('heart-beating with a new started_at (a restart): the old boot\'s bindings are dropped', async () => {
    const t = await seedDialerTenant();
    const nodeId = 'node-restarts';
    expect((await beat(nodeId, BOOT)).status).toBe(200);
    await report([change(t, t.agent, 'agent_1001')], nodeId, BOOT);
    expect((await sipRegistered(t.supervisor)).total_registered).toBe(1);
    expect((await beat(nodeId, '2026-06-12T10:00:00.000Z')).status).toBe(200);
    expect((await sipRegistered(t.supervisor)).total_registered).toBe(0);
  });
});
