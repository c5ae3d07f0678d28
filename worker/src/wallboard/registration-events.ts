/**
 * The live feed's word that an agent's softphone registered or went away
 * (`agent.sip_registration`, a feed-only event: it is no webhook, the
 * dialer API's catalog has no such type). A wallboard opened before the agent
 * registered otherwise shows "Not registered" until it is reloaded, because
 * registration is not an agent state change. The page re-reads the floor on
 * it, so the event says only who and what, not the agent's whole registration
 * (which other nodes may still hold).
 */
import type { RegistrationChange } from '../media-protocol/index.ts';
import type { FeedEvent } from '../durable/wallboard-feed/index.ts';

export const SIP_REGISTRATION_EVENT = 'agent.sip_registration';

/** One event per agent whose binding on this node changed (the last change of the batch wins). */
export function registrationFeedEvents(nodeId: string, changes: readonly RegistrationChange[], nowMs = Date.now()): FeedEvent[] {
  const last = new Map<string, RegistrationChange>();
  for (const ch of changes) last.set(ch.agent_id, ch);
  const at = new Date(nowMs).toISOString();
  return [...last.values()].map((ch) => ({
    type: SIP_REGISTRATION_EVENT,
    occurred_at: at,
    correlation_id: ch.agent_id,
    payload: { agent_id: ch.agent_id, node_id: nodeId, sip_user: ch.sip_user, state: ch.state, reason: ch.reason, user_agent: ch.user_agent },
  }));
}

/** A node's bindings dropped at once (the node was lost or restarted): no agent named, every wallboard re-reads. */
export function bindingsDroppedFeedEvent(nodeId: string, why: 'node lost' | 'node restarted', nowMs = Date.now()): FeedEvent {
  return { type: SIP_REGISTRATION_EVENT, occurred_at: new Date(nowMs).toISOString(), correlation_id: nodeId, payload: { node_id: nodeId, state: 'dropped', reason: why } };
}
