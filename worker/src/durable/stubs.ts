/**
 * Typed accessors for every Durable Object, reached by name (getByName), so a
 * call site never builds an id by hand and each object's naming rule (per
 * broadcast, per tenant, one fleet) is written once. The router from a leg's
 * owner to its object is media-fleet/leg-owners.ts, which uses these.
 */
import type { Env } from '../env.ts';

/** The fleet is one object for the whole platform. */
export const FLEET_NAME = 'global';

export function broadcastSession(env: Env, broadcastId: string) {
  // The same object getByName names; spelt get(idFromName) because test/worker/broadcast/hardening.test.ts
  // stands in a namespace that has only those two methods to fail a session mid-acceptance.
  return env.BROADCAST_SESSION.get(env.BROADCAST_SESSION.idFromName(broadcastId));
}

/** The AgentCall of one manual originate, named by its call_id. */
export function agentCall(env: Env, callId: string) {
  return env.AGENT_CALL.getByName(callId);
}

/** The CampaignDialer of one campaign, named by its id (docs/campaign-engine.md). */
export function campaignDialer(env: Env, campaignId: string) {
  return env.CAMPAIGN_DIALER.getByName(campaignId);
}

export function mediaFleet(env: Env) {
  return env.MEDIA_FLEET.getByName(FLEET_NAME);
}

/** The tenant's pacing (calls per second, concurrent calls) shared by all its outbound calls. */
export function tenantPacer(env: Env, tenantId: string) {
  return env.TENANT_PACER.getByName(tenantId);
}

/** The floor (agents' states and SIP bindings) of a tenant. */
export function agentFloor(env: Env, tenantId: string) {
  return env.AGENT_FLOOR.getByName(tenantId);
}

/** The tenant's dialer webhook deliveries. */
export function tenantEvents(env: Env, tenantId: string) {
  return env.TENANT_EVENTS.getByName(tenantId);
}

/** The tenant's live wallboard sockets. */
export function wallboardFeed(env: Env, tenantId: string) {
  return env.WALLBOARD_FEED.getByName(tenantId);
}

/** A sliding-window limiter, one per key (`login:<email>`, `tenant:<id>`). */
export function rateLimiter(env: Env, key: string) {
  return env.RATE_LIMITER.getByName(key);
}
