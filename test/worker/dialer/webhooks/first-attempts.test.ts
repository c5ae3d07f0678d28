// The in-memory copy of deliveries not tried yet: handed out once, bounded,
// forgotten when settled or cancelled.
import { describe, expect, it } from 'vitest';
import { FirstAttempts } from '../../../../worker/src/durable/tenant-events/first-attempts.ts';
import type { PendingDelivery } from '../../../../worker/src/durable/tenant-events/delivery-store.ts';

const delivery = (id: number, subscriptionId = 's1', attempts = 0): PendingDelivery => ({ id, lane: `${subscriptionId} c${id}`, subscriptionId, attempts, log: [], eventId: `e${id}`, eventType: 'call.answered', body: '{}' });

describe('first attempts kept in memory', () => {
  it('hands a delivery out once, keeps no more than its limit and never one already tried', () => {
    const kept = new FirstAttempts(2);
    kept.keep(delivery(1));
    kept.keep(delivery(2, 's1', 1));
    kept.keep(delivery(3));
    kept.keep(delivery(4));
    expect(kept.size).toBe(2);
    expect(kept.take(1)?.id).toBe(1);
    expect(kept.take(1)).toBeUndefined();
    expect(kept.take(2)).toBeUndefined();
    expect(kept.take(4)).toBeUndefined();
  });

  it('forgets one delivery, or everything of a cancelled subscription', () => {
    const kept = new FirstAttempts();
    [delivery(1, 'a'), delivery(2, 'b'), delivery(3, 'a')].forEach((d) => kept.keep(d));
    kept.forget(2);
    kept.forgetSubscription('a');
    expect(kept.size).toBe(0);
  });
});
