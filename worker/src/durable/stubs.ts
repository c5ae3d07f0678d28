/**
 * Typed accessors for Durable Objects reached by name (getByName), so a call
 * site never builds an id by hand. The router from a leg's owner to its
 * object is media-fleet/leg-owners.ts, which uses these.
 */
import type { Env } from '../env.ts';

export function broadcastSession(env: Env, broadcastId: string) {
  return env.BROADCAST_SESSION.getByName(broadcastId);
}

/** The AgentCall of one manual originate, named by its call_id. */
export function agentCall(env: Env, callId: string) {
  return env.AGENT_CALL.getByName(callId);
}

/** The CampaignDialer of one campaign, named by its id (docs/campaign-engine.md). */
export function campaignDialer(env: Env, campaignId: string) {
  return env.CAMPAIGN_DIALER.getByName(campaignId);
}
