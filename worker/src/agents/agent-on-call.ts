/**
 * The dialer's door to the floor (originate, campaign bridging): an agent is
 * `on_call` from the moment the dialer takes them for a call (before their
 * phone rings, so nobody else can take them meanwhile) until that call is
 * over for them, then back to the state they were in before it
 * (docs/dialer-api.md "Agents": there is no wrap-up state). Clients can never
 * set `on_call` themselves. Every change raises agent.state_changed through
 * state-change.ts.
 *
 *   claimAgentForCall(env, tenantId, agentId, callId)   → AgentClaim (busy / not registered / no such agent refused)
 *   releaseAgentFromCall(env, tenantId, agentId, callId) → the record after, or null
 *   claimRefusalProblem(agentId, refusal)                → the 404 / 409 problem for a refused claim
 *
 * calls_today and talk_time_today_seconds are not counted here: they are read
 * from the calls rows (calls.agent_id), which the dialer writes anyway.
 */
import type { Env } from '../env.ts';
import { Problems, type ProblemError } from '../errors/problem.ts';
import { agentFloor } from '../durable/stubs.ts';
import type { AgentRecord } from './agent-state-machine.ts';
import { findFloorAgent, type FloorAgent } from './floor-agents.ts';
import type { SipBinding } from './sip-bindings.ts';
import { announceChange, changeAgentState } from './state-change.ts';

export type ClaimRefusal = 'no_such_agent' | 'busy' | 'not_registered';

export type AgentClaim =
  | { ok: true; agent: FloorAgent; record: AgentRecord; binding: SipBinding | null }
  | { ok: false; refusal: ClaimRefusal; agent: FloorAgent | null; currentCallId: string | null };

/**
 * Takes the agent for `callId`: they become on_call with it. Refused when
 * they are not an enabled agent of the tenant, are on another call (busy),
 * or (unless `requireRegistered: false`) have no live SIP binding. The
 * binding answered is where to ring them (node_id, sip_user, realm).
 * Claiming the call the agent is already on succeeds and changes nothing.
 */
export async function claimAgentForCall(env: Env, tenantId: string, agentId: string, callId: string, options: { requireRegistered?: boolean } = {}): Promise<AgentClaim> {
  const agent = await findFloorAgent(env.DB, tenantId, agentId);
  if (!agent) return { ok: false, refusal: 'no_such_agent', agent: null, currentCallId: null };
  const result = await agentFloor(env, tenantId).claimForCall(agent.id, agent.createdAt, callId, options.requireRegistered ?? true);
  if (result.outcome === 'refused') {
    // A claim is refused busy, not_on_floor (left the floor since the lookup) or not_registered.
    const refusal: ClaimRefusal = result.why === 'not_on_floor' ? 'no_such_agent' : result.why === 'not_registered' ? 'not_registered' : 'busy';
    return { ok: false, refusal, agent, currentCallId: result.record.currentCallId };
  }
  await announceChange(env, tenantId, agent, result);
  return { ok: true, agent, record: result.record, binding: result.binding };
}

/**
 * Call `callId` is over for the agent (not answered, refused, hung up,
 * failed): back to the state before it. Only ends that call: a late end of
 * an older call leaves a newer one alone. Answers null when the agent has
 * left the floor meanwhile. Idempotent.
 */
export async function releaseAgentFromCall(env: Env, tenantId: string, agentId: string, callId: string): Promise<AgentRecord | null> {
  const agent = await findFloorAgent(env.DB, tenantId, agentId);
  if (!agent) return null;
  const result = await changeAgentState(env, tenantId, agent, { kind: 'release', callId });
  return result.record;
}

/** The answer to a refused claim, for routes (POST /v1/calls/originate). */
export function claimRefusalProblem(agentId: string, claim: Extract<AgentClaim, { ok: false }>): ProblemError {
  const name = claim.agent?.fullName ?? agentId;
  switch (claim.refusal) {
    case 'no_such_agent':
      return Problems.notFound(`Agent ${agentId}`);
    case 'busy':
      return Problems.conflict('agent-busy', 'Agent is on a call', `${name} is on call ${claim.currentCallId}; try again when it ends.`);
    case 'not_registered':
      return Problems.conflict('agent-not-registered', 'Agent is not SIP-registered', `${name} has no live SIP registration (GET /v1/agents/sip-registered); their softphone must register first.`);
  }
}

/**
 * Sets or clears the agent's current call without the busy check (the
 * older door, kept for callers that bridge unconditionally): bridging to
 * someone who is not an enabled agent is a 404, a call ending (null) for
 * someone who has left the floor answers null. New code uses
 * claimAgentForCall / releaseAgentFromCall.
 */
export async function setAgentOnCall(env: Env, tenantId: string, agentId: string, callId: string | null): Promise<AgentRecord | null> {
  const agent = await findFloorAgent(env.DB, tenantId, agentId);
  if (!agent) {
    if (callId === null) return null;
    throw Problems.notFound(`Agent ${agentId}`);
  }
  const result = await changeAgentState(env, tenantId, agent, { kind: 'call', callId });
  if (result.outcome === 'refused') throw Problems.notFound(`Agent ${agentId}`);
  return result.record;
}
