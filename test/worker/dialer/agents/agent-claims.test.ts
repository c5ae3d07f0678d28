// The state follows the calls: claimAgentForCall / releaseAgentFromCall (the
// doors originate and campaign bridging use) against the real AgentFloor:
// on_call with current_call_id while the call is theirs, busy and
// not-registered refusals, back to the state before after it, one
// agent.state_changed per change, and calls_today / talk_time_today_seconds
// from the calls rows the dialer writes. The emit module is replaced by a
// recorder in a fresh module graph (as in agent-events.test.ts).
import { createExecutionContext, env } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DialerEvent } from '../../../../worker/src/dialer-events/emit.ts';
import type * as OnCall from '../../../../worker/src/agents/agent-on-call.ts';
import { uuidv7 } from '../../../../worker/src/ids/uuid-v7.ts';
import { seedDialerTenant, type DialerTenant, type SeededUser } from '../../helpers/dialer.ts';
import { BASE } from '../../helpers/tenant.ts';
import { addUser, agentIn, iso, recordAgentCall, setMyState, type FloorBody } from './fixtures.ts';
import { change, report } from './sip-fixtures.ts';

const emitted: DialerEvent[] = [];
let onCall: typeof OnCall;
let app: ReturnType<typeof import('../../../../worker/src/app.ts').buildApp>;

beforeAll(async () => {
  vi.resetModules();
  vi.doMock('../../../../worker/src/dialer-events/emit.ts', () => ({
    emitDialerEvents: async (_env: unknown, events: DialerEvent[]) => {
      emitted.push(...events);
    },
  }));
  onCall = await import('../../../../worker/src/agents/agent-on-call.ts');
  app = (await import('../../../../worker/src/app.ts')).buildApp();
});
beforeEach(() => {
  emitted.length = 0;
});

async function floorOf(who: SeededUser): Promise<FloorBody> {
  const res = await app.request(`${BASE}/v1/agents/state`, { headers: { authorization: `Bearer ${who.token}` } }, env, createExecutionContext());
  expect(res.status).toBe(200);
  return (await res.json()) as FloorBody;
}

async function registered(t: DialerTenant, agent: SeededUser, sipUser = 'agent_1001') {
  await report([change(t, agent, sipUser)], 'node-claims', '2026-06-12T08:00:00.000Z');
}

describe('claimAgentForCall / releaseAgentFromCall', () => {
  it('a registered agent is claimed: on_call with current_call_id, the binding answered; released: back to available', async () => {
    const t = await seedDialerTenant();
    await setMyState(t.agent, 'available');
    await registered(t, t.agent);
    emitted.length = 0;
    const callId = uuidv7();
    const claim = await onCall.claimAgentForCall(env, t.tenantId, t.agent.id, callId);
    expect(claim).toMatchObject({ ok: true, record: { state: 'on_call', currentCallId: callId, preCallState: 'available' }, binding: { node_id: 'node-claims', sip_user: 'agent_1001' } });
    expect(agentIn(await floorOf(t.supervisor), t.agent.id)).toMatchObject({ state: 'on_call', current_call_id: callId, sip_registered: true });
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ type: 'agent.state_changed', correlationId: t.agent.id, payload: { state: 'on_call', previous_state: 'available', current_call_id: callId, changed_by: null } });

    const after = await onCall.releaseAgentFromCall(env, t.tenantId, t.agent.id, callId);
    expect(after).toMatchObject({ state: 'available', currentCallId: null });
    expect(agentIn(await floorOf(t.supervisor), t.agent.id)).toMatchObject({ state: 'available', current_call_id: null });
    expect(emitted.map((e) => (e.payload as { state: string }).state)).toEqual(['on_call', 'available']);
    // Releasing again changes nothing and says nothing.
    await onCall.releaseAgentFromCall(env, t.tenantId, t.agent.id, callId);
    expect(emitted).toHaveLength(2);
  });

  it('busy: a second call for an agent on a call is refused (409 agent-busy), the first call kept; claiming the same call again is fine', async () => {
    const t = await seedDialerTenant();
    await registered(t, t.agent);
    const first = uuidv7();
    expect((await onCall.claimAgentForCall(env, t.tenantId, t.agent.id, first)).ok).toBe(true);
    const second = await onCall.claimAgentForCall(env, t.tenantId, t.agent.id, uuidv7());
    expect(second).toMatchObject({ ok: false, refusal: 'busy', currentCallId: first });
    if (second.ok) throw new Error('unreachable');
    expect(onCall.claimRefusalProblem(t.agent.id, second).init).toMatchObject({ status: 409, slug: 'agent-busy' });
    expect(agentIn(await floorOf(t.supervisor), t.agent.id).current_call_id).toBe(first);
    expect((await onCall.claimAgentForCall(env, t.tenantId, t.agent.id, first)).ok).toBe(true);
  });

  it('an agent state request while on the claimed call is 409 for the agent; the end of an older call does not end the current one', async () => {
    const t = await seedDialerTenant();
    await registered(t, t.agent);
    const old = uuidv7();
    await onCall.claimAgentForCall(env, t.tenantId, t.agent.id, old);
    await onCall.releaseAgentFromCall(env, t.tenantId, t.agent.id, old);
    const current = uuidv7();
    await onCall.claimAgentForCall(env, t.tenantId, t.agent.id, current);
    const res = await app.request(`${BASE}/v1/agents/me/state`, { method: 'POST', headers: { authorization: `Bearer ${t.agent.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ state: 'break' }) }, env, createExecutionContext());
    expect(res.status).toBe(409);
    await onCall.releaseAgentFromCall(env, t.tenantId, t.agent.id, old);
    expect(agentIn(await floorOf(t.supervisor), t.agent.id)).toMatchObject({ state: 'on_call', current_call_id: current });
  });

  it('not registered (never, or expired) is refused (409 agent-not-registered) and changes nothing, unless registration is not required', async () => {
    const t = await seedDialerTenant();
    await setMyState(t.agent, 'available');
    emitted.length = 0;
    const refused = await onCall.claimAgentForCall(env, t.tenantId, t.agent.id, uuidv7());
    expect(refused).toMatchObject({ ok: false, refusal: 'not_registered' });
    if (refused.ok) throw new Error('unreachable');
    expect(onCall.claimRefusalProblem(t.agent.id, refused).init).toMatchObject({ status: 409, slug: 'agent-not-registered' });
    expect(agentIn(await floorOf(t.supervisor), t.agent.id).state).toBe('available');
    expect(emitted).toEqual([]);
    expect(await onCall.claimAgentForCall(env, t.tenantId, t.agent.id, uuidv7(), { requireRegistered: false })).toMatchObject({ ok: true, binding: null });
  });

  it('someone who is not an enabled agent of the tenant: no_such_agent (404)', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    for (const id of [t.supervisor.id, other.agent.id, uuidv7()]) {
      const claim = await onCall.claimAgentForCall(env, t.tenantId, id, uuidv7());
      expect(claim).toMatchObject({ ok: false, refusal: 'no_such_agent' });
      if (!claim.ok) expect(onCall.claimRefusalProblem(id, claim).init.status).toBe(404);
    }
    expect(await onCall.releaseAgentFromCall(env, t.tenantId, other.agent.id, uuidv7())).toBeNull();
  });

  it('two claims for one agent at once: exactly one wins', async () => {
    const t = await seedDialerTenant();
    await registered(t, t.agent);
    const results = await Promise.all([uuidv7(), uuidv7(), uuidv7()].map((id) => onCall.claimAgentForCall(env, t.tenantId, t.agent.id, id)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.refusal === 'busy')).toHaveLength(2);
  });

  it('calls_today and talk_time_today_seconds count the calls rows the dialer writes with the agent', async () => {
    const t = await seedDialerTenant({ timezone: 'UTC' });
    const omar = await addUser(t, { fullName: 'Omar Khalil' });
    const now = Date.now();
    const start = Math.max(Date.parse(new Date(now).toISOString().slice(0, 10)), now - 3_600_000);
    await recordAgentCall(t, t.agent.id, { startedAt: iso(start), answeredAt: iso(start + 10_000), endedAt: iso(start + 70_000) });
    await recordAgentCall(t, t.agent.id, { startedAt: iso(start + 1000), answeredAt: null, endedAt: iso(start + 20_000), status: 'no_answer' });
    await recordAgentCall(t, t.agent.id, { startedAt: iso(start + 2000), status: 'in_progress' }); // in progress: not yet counted
    const body = await floorOf(t.supervisor);
    expect(agentIn(body, t.agent.id)).toMatchObject({ calls_today: 2, talk_time_today_seconds: 60 });
    expect(agentIn(body, omar.id)).toMatchObject({ calls_today: 0, talk_time_today_seconds: 0 });
  });
});
