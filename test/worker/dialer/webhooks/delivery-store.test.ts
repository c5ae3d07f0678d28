// The TenantEvents outbox tables on their own, in a real Durable Object's
// SQLite: lane heads and their order, fair turns between subscribers,
// de-duplication by event_id, cancellation, and pruning after the retention.
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { DeliveryStore, type AttemptRecord } from '../../../../worker/src/durable/tenant-events/delivery-store.ts';
import type { PreparedEvent } from '../../../../worker/src/dialer-events/envelope.ts';

function withStore<T>(fn: (store: DeliveryStore, sql: SqlStorage) => T): Promise<T> {
  const stub = env.TENANT_EVENTS.get(env.TENANT_EVENTS.idFromName(`store-test-${crypto.randomUUID()}`));
  return runInDurableObject(stub, (_instance, state) => fn(new DeliveryStore(state.storage.sql), state.storage.sql));
}

const event = (correlationId: string, eventId = crypto.randomUUID()): PreparedEvent => ({ eventId, type: 'call.initiated', correlationId, occurredAt: new Date(0).toISOString(), payload: {} });
const record = (attempt: number, ok: boolean): AttemptRecord => ({ attempt, at: new Date().toISOString(), status_code: ok ? 200 : 500, error: ok ? null : 'HTTP 500', duration_ms: 1 });

describe('delivery store', () => {
  it('offers only the head of each lane, then the next once the head is settled', () =>
    withStore((store) => {
      const now = 1_000;
      for (const e of [event('call-a'), event('call-a'), event('call-b')]) {
        const seq = store.insertEvent(e, '{}', now)!;
        store.addDelivery(seq, 'sub-1', e.correlationId, now);
      }
      let heads = store.dueHeads(['sub-1'], now, 10, 10, new Set());
      expect(heads.map((h) => h.deliveryId)).toEqual([1, 3]);
      // A busy lane is skipped.
      expect(store.dueHeads(['sub-1'], now, 10, 10, new Set([heads[0]!.lane])).map((h) => h.deliveryId)).toEqual([3]);

      // Head of call-a fails with a retry later: the lane waits, call-b does not.
      const first = store.pending(1)!;
      expect(store.recordAttempt(first, record(1, false), false, now + 500, now)).toBe('pending');
      expect(store.dueHeads(['sub-1'], now, 10, 10, new Set()).map((h) => h.deliveryId)).toEqual([3]);
      expect(store.nextDueAt(now)).toBe(now + 500);

      // Delivered on the retry: the lane moves to its second event, due since it was raised (so first in line).
      expect(store.recordAttempt(store.pending(1)!, record(2, true), true, null, now + 500)).toBe('delivered');
      heads = store.dueHeads(['sub-1'], now + 500, 10, 10, new Set());
      expect(heads.map((h) => h.deliveryId)).toEqual([2, 3]);
      expect(store.list('sub-1', { limit: 10 }).find((d) => d.id === 1)).toMatchObject({ status: 'delivered', attempts: 2, attempt_log: [{ attempt: 1 }, { attempt: 2 }] });
    }));

  it('writes successes kept in memory before it is next read: each lane moves on, the log grows, a cancelled delivery stays cancelled', () =>
    withStore((store) => {
      for (const [sub, call] of [['sub-1', 'call-a'], ['sub-1', 'call-a'], ['sub-1', 'call-b'], ['sub-2', 'call-c']] as const) {
        store.addDelivery(store.insertEvent(event(call), '{}', 0)!, sub, call, 0);
      }
      const heads = store.dueHeads(['sub-1', 'sub-2'], 0, 10, 10, new Set());
      expect(heads.map((h) => h.deliveryId)).toEqual([1, 4, 3]);
      const pending = heads.map((h) => store.pending(h.deliveryId)!);
      store.cancelSubscription('sub-2', 0);
      for (const d of pending) store.markDelivered(d, record(1, true));
      // call-a's second event is its lane's head now; call-b's lane is gone; sub-2's delivery was cancelled in flight.
      expect(store.dueHeads(['sub-1', 'sub-2'], 0, 10, 10, new Set()).map((h) => h.deliveryId)).toEqual([2]);
      expect(store.sizes()).toEqual({ events: 4, deliveries: 4, lanes: 1 });
      const listed = store.list('sub-1', { limit: 10 });
      expect(listed.find((d) => d.id === 1)).toMatchObject({ status: 'delivered', attempts: 1, last_status_code: 200, attempt_log: [record(1, true)].map(({ at: _at, ...r }) => expect.objectContaining(r)) });
      expect(listed.find((d) => d.id === 2)).toMatchObject({ status: 'pending', attempts: 0 });
      expect(store.list('sub-2', { limit: 10 })[0]).toMatchObject({ status: 'cancelled', attempts: 0 });
    }));

  it('takes turns between subscribers, so one with a backlog cannot fill a batch', () =>
    withStore((store) => {
      for (let i = 0; i < 20; i++) {
        const e = event(`call-${i}`);
        const seq = store.insertEvent(e, '{}', 0)!;
        store.addDelivery(seq, 'backlog', e.correlationId, 0);
      }
      const e = event('call-x');
      store.addDelivery(store.insertEvent(e, '{}', 5)!, 'quiet', 'call-x', 5);
      const heads = store.dueHeads(['backlog', 'quiet'], 10, 4, 6, new Set());
      expect(heads.map((h) => h.subscriptionId)).toEqual(['backlog', 'quiet', 'backlog', 'backlog', 'backlog']);
    }));

  it('stores an event_id once, cancels a subscription’s pending work, and prunes settled rows after the retention', () =>
    withStore((store) => {
      const e = event('call-a', 'fixed-id');
      expect(store.insertEvent(e, '{}', 0)).not.toBeNull();
      expect(store.insertEvent(e, '{}', 0)).toBeNull();
      store.addDelivery(1, 'sub-1', 'call-a', 0);
      store.addDelivery(1, 'sub-2', 'call-a', 0);
      expect(store.sizes()).toEqual({ events: 1, deliveries: 2, lanes: 2 });

      store.cancelSubscription('sub-2', 10);
      expect(store.sizes().lanes).toBe(1);
      expect(store.list('sub-2', { limit: 5 })[0]).toMatchObject({ status: 'cancelled', next_attempt_at: null });
      // An attempt that was in flight when its subscription was cancelled stays cancelled.
      expect(store.recordAttempt({ ...store.pending(1)!, id: 2, lane: 'sub-2 call-a' }, record(1, true), true, null, 20)).toBe('cancelled');

      store.recordAttempt(store.pending(1)!, record(1, true), true, null, 20);
      const retention = 1_000;
      expect(store.prune(500, retention, 100)).toBe(10 + retention);
      expect(store.sizes()).toEqual({ events: 1, deliveries: 2, lanes: 0 });
      expect(store.prune(5_000, retention, 100)).toBeNull();
      expect(store.sizes()).toEqual({ events: 0, deliveries: 0, lanes: 0 });
    }));

  it('stores a hand-over in one go: new events only, deliveries in the events\' order, an existing lane keeps its head', () =>
    withStore((store, sql) => {
      // call-a already has a pending head from an earlier hand-over.
      store.addDelivery(store.insertEvent(event('call-a', 'old'), '{"old":1}', 0)!, 'sub-1', 'call-a', 0);
      const items = [event('call-a', 'a2'), event('call-b', 'b1'), event('call-a', 'old'), event('call-b', 'b2'), event('call-b', 'b1')].map((e) => ({
        event: e,
        body: JSON.stringify({ id: e.eventId }),
        subscriptionIds: e.correlationId === 'call-b' ? ['sub-1', 'sub-2'] : ['sub-1'],
      }));
      const added = store.addEvents(items, 7);
      // 'old' was stored before and 'b1' comes twice: three new events, five deliveries.
      expect(added.events).toBe(3);
      expect(added.deliveries.map((d) => [d.eventId, d.subscriptionId, d.lane, d.attempts, d.body])).toEqual([
        ['a2', 'sub-1', 'sub-1 call-a', 0, '{"id":"a2"}'],
        ['b1', 'sub-1', 'sub-1 call-b', 0, '{"id":"b1"}'],
        ['b1', 'sub-2', 'sub-2 call-b', 0, '{"id":"b1"}'],
        ['b2', 'sub-1', 'sub-1 call-b', 0, '{"id":"b2"}'],
        ['b2', 'sub-2', 'sub-2 call-b', 0, '{"id":"b2"}'],
      ]);
      expect(added.deliveries.map((d) => d.id)).toEqual([2, 3, 4, 5, 6]);
      const lanes = sql.exec<{ lane: string; head_id: number; next_at: number }>('SELECT lane, head_id, next_at FROM lanes ORDER BY lane').toArray();
      expect(lanes).toEqual([
        { lane: 'sub-1 call-a', head_id: 1, next_at: 0 },
        { lane: 'sub-1 call-b', head_id: 3, next_at: 7 },
        { lane: 'sub-2 call-b', head_id: 4, next_at: 7 },
      ]);
      expect(store.sizes()).toEqual({ events: 4, deliveries: 6, lanes: 3 });
      expect(store.addEvents([], 8)).toEqual({ events: 0, deliveries: [] });
    }));

  it('hands a first attempt its delivery from memory, reads later attempts from storage, and never hands out a cancelled one', () =>
    withStore((store, sql) => {
      const [a, b] = store.addEvents(
        [event('call-a', 'a1'), event('call-b', 'b1')].map((e) => ({ event: e, body: `{"e":"${e.eventId}"}`, subscriptionIds: [e.correlationId === 'call-a' ? 'sub-1' : 'sub-2'] })),
        0,
      ).deliveries;
      // What storage says is changed behind the store's back: the first attempt still gets what was enqueued, without reading.
      sql.exec("UPDATE events SET body = 'changed'");
      expect(store.pending(a!.id)).toEqual(a);
      expect(store.recordAttempt(a!, record(1, false), false, 100, 0)).toBe('pending');
      expect(store.pending(a!.id)).toMatchObject({ attempts: 1, body: 'changed', log: [expect.objectContaining({ attempt: 1 })] });
      store.cancelSubscription('sub-2', 0);
      expect(store.pending(b!.id)).toBeNull();
    }));
});
