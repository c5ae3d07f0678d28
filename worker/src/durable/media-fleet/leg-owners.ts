/**
 * The one place that maps a leg's owner (LegOwner: kind + id) to the object
 * that owns its legs (and builds each kind's owner), and what every owner kind answers to: node events, a
 * node's loss or restart, and reconciliation against a heartbeat. Broadcasts
 * are BroadcastSessions, manual originates AgentCalls (docs/agents-calls.md),
 * campaign calls their campaign's CampaignDialer (docs/campaign-engine.md).
 */
import type { Env } from '../../env.ts';
import type { EventResult, LegOwner, MediaEvent } from '../../media-protocol/index.ts';
import type { NodeLegsReport } from './leg-reconciliation.ts';
import { agentCall, broadcastSession, campaignDialer } from '../stubs.ts';

export interface LegOwnerObject {
  /** Applies one node's events for this owner's legs, in order. */
  applyEvents(events: MediaEvent[]): Promise<EventResult[]>;
  /**
   * Ends (cause 41) this owner's live legs on the node, except those known to
   * live on `keepBoot` (null: the node is gone, every leg there ends). Returns
   * how many ended; the caller settles the fleet's slots for them.
   */
  nodeLost(nodeId: string, keepBoot: string | null): Promise<number>;
  /** Reconciles against one heartbeat; answers the held calls the node must hang up. */
  reconcileNode(report: NodeLegsReport): Promise<{ hangup: string[] }>;
}

/** The owner of a broadcast's legs. */
export function broadcastOwner(broadcastId: string): LegOwner {
  return { kind: 'broadcast', id: broadcastId };
}

/** The owner of a campaign's customer legs (its CampaignDialer). */
export function campaignOwner(campaignId: string): LegOwner {
  return { kind: 'campaign', id: campaignId };
}

/** The owner of a manual originate's agent leg (its AgentCall). */
export function agentCallOwner(callId: string): LegOwner {
  return { kind: 'agent_call', id: callId };
}

/** The owner's object, or null for a kind that has no object yet (nothing of it can be placed). */
export function legOwnerObject(env: Env, owner: LegOwner): LegOwnerObject | null {
  switch (owner.kind) {
    case 'broadcast':
      return broadcastSession(env, owner.id);
    case 'agent_call':
      return agentCall(env, owner.id);
    case 'campaign':
      return campaignDialer(env, owner.id);
  }
}

export function ownerKey(owner: LegOwner): string {
  return `${owner.kind}:${owner.id}`;
}
