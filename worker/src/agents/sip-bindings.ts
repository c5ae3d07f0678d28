/**
 * Agent SIP bindings as the Worker sees them (CONTRACT-AGENTS §3): which
 * media node holds an agent's registration, until when. Pure rules, applied
 * by the tenant's AgentFloor object:
 *  - one binding per agent per node (a newer contact replaces the older);
 *  - a binding past expires_at is not registered, whether or not the node
 *    said so (the node's "expired" report may be late or lost);
 *  - a report from an older boot of a node than one already seen is stale
 *    (a retried batch from before a restart) and changes nothing; one from a
 *    newer boot makes every binding of the older boot obsolete;
 *  - with bindings on several nodes, the most recently reported live one is
 *    where the agent is rung.
 */

import { bootIsOlder, sameBoot } from '../durable/media-fleet/node-boot.ts';

/** What AgentFloor.sipBinding answers (CONTRACT §3). */
export interface SipBinding {
  node_id: string;
  sip_user: string;
  realm: string;
  contact: string;
  user_agent: string;
  registered_at: string;
  expires_at: string;
}

export interface StoredBinding extends SipBinding {
  agent_id: string;
  /** When the Worker last heard of this binding (ms): the tie-break between nodes. */
  reported_ms: number;
}

export function isLive(binding: Pick<SipBinding, 'expires_at'>, nowMs: number): boolean {
  const expires = Date.parse(binding.expires_at);
  return Number.isFinite(expires) && expires > nowMs;
}

/** The binding an agent is rung through: the live one reported last, or null. */
export function currentBinding(bindings: readonly StoredBinding[], nowMs: number): SipBinding | null {
  let best: StoredBinding | null = null;
  for (const b of bindings) {
    if (!isLive(b, nowMs)) continue;
    if (best === null || b.reported_ms > best.reported_ms || (b.reported_ms === best.reported_ms && b.expires_at > best.expires_at)) best = b;
  }
  return best === null ? null : publicBinding(best);
}

export function publicBinding(b: SipBinding): SipBinding {
  return { node_id: b.node_id, sip_user: b.sip_user, realm: b.realm, contact: b.contact, user_agent: b.user_agent, registered_at: b.registered_at, expires_at: b.expires_at };
}

/**
 * How a report from boot `reportStartedAt` of a node relates to the boot
 * the floor last recorded for it (null: none), by the fleet's own boot
 * comparison (media-fleet/node-boot.ts), so floor and fleet agree.
 */
export type BootOrder = 'same' | 'newer' | 'stale';

export function bootOrder(reportStartedAt: string, knownStartedAt: string | null): BootOrder {
  if (knownStartedAt === null) return 'newer';
  if (sameBoot(reportStartedAt, knownStartedAt)) return 'same';
  return bootIsOlder(reportStartedAt, knownStartedAt) ? 'stale' : 'newer';
}
