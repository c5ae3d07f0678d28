// agent.state_changed through emitDialerEvents: one event per change of
// state (client, supervisor, dialer, disable, role change), none for a
// request that changed nothing or was refused. Requests go to an app loaded
// afresh in this file with the emit module replaced by a recorder (SELF's
// Worker keeps the real module whatever vi.mock says), and setAgentOnCall is
// imported from the same fresh module graph.
import { createExecutionContext, env } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DialerEvent } from '../../../../worker/src/dialer-events/emit.ts';
import { seedDialerTenant, type SeededUser } from '../../helpers/dialer.ts';
import { BASE } from '../../helpers/tenant.ts';
import { addUser, type StateBody } from './fixtures.ts';

const emitted: DialerEvent[] = [];
let app: ReturnType<typeof import('../../../../worker/src/app.ts').buildApp>;
let setAgentOnCall: typeof import('../../../../worker/src/agents/agent-on-call.ts').setAgentOnCall;

beforeAll(async () => {
  vi.resetModules();
  vi.doMock('../../../../worker/src/dialer-events/emit.ts', () => ({
    emitDialerEvents: async (_env: unknown, events: DialerEvent[]) => {
      emitted.push(...events);
    },
  }));
  app = (await import('../../../../worker/src/app.ts')).buildApp();
  setAgentOnCall = (await import('../../../../worker/src/agents/agent-on-call.ts')).setAgentOnCall;
});
beforeEach(() => {
  emitted.length = 0;
});

const request = (who: SeededUser, method: string, path: string, body?: unknown) =>
  app.request(
    `${BASE}${path}`,
    { method, headers: { authorization: `Bearer ${who.token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined },
    env,
    createExecutionContext(),
  );

async function change(who: SeededUser, path: string, body: unknown, status = 200): Promise<StateBody> {
  const res = await request(who, 'POST', path, body);
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as StateBody;
}

const event = (t: { tenantId: string }, agent: SeededUser, fields: Record<string, unknown>) => ({
  type: 'agent.state_changed',
  tenantId: t.tenantId,
  correlationId: agent.id,
  occurredAt: fields.state_since,
  payload: { agent_id: agent.id, full_name: agent.fullName, reason: null, current_call_id: null, ...fields },
});

describe('agent.state_changed', () => {
  it('an agent changing their own state raises one event with the payload documented in docs/dialer-api.md', async () => {
    const t = await seedDialerTenant();
    const set = await change(t.agent, '/v1/agents/me/state', { state: 'break', reason: 'Short break' });
    expect(emitted).toEqual([
      event(t, t.agent, { state: 'break', previous_state: 'offline', reason: 'Short break', state_since: set.state_since, changed_by: t.agent.id }),
    ]);
    expect(Object.keys(emitted[0]!.payload).sort()).toEqual(['agent_id', 'changed_by', 'current_call_id', 'full_name', 'previous_state', 'reason', 'state', 'state_since']);
  });

  it("a supervisor's change names the supervisor in changed_by", async () => {
    const t = await seedDialerTenant();
    const set = await change(t.supervisor, `/v1/agents/${t.agent.id}/state`, { state: 'training' });
    expect(emitted).toEqual([event(t, t.agent, { state: 'training', previous_state: 'offline', state_since: set.state_since, changed_by: t.supervisor.id })]);
  });

  it('a repeat of the current state, a refused change and a bad body raise nothing', async () => {
    const t = await seedDialerTenant();
    const omar = await addUser(t, { fullName: 'Omar Khalil' });
    await change(t.agent, '/v1/agents/me/state', { state: 'available' });
    emitted.length = 0;
    await change(t.agent, '/v1/agents/me/state', { state: 'available', reason: 'again' });
    await change(t.agent, `/v1/agents/${omar.id}/state`, { state: 'break' }, 403);
    await change(t.agent, '/v1/agents/me/state', { state: 'on_call' }, 400);
    await change(t.supervisor, '/v1/agents/me/state', { state: 'available' }, 403);
    await change(t.supervisor, `/v1/agents/${crypto.randomUUID()}/state`, { state: 'available' }, 404);
    await setAgentOnCall(env, t.tenantId, t.agent.id, 'call-1');
    emitted.length = 0;
    await change(t.agent, '/v1/agents/me/state', { state: 'break' }, 409);
    expect(emitted).toEqual([]);
  });

  it('the dialer bridging and ending a call raise on_call (with the call) and the return, changed_by null', async () => {
    const t = await seedDialerTenant();
    await change(t.agent, '/v1/agents/me/state', { state: 'available' });
    emitted.length = 0;
    const onCall = await setAgentOnCall(env, t.tenantId, t.agent.id, 'call-7');
    const back = await setAgentOnCall(env, t.tenantId, t.agent.id, null);
    await setAgentOnCall(env, t.tenantId, t.agent.id, null);
    expect(emitted).toEqual([
      event(t, t.agent, { state: 'on_call', previous_state: 'available', state_since: onCall!.stateSince, current_call_id: 'call-7', changed_by: null }),
      event(t, t.agent, { state: 'available', previous_state: 'on_call', state_since: back!.stateSince, changed_by: null }),
    ]);
  });

  it('disabling an agent raises their move to offline (reason "User disabled", by the admin); enabling raises nothing', async () => {
    const t = await seedDialerTenant();
    await change(t.agent, '/v1/agents/me/state', { state: 'available' });
    emitted.length = 0;
    expect((await request(t.admin, 'POST', `/v1/users/${t.agent.id}/disable`)).status).toBe(200);
    expect(emitted).toEqual([
      event(t, t.agent, { state: 'offline', previous_state: 'available', reason: 'User disabled', state_since: expect.any(String), changed_by: t.admin.id }),
    ]);
    expect((await request(t.admin, 'POST', `/v1/users/${t.agent.id}/disable`)).status).toBe(200);
    expect((await request(t.admin, 'POST', `/v1/users/${t.agent.id}/enable`)).status).toBe(200);
    expect(emitted).toHaveLength(1);
  });

  it('a role change away from agent raises the move to offline; an agent already offline leaves without an event', async () => {
    const t = await seedDialerTenant();
    const omar = await addUser(t, { fullName: 'Omar Khalil' });
    await change(t.agent, '/v1/agents/me/state', { state: 'lunch' });
    emitted.length = 0;
    expect((await request(t.admin, 'PATCH', `/v1/users/${t.agent.id}`, { role: 'supervisor' })).status).toBe(200);
    expect((await request(t.admin, 'PATCH', `/v1/users/${omar.id}`, { role: 'admin' })).status).toBe(200);
    expect((await request(t.admin, 'PATCH', `/v1/users/${t.supervisor.id}`, { full_name: 'Samir S.' })).status).toBe(200);
    expect(emitted).toEqual([
      event(t, t.agent, { state: 'offline', previous_state: 'lunch', reason: 'Role changed to supervisor', state_since: expect.any(String), changed_by: t.admin.id }),
    ]);
  });
});
