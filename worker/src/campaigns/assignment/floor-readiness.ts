/** The I/O half of agent-readiness.ts: a campaign's assigned agents (D1) against the tenant's AgentFloor. */
import type { Env } from '../../env.ts';
import { agentFloor } from '../../durable/stubs.ts';
import { agentReadiness, type AgentReadiness } from './agent-readiness.ts';
import { assignedAgents, type AssignedAgent } from './campaign-agents.ts';

export async function campaignFloor(env: Env, tenantId: string, campaignId: string): Promise<{ assigned: AssignedAgent[]; readiness: AgentReadiness[] }> {
  const floor = agentFloor(env, tenantId);
  const [assigned, records, bindings] = await Promise.all([assignedAgents(env.DB, tenantId, campaignId), floor.snapshot(), floor.sipBindings()]);
  return { assigned, readiness: agentReadiness(assigned, records, bindings) };
}
