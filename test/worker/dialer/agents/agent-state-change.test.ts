// POST /v1/agents/me/state and POST /v1/agents/{id}/state: the documented
// 200 body, what may be set by whom (on_call never, another agent's only by a
// supervisor), the on-call guard and its supervisor override, the dialer's
// setAgentOnCall, body rules, roles and tenant isolation.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, dialerProblem, seedDialerTenant } from '../../helpers/dialer.ts';
import { setAgentOnCall } from '../../../../worker/src/agents/agent-on-call.ts';
import { agentFloor } from '../../../../worker/src/durable/agent-floor/index.ts';
import { addUser, agentIn, floor, json, setAgentState, setMyState, type StateBody } from './fixtures.ts';

describe('POST /v1/agents/me/state', () => {
  it('answers exactly the documented body', async () => {
    const t = await seedDialerTenant();
    const res = await call(t.agent, 'POST', '/v1/agents/me/state', { state: 'break', reason: 'Short break' });
    const body = await json<StateBody>(res);
    expect(Object.keys(body).sort()).toEqual(['agent_id', 'reason', 'state', 'state_since']);
    expect(body).toEqual({ agent_id: t.agent.id, state: 'break', state_since: expect.any(String), reason: 'Short break' });
  });

  it.each(['available', 'break', 'lunch', 'training', 'offline'])('an agent can set %s', async (state) => {
    const t = await seedDialerTenant();
    if (state === 'offline') await setMyState(t.agent, 'available');
    expect(await setMyState(t.agent, state)).toMatchObject({ state, reason: null });
    expect(agentIn(await floor(t.supervisor), t.agent.id).state).toBe(state);
  });

  it('reason: trimmed; omitted, null or blank means none; longer than 500 is a 400', async () => {
    const t = await seedDialerTenant();
    expect((await setMyState(t.agent, 'break', '  Prayer  ')).reason).toBe('Prayer');
    expect((await setMyState(t.agent, 'available', '   ')).reason).toBeNull();
    expect((await json<StateBody>(await call(t.agent, 'POST', '/v1/agents/me/state', { state: 'lunch', reason: null }))).reason).toBeNull();
    const p = await dialerProblem(await call(t.agent, 'POST', '/v1/agents/me/state', { state: 'break', reason: 'x'.repeat(501) }), 400);
    expect(p.field).toBe('/reason');
  });

  it('on_call cannot be set by a client: 400 on /state saying the dialer sets it', async () => {
    const t = await seedDialerTenant();
    const p = await dialerProblem(await call(t.agent, 'POST', '/v1/agents/me/state', { state: 'on_call' }), 400);
    expect(p.field).toBe('/state');
    expect(p.detail).toContain('on_call is set by the dialer');
    expect(agentIn(await floor(t.supervisor), t.agent.id).state).toBe('offline');
  });

  it('bad bodies: unknown state, missing state, unknown key, wrong type (400); tenant_id (422); not JSON (415)', async () => {
    const t = await seedDialerTenant();
    for (const body of [{ state: 'asleep' }, {}, { state: 'break', mood: 'tired' }, { state: 7 }, { state: 'break', reason: 12 }]) {
      await dialerProblem(await call(t.agent, 'POST', '/v1/agents/me/state', body), 400);
    }
    const p = await dialerProblem(await call(t.agent, 'POST', '/v1/agents/me/state', { state: 'break', tenant_id: t.tenantId }), 422);
    expect(p.type).toBe('https://engage.broadnet.me/errors/tenant-id-not-allowed');
    await dialerProblem(await call(t.agent, 'POST', '/v1/agents/me/state', 'state=break', { 'content-type': 'text/plain' }), 415);
  });

  it('supervisors and admins have no state of their own: 403 not-an-agent', async () => {
    const t = await seedDialerTenant();
    for (const who of [t.supervisor, t.admin]) {
      const p = await dialerProblem(await call(who, 'POST', '/v1/agents/me/state', { state: 'available' }), 403);
      expect(p.type).toBe('https://engage.broadnet.me/errors/not-an-agent');
    }
  });

  it('without a token: 401', async () => {
    await dialerProblem(await call(null, 'POST', '/v1/agents/me/state', { state: 'available' }), 401);
  });

  it('a disabled agent cannot set a state (their token stops working)', async () => {
    const t = await seedDialerTenant();
    await json(await call(t.admin, 'POST', `/v1/users/${t.agent.id}/disable`));
    await dialerProblem(await call(t.agent, 'POST', '/v1/agents/me/state', { state: 'available' }), 401);
  });
});

describe('POST /v1/agents/{id}/state', () => {
  it("a supervisor or admin changes an agent's state: the documented body", async () => {
    const t = await seedDialerTenant();
    const body = await setAgentState(t.supervisor, t.agent.id, 'training', 'Compliance refresher');
    expect(body).toEqual({ agent_id: t.agent.id, state: 'training', state_since: expect.any(String), reason: 'Compliance refresher' });
    expect((await setAgentState(t.admin, t.agent.id, 'available')).state).toBe('available');
    expect(agentIn(await floor(t.supervisor), t.agent.id).state).toBe('available');
  });

  it("an agent cannot change another agent's state: 403, and nothing changes", async () => {
    const t = await seedDialerTenant();
    const omar = await addUser(t, { fullName: 'Omar Khalil' });
    const p = await dialerProblem(await call(t.agent, 'POST', `/v1/agents/${omar.id}/state`, { state: 'break' }), 403);
    expect(p.type).toBe('https://engage.broadnet.me/errors/forbidden');
    expect(agentIn(await floor(t.supervisor), omar.id).state).toBe('offline');
  });

  it('an agent may name themselves (the same as /me)', async () => {
    const t = await seedDialerTenant();
    expect(await setAgentState(t.agent, t.agent.id, 'lunch')).toMatchObject({ agent_id: t.agent.id, state: 'lunch' });
  });

  it("another tenant's agent is 404, and their state is untouched", async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    await setMyState(other.agent, 'available');
    const p = await dialerProblem(await call(t.supervisor, 'POST', `/v1/agents/${other.agent.id}/state`, { state: 'offline' }), 404);
    expect(p.type).toBe('https://engage.broadnet.me/errors/not-found');
    expect(agentIn(await floor(other.supervisor), other.agent.id).state).toBe('available');
  });

  it('a user who is not an enabled agent (supervisor, admin, disabled agent, unknown id) is 404', async () => {
    const t = await seedDialerTenant();
    const gone = await addUser(t);
    await json(await call(t.admin, 'POST', `/v1/users/${gone.id}/disable`));
    for (const id of [t.supervisor.id, t.admin.id, gone.id, crypto.randomUUID(), 'x'.repeat(64)]) {
      await dialerProblem(await call(t.supervisor, 'POST', `/v1/agents/${id}/state`, { state: 'available' }), 404);
    }
  });

  it('on_call cannot be set here either (400), and the body rules are the same', async () => {
    const t = await seedDialerTenant();
    await dialerProblem(await call(t.supervisor, 'POST', `/v1/agents/${t.agent.id}/state`, { state: 'on_call' }), 400);
    await dialerProblem(await call(t.supervisor, 'POST', `/v1/agents/${t.agent.id}/state`, { state: 'break', tenant_id: 'x' }), 422);
  });

  it('without a token: 401', async () => {
    const t = await seedDialerTenant();
    await dialerProblem(await call(null, 'POST', `/v1/agents/${t.agent.id}/state`, { state: 'available' }), 401);
  });
});

describe('on_call: set by the dialer only (setAgentOnCall)', () => {
  it('bridging a call makes the agent on_call; the end of the call restores the state before it, reason included', async () => {
    const t = await seedDialerTenant();
    await setMyState(t.agent, 'training', 'Shadowing');
    const callId = crypto.randomUUID();
    const onCall = await setAgentOnCall(env, t.tenantId, t.agent.id, callId);
    expect(onCall).toMatchObject({ state: 'on_call', currentCallId: callId, reason: null, changedBy: null });
    const ended = await setAgentOnCall(env, t.tenantId, t.agent.id, null);
    expect(ended).toMatchObject({ state: 'training', reason: 'Shadowing', currentCallId: null });
    expect(ended!.stateSince > onCall!.stateSince || ended!.stateSince === onCall!.stateSince).toBe(true);
    expect(agentIn(await floor(t.supervisor), t.agent.id)).toMatchObject({ state: 'training', current_call_id: null, state_since: ended!.stateSince });
  });

  it('the same call again changes nothing; a next call is a new on_call period; an end while not on a call changes nothing', async () => {
    const t = await seedDialerTenant();
    await setMyState(t.agent, 'available');
    const first = await setAgentOnCall(env, t.tenantId, t.agent.id, 'call-1');
    await new Promise((r) => setTimeout(r, 5));
    expect(await setAgentOnCall(env, t.tenantId, t.agent.id, 'call-1')).toEqual(first);
    const second = await setAgentOnCall(env, t.tenantId, t.agent.id, 'call-2');
    expect(second).toMatchObject({ state: 'on_call', currentCallId: 'call-2', preCallState: 'available' });
    expect(second!.stateSince > first!.stateSince).toBe(true);
    const back = await setAgentOnCall(env, t.tenantId, t.agent.id, null);
    expect(back).toMatchObject({ state: 'available' });
    expect(await setAgentOnCall(env, t.tenantId, t.agent.id, null)).toEqual(back);
  });

  it('while on a call the agent cannot change state (409 agent-on-call); a supervisor can, which clears the call', async () => {
    const t = await seedDialerTenant();
    await setMyState(t.agent, 'available');
    await setAgentOnCall(env, t.tenantId, t.agent.id, 'call-9');
    const p = await dialerProblem(await call(t.agent, 'POST', '/v1/agents/me/state', { state: 'break' }), 409);
    expect(p.type).toBe('https://engage.broadnet.me/errors/agent-on-call');
    await dialerProblem(await call(t.agent, 'POST', `/v1/agents/${t.agent.id}/state`, { state: 'offline' }), 409);
    expect(agentIn(await floor(t.supervisor), t.agent.id)).toMatchObject({ state: 'on_call', current_call_id: 'call-9' });
    const forced = await setAgentState(t.supervisor, t.agent.id, 'offline', 'Stuck call');
    expect(forced).toMatchObject({ state: 'offline', reason: 'Stuck call' });
    expect(agentIn(await floor(t.supervisor), t.agent.id)).toMatchObject({ state: 'offline', current_call_id: null });
    // The dialer's late end of that call finds no call and changes nothing.
    expect(await setAgentOnCall(env, t.tenantId, t.agent.id, null)).toMatchObject({ state: 'offline', reason: 'Stuck call' });
  });

  it('bridging to someone who is not an enabled agent of the tenant is refused; a call ending for them is a no-op', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    await expect(setAgentOnCall(env, t.tenantId, other.agent.id, 'c')).rejects.toMatchObject({ init: { status: 404 } });
    await expect(setAgentOnCall(env, t.tenantId, t.supervisor.id, 'c')).rejects.toMatchObject({ init: { status: 404 } });
    expect(await setAgentOnCall(env, t.tenantId, other.agent.id, null)).toBeNull();
  });

  it('disabling an agent on a call takes them off it and offline; the end of the call later changes nothing', async () => {
    const t = await seedDialerTenant();
    await setMyState(t.agent, 'available');
    await setAgentOnCall(env, t.tenantId, t.agent.id, 'call-5');
    await json(await call(t.admin, 'POST', `/v1/users/${t.agent.id}/disable`));
    const snapshot = await agentFloor(env, t.tenantId).snapshot();
    expect(snapshot[t.agent.id]).toMatchObject({ state: 'offline', currentCallId: null, removed: true, reason: 'User disabled', changedBy: t.admin.id });
    expect(await setAgentOnCall(env, t.tenantId, t.agent.id, null)).toBeNull();
  });
});

describe('the AgentFloor object', () => {
  it('keeps a history row per change of state, newest first, whose last at is the state_since', async () => {
    const t = await seedDialerTenant();
    await setMyState(t.agent, 'available');
    await setMyState(t.agent, 'available');
    await setAgentOnCall(env, t.tenantId, t.agent.id, 'call-1');
    await setAgentOnCall(env, t.tenantId, t.agent.id, null);
    const last = await setAgentState(t.supervisor, t.agent.id, 'break', 'Coffee');
    const history = await agentFloor(env, t.tenantId).history(t.agent.id);
    expect(history.map((h) => [h.previousState, h.state, h.callId, h.changedBy])).toEqual([
      ['available', 'break', null, t.supervisor.id],
      ['on_call', 'available', null, null],
      ['available', 'on_call', 'call-1', null],
      ['offline', 'available', null, t.agent.id],
    ]);
    expect(history[0]!.at).toBe(last.state_since);
    expect(history[0]!.reason).toBe('Coffee');
  });

  it('once an agent is removed (disabled), a change that was already on its way is refused: no way back onto the floor until re-admitted', async () => {
    const t = await seedDialerTenant();
    const floorObject = agentFloor(env, t.tenantId);
    await floorObject.apply(t.agent.id, '2026-01-01T00:00:00.000Z', { kind: 'remove', reason: 'User disabled', by: t.admin.id });
    const late = await floorObject.apply(t.agent.id, '2026-01-01T00:00:00.000Z', { kind: 'set', state: 'available', reason: null, by: t.agent.id, override: false });
    expect(late).toMatchObject({ outcome: 'refused', why: 'not_on_floor', record: { state: 'offline', removed: true, stateSince: '2026-01-01T00:00:00.000Z' } });
    await floorObject.apply(t.agent.id, '2026-01-01T00:00:00.000Z', { kind: 'admit' });
    expect(await setMyState(t.agent, 'available')).toMatchObject({ state: 'available' });
  });

  it('concurrent changes of one agent are applied one at a time: the floor ends in the state of the last history row', async () => {
    const t = await seedDialerTenant();
    const states = ['available', 'break', 'lunch', 'training', 'offline', 'available', 'break', 'lunch'];
    const answers = await Promise.all(states.map((s) => setMyState(t.agent, s)));
    expect(answers.map((a) => a.state)).toEqual(states);
    const history = await agentFloor(env, t.tenantId).history(t.agent.id);
    const current = agentIn(await floor(t.supervisor), t.agent.id);
    expect(current.state).toBe(history[0]!.state);
    expect(current.state_since).toBe(history[0]!.at);
    // Each row starts from the state the previous row left.
    for (let i = 0; i < history.length - 1; i++) expect(history[i]!.previousState).toBe(history[i + 1]!.state);
  });
});
