/**
 * Where a tick's dials go (pure): a campaign call can only be bridged to an
 * agent registered on the node that holds the customer's leg, so dials are
 * spread over the nodes holding available agents, each dial to the node
 * with the fewest calls in flight per available agent (ties: node id).
 * A node with no available agent gets none.
 */
import type { AgentReadiness } from '../assignment/agent-readiness.ts';

export interface NodeLoad {
  nodeId: string;
  availableAgents: number;
  callsInFlight: number;
}

export function spreadDials(dials: number, nodes: readonly NodeLoad[]): string[] {
  const load = nodes.filter((n) => n.availableAgents > 0).map((n) => ({ ...n }));
  const out: string[] = [];
  for (let i = 0; i < dials && load.length > 0; i++) {
    load.sort((a, b) => a.callsInFlight / a.availableAgents - b.callsInFlight / b.availableAgents || (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
    const pick = load[0]!;
    pick.callsInFlight++;
    out.push(pick.nodeId);
  }
  return out;
}

/** Per node: available agents registered there and calls in flight on it (nodes without an available agent are left out). */
export function nodeLoads(readiness: readonly AgentReadiness[], inFlightNodeIds: readonly string[]): NodeLoad[] {
  const byNode = new Map<string, NodeLoad>();
  for (const a of readiness) {
    if (!a.available || !a.binding) continue;
    const n = byNode.get(a.binding.node_id) ?? { nodeId: a.binding.node_id, availableAgents: 0, callsInFlight: 0 };
    n.availableAgents++;
    byNode.set(n.nodeId, n);
  }
  for (const nodeId of inFlightNodeIds) {
    const n = byNode.get(nodeId);
    if (n) n.callsInFlight++;
  }
  return [...byNode.values()];
}
