/**
 * What one enqueue (a hand-over of events to TenantEvents) adds to the
 * outbox, planned in memory so the store writes it in three statements
 * whatever its size (delivery-store.ts `addEvents`) instead of three per
 * event: which events are new, one delivery row per (event, subscription)
 * in the events' order (a lane's order is its deliveries' id order), and
 * which of the new deliveries heads a lane that had none.
 */

export interface HandOverItem {
  eventId: string;
  correlationId: string;
  subscriptionIds: readonly string[];
}

/** A delivery row to insert: [event seq, subscription id, lane]. */
export type DeliveryRow = [seq: number, subscriptionId: string, lane: string];

export function laneOf(subscriptionId: string, correlationId: string): string {
  return `${subscriptionId} ${correlationId}`;
}

/**
 * Delivery rows for the items whose event was stored now (`seqOf` answers its
 * seq; undefined: stored before, a re-raise that adds nothing). An event id
 * twice in one hand-over counts once, as two separate enqueues would.
 */
export function deliveryRows<T extends HandOverItem>(items: readonly T[], seqOf: (eventId: string) => number | undefined): { rows: DeliveryRow[]; items: Array<T & { seq: number }> } {
  const rows: DeliveryRow[] = [];
  const kept: Array<T & { seq: number }> = [];
  const seen = new Set<string>();
  for (const item of items) {
    const seq = seqOf(item.eventId);
    if (seq === undefined || seen.has(item.eventId)) continue;
    seen.add(item.eventId);
    kept.push({ ...item, seq });
    for (const sub of item.subscriptionIds) rows.push([seq, sub, laneOf(sub, item.correlationId)]);
  }
  return { rows, items: kept };
}

/** Each lane's first new delivery (lowest id): its head if the lane had no pending work (the store's insert keeps an existing head). */
export function firstPerLane(inserted: ReadonlyArray<{ id: number; lane: string; subscriptionId: string }>): Array<[lane: string, subscriptionId: string, headId: number]> {
  const first = new Map<string, { id: number; subscriptionId: string }>();
  for (const d of inserted) {
    const seen = first.get(d.lane);
    if (!seen || d.id < seen.id) first.set(d.lane, { id: d.id, subscriptionId: d.subscriptionId });
  }
  return [...first].map(([lane, d]) => [lane, d.subscriptionId, d.id]);
}
