// GET /v1/agents/state: the documented body exactly, who is on the floor
// (enabled users with role agent), state_since, the summary's arithmetic,
// the team filter, roles and tenant isolation.
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, dialerProblem, seedDialerTenant } from '../../helpers/dialer.ts';
import { BASE } from '../../helpers/tenant.ts';
import { setAgentOnCall } from '../../../../worker/src/agents/agent-on-call.ts';
import { addUser, agentIn, floor, json, setMyState } from './fixtures.ts';

const AGENT_KEYS = ['calls_today', 'current_call_id', 'full_name', 'id', 'sip_registered', 'state', 'state_since', 'talk_time_today_seconds'];

describe('GET /v1/agents/state', () => {
  it('answers the documented body: agents[] with exactly the spec fields, and the four-key summary', async () => {
    const t = await seedDialerTenant();
    await setMyState(t.agent, 'available');
    const body = await floor(t.supervisor);
    expect(Object.keys(body).sort()).toEqual(['agents', 'summary']);
    expect(Object.keys(body.summary).sort()).toEqual(['available', 'break', 'offline', 'on_call', 'total']);
    expect(body.agents).toHaveLength(1);
    const layla = body.agents[0]!;
    expect(Object.keys(layla).sort()).toEqual(AGENT_KEYS);
    expect(layla).toEqual({
      id: t.agent.id,
      full_name: 'Layla Ahmed',
      state: 'available',
      state_since: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      sip_registered: false,
      current_call_id: null,
      calls_today: 0,
      talk_time_today_seconds: 0,
    });
    expect(body.summary).toEqual({ total: 1, available: 1, on_call: 0, break: 0, offline: 0 });
  });

  it('lists only enabled agents of the tenant: supervisors, admins, disabled agents and other tenants are not on it', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const omar = await addUser(t, { fullName: 'Omar Khalil' });
    const gone = await addUser(t, { fullName: 'Gone Agent' });
    await json(await call(t.admin, 'POST', `/v1/users/${gone.id}/disable`));
    const body = await floor(t.admin);
    expect(body.agents.map((a) => a.id).sort()).toEqual([t.agent.id, omar.id].sort());
    expect(body.agents.some((a) => a.id === other.agent.id)).toBe(false);
    expect(body.summary.total).toBe(2);
  });

  it('orders agents by name (case-insensitive), then id', async () => {
    const t = await seedDialerTenant();
    const zed = await addUser(t, { fullName: 'zed Zayed' });
    const amal = await addUser(t, { fullName: 'Amal Haddad' });
    const body = await floor(t.supervisor);
    expect(body.agents.map((a) => a.id)).toEqual([amal.id, t.agent.id, zed.id]);
  });

  it('an agent never set is offline since the user was created', async () => {
    const t = await seedDialerTenant();
    const createdAt = '2026-01-05T07:30:00.000Z';
    const fresh = await addUser(t, { createdAt });
    expect(agentIn(await floor(t.supervisor), fresh.id)).toMatchObject({ state: 'offline', state_since: createdAt, current_call_id: null });
  });

  it('state_since is the instant of the change that made the state, and does not move on a repeat of it', async () => {
    const t = await seedDialerTenant();
    const before = Date.now();
    const set = await setMyState(t.agent, 'break', 'Short break');
    const after = Date.now();
    expect(Date.parse(set.state_since)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(set.state_since)).toBeLessThanOrEqual(after);
    expect(agentIn(await floor(t.supervisor), t.agent.id)).toMatchObject({ state: 'break', state_since: set.state_since });
    await new Promise((r) => setTimeout(r, 5));
    const again = await setMyState(t.agent, 'break', 'Still on break');
    expect(again).toEqual({ agent_id: t.agent.id, state: 'break', state_since: set.state_since, reason: 'Short break' });
    const next = await setMyState(t.agent, 'available');
    expect(next.state_since > set.state_since).toBe(true);
    expect(agentIn(await floor(t.supervisor), t.agent.id).state_since).toBe(next.state_since);
  });

  it('summary: every state counted once; lunch and training count as break; the four add up to total', async () => {
    const t = await seedDialerTenant();
    const agents = await Promise.all(Array.from({ length: 8 }, (_, i) => addUser(t, { fullName: `Agent ${i}` })));
    const states = ['available', 'available', 'break', 'lunch', 'training', 'offline', 'available', 'break'];
    await Promise.all(agents.map((a, i) => setMyState(a, states[i]!)));
    await setAgentOnCall(env, t.tenantId, agents[6]!.id, crypto.randomUUID());
    // Layla (seeded, never set) is offline.
    const body = await floor(t.supervisor);
    expect(body.summary).toEqual({ total: 9, available: 2, on_call: 1, break: 4, offline: 2 });
    const s = body.summary;
    expect(s.available + s.on_call + s.break + s.offline).toBe(s.total);
    expect(body.agents.filter((a) => a.state === 'lunch').map((a) => a.id)).toEqual([agents[3]!.id]);
    expect(body.agents.filter((a) => a.state === 'training').map((a) => a.id)).toEqual([agents[4]!.id]);
  });

  it('an on_call agent shows the call and since when', async () => {
    const t = await seedDialerTenant();
    await setMyState(t.agent, 'available');
    const callId = crypto.randomUUID();
    const record = await setAgentOnCall(env, t.tenantId, t.agent.id, callId);
    expect(agentIn(await floor(t.supervisor), t.agent.id)).toMatchObject({ state: 'on_call', current_call_id: callId, state_since: record!.stateSince });
  });

  it('?team_id= keeps the agents of that team, and the summary counts only them', async () => {
    const t = await seedDialerTenant();
    const north = await Promise.all([addUser(t, { teamId: 'north' }), addUser(t, { teamId: 'north' })]);
    await addUser(t, { teamId: 'south' });
    await setMyState(north[0]!, 'available');
    const body = await floor(t.supervisor, '?team_id=north');
    expect(body.agents.map((a) => a.id).sort()).toEqual(north.map((a) => a.id).sort());
    expect(body.summary).toEqual({ total: 2, available: 1, on_call: 0, break: 0, offline: 1 });
    expect(await floor(t.supervisor, '?team_id=nobody')).toEqual({ agents: [], summary: { total: 0, available: 0, on_call: 0, break: 0, offline: 0 } });
    // A team is matched within the caller's tenant only.
    const other = await seedDialerTenant();
    await addUser(other, { teamId: 'north' });
    expect((await floor(t.supervisor, '?team_id=north')).summary.total).toBe(2);
  });

  it('a team_id that is empty or too long is a 400', async () => {
    const t = await seedDialerTenant();
    await dialerProblem(await call(t.supervisor, 'GET', '/v1/agents/state?team_id='), 400);
    await dialerProblem(await call(t.supervisor, 'GET', `/v1/agents/state?team_id=${'x'.repeat(65)}`), 400);
  });

  it('supervisors and admins may read it; an agent gets 403; no token 401', async () => {
    const t = await seedDialerTenant();
    expect((await call(t.admin, 'GET', '/v1/agents/state')).status).toBe(200);
    const p = await dialerProblem(await call(t.agent, 'GET', '/v1/agents/state'), 403);
    expect(p.type).toBe('https://engage.broadnet.me/errors/forbidden');
    await dialerProblem(await call(t.agent, 'GET', '/v1/agents/state?team_id='), 403);
    await dialerProblem(await call(null, 'GET', '/v1/agents/state'), 401);
  });

  it('a disabled agent leaves the floor; enabled again they are back, offline', async () => {
    const t = await seedDialerTenant();
    await setMyState(t.agent, 'available');
    await json(await call(t.admin, 'POST', `/v1/users/${t.agent.id}/disable`));
    expect((await floor(t.supervisor)).agents).toEqual([]);
    await json(await call(t.admin, 'POST', `/v1/users/${t.agent.id}/enable`));
    const back = agentIn(await floor(t.supervisor), t.agent.id);
    expect(back.state).toBe('offline');
  });

  it('a role change away from agent takes them off the floor; back to agent, they are on it again, offline', async () => {
    const t = await seedDialerTenant();
    await setMyState(t.agent, 'training');
    await json(await call(t.admin, 'PATCH', `/v1/users/${t.agent.id}`, { role: 'supervisor' }));
    expect((await floor(t.supervisor)).agents).toEqual([]);
    await json(await call(t.admin, 'PATCH', `/v1/users/${t.agent.id}`, { role: 'agent' }));
    expect(agentIn(await floor(t.supervisor), t.agent.id).state).toBe('offline');
  });

  it('is in the OpenAPI document with the state and SIP registration routes', async () => {
    const doc = (await (await SELF.fetch(`${BASE}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented).toEqual(expect.arrayContaining(['GET /v1/agents/state', 'POST /v1/agents/me/state', 'POST /v1/agents/{id}/state', 'GET /v1/agents/sip-registered']));
  });
});
