/**
 * Hands a tenant's events to its WallboardFeed, whether or not anyone
 * subscribed a webhook to them: wallboards and desks are the other audience
 * of agent.state_changed, call.* and campaign.* (dnc.added is not shown).
 * A page treats the feed as a hint and re-reads the REST endpoints on every
 * (re)connect, so a feed that cannot be reached must not fail the call or
 * state change that raised the event: the failure is logged, not thrown.
 */
import type { Env } from '../env.ts';
import { type FeedEvent } from '../durable/wallboard-feed/index.ts';
import { wallboardFeed } from '../durable/stubs.ts';

const SHOWN = /^(agent|call|campaign)\./;

export function feedEventsOf(events: ReadonlyArray<{ type: string; correlationId: string; occurredAt?: string; payload: Record<string, unknown> }>, nowMs = Date.now()): FeedEvent[] {
  return events
    .filter((e) => SHOWN.test(e.type))
    .map((e) => ({ type: e.type, occurred_at: e.occurredAt ?? new Date(nowMs).toISOString(), correlation_id: e.correlationId, payload: e.payload }));
}

export async function publishToWallboard(env: Env, tenantId: string, events: readonly FeedEvent[]): Promise<void> {
  if (events.length === 0) return;
  try {
    await wallboardFeed(env, tenantId).publish(events);
  } catch (err) {
    console.error(JSON.stringify({ msg: 'wallboard feed publish failed', tenantId, events: events.length, error: String(err) }));
  }
}
