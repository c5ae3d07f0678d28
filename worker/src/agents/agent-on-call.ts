/**
 * The dialer's door to the floor (used by live dialing, a later issue): when
 * a call is bridged to an agent the agent is `on_call` with that call; when
 * it ends (callId null) they go back to the state they were in before it.
 * Clients can never set `on_call` themselves.
 */
import type { Env } from '../env.ts';
import { Problems } from '../errors/problem.ts';
import type { AgentRecord } from './agent-state-machine.ts';
import { findFloorAgent } from './floor-agents.ts';
import { changeAgentState } from './state-change.ts';

/**
 * Sets or clears the agent's current call and answers the agent's record
 * afterwards. Bridging to someone who is not an enabled agent of the tenant
 * is a 404 (the dialer must not have picked them); a call ending for someone
 * who has left the floor meanwhile changes nothing and answers null.
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
