/**
 * A tenant's webhook subscriptions as the TenantEvents object uses them: D1
 * (webhook_subscriptions) is the record, the object keeps a copy in memory,
 * reloaded when the subscription routes say something changed and at least
 * every RELOAD_AFTER_MS in case such a notice was lost.
 */

export const RELOAD_AFTER_MS = 60_000;

export interface LiveSubscription {
  id: string;
  url: string;
  secret: string;
  /** Catalog names, or ["*"]. */
  eventTypes: readonly string[];
  active: boolean;
}

export async function loadSubscriptions(db: D1Database, tenantId: string): Promise<Map<string, LiveSubscription>> {
  const { results } = await db
    .prepare('SELECT id, url, secret, event_types, disabled_at FROM webhook_subscriptions WHERE tenant_id = ?')
    .bind(tenantId)
    .all<{ id: string; url: string; secret: string; event_types: string; disabled_at: string | null }>();
  return new Map(
    results.map((r) => [r.id, { id: r.id, url: r.url, secret: r.secret, eventTypes: JSON.parse(r.event_types) as string[], active: r.disabled_at === null }]),
  );
}
