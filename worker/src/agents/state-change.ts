/**
 * The one way anything changes an agent's state: apply the command on the
 * tenant's AgentFloor, and when the state (or the call) actually changed,
 * raise agent.state_changed. The routes, the users routes (disable, role
 * change) and the dialer's setAgentOnCall all come through here, so every
 * change is announced exactly once and a refused or no-op one never is.
 */
import type { Env } from '../env.ts';
import { emitDialerEvents, type DialerEvent } from '../dialer-events/emit.ts';
import type { ApplyResult } from '../durable/agent-floor/index.ts';
import { agentFloor } from '../durable/stubs.ts';
import type { AgentRecord, FloorCommand } from './agent-state-machine.ts';
import type { FloorAgent } from './floor-agents.ts';

export async function changeAgentState(env: Env, tenantId: string, agent: FloorAgent, command: FloorCommand): Promise<ApplyResult> {
  const result = await agentFloor(env, tenantId).apply(agent.id, agent.createdAt, command);
  await announceChange(env, tenantId, agent, result);
  return result;
}

/** Raises agent.state_changed for a result the floor applied, if the state or the call changed. */
export async function announceChange(env: Env, tenantId: string, agent: FloorAgent, result: { outcome: string; previous: AgentRecord; record: AgentRecord }): Promise<void> {
  if (result.outcome === 'changed') await emitDialerEvents(env, [stateChangedEvent(tenantId, agent, result.previous, result.record)]);
}

/**
 * agent.state_changed (docs/dialer-api.md "Agents"): correlation_id is the
 * agent id, occurred_at the new state_since; changed_by is the user who made
 * the change, null when the dialer did (a call bridged or ended).
 */
export function stateChangedEvent(tenantId: string, agent: FloorAgent, previous: AgentRecord, record: AgentRecord): DialerEvent {
  return {
    type: 'agent.state_changed',
    tenantId,
    correlationId: agent.id,
    occurredAt: record.stateSince,
    payload: {
      agent_id: agent.id,
      full_name: agent.fullName,
      state: record.state,
      previous_state: previous.state,
      reason: record.reason,
      state_since: record.stateSince,
      current_call_id: record.currentCallId,
      changed_by: record.changedBy,
    },
  };
}
