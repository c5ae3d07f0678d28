/**
 * Which of a campaign's assigned agents can take its calls, from the
 * tenant's AgentFloor (state, live SIP binding). Pure, tested by table:
 *   ready      on the floor, logged in (any state but offline) and SIP-registered
 *   available  ready, state `available` and not on a call: a call can be bridged to them now
 * Start needs at least one ready agent (spec: "at least one logged-in agent
 * assigned"; a softphone that is not registered cannot be rung, so it does
 * not count). Pacing counts logged-in agents as the dialing modes define them
 * (types.ts): break/lunch/training are not logged in for pacing.
 */
import type { AgentRecord } from '../../agents/agent-state-machine.ts';
import type { SipBinding } from '../../agents/sip-bindings.ts';
import type { AssignedAgent } from './campaign-agents.ts';

export interface AgentReadiness {
  agentId: string;
  state: AgentRecord['state'];
  binding: SipBinding | null;
  /** ISO 8601: when the current state began (longest idle is offered calls first). */
  since: string;
  /** Logged in and registered. */
  ready: boolean;
  /** Ready and idle: can be claimed for a call now. */
  available: boolean;
  /** Counted by pacing as logged in (available or on a call), registered. */
  pacing: boolean;
}

export function agentReadiness(assigned: readonly AssignedAgent[], records: Readonly<Record<string, AgentRecord>>, bindings: Readonly<Record<string, SipBinding>>): AgentReadiness[] {
  return assigned
    .filter((a) => a.on_floor)
    .map((a) => {
      const record = records[a.agent_id];
      const state = record && !record.removed ? record.state : 'offline';
      const binding = bindings[a.agent_id] ?? null;
      const ready = state !== 'offline' && binding !== null;
      return {
        agentId: a.agent_id,
        state,
        binding,
        since: record?.stateSince ?? '',
        ready,
        available: ready && state === 'available' && !record?.currentCallId,
        pacing: ready && (state === 'available' || state === 'on_call'),
      };
    });
}

export type StartRefusal = 'no_agents_assigned' | 'no_agents_ready' | null;

export function startRefusal(assigned: readonly AssignedAgent[], readiness: readonly AgentReadiness[]): StartRefusal {
  if (!assigned.some((a) => a.on_floor)) return 'no_agents_assigned';
  return readiness.some((r) => r.ready) ? null : 'no_agents_ready';
}

/** The agents a live answer on `nodeId` can be bridged to: available, registered there, longest idle first (ties: id). */
export function availableOn(readiness: readonly AgentReadiness[], nodeId: string): AgentReadiness[] {
  return readiness
    .filter((a) => a.available && a.binding?.node_id === nodeId)
    .sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : a.agentId < b.agentId ? -1 : 1));
}
