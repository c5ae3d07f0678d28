// Retries on the documented schedule (shrunk by WEBHOOK_RETRY_DELAYS_MS =
// 0,300,600,900,1200 in the test config) with the same event_id, dead-letter
// after the fifth failure, order per call, timeouts as failures, and a slow
// subscriber that never holds back another.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { emitDialerEvents, type DialerEvent } from '../../../../worker/src/dialer-events/emit.ts';
import { uuidv7 } from '../../../../worker/src/ids/uuid-v7.ts';
import { retryScheduleFrom } from '../../../../worker/src/webhooks/retry-schedule.ts';
import { seedDialerTenant } from '../../helpers/dialer.ts';
import { box, deliveriesOf, received, receivedWhen, sleep, subscribe } from './helpers.ts';

const schedule = retryScheduleFrom(env.WEBHOOK_RETRY_DELAYS_MS);
/** Timestamps come from one clock (the receiver's); allow for its millisecond rounding. */
const SLACK_MS = 5;

const callEvents = (tenantId: string, callId: string): DialerEvent[] =>
  (['call.initiated', 'call.answered', 'call.completed'] as const).map((type) => ({ type, tenantId, correlationId: callId, payload: { call_id: callId } }));

describe('dialer webhook retries', () => {
  it('retries a failing delivery on the schedule with the same event_id, then delivers', async () => {
    expect(schedule).toEqual([0, 300, 600, 900, 1200]);
    const t = await seedDialerTenant();
    const hooks = box();
    await hooks.configure({ failFirst: 3 });
    const sub = await subscribe(t.admin, hooks, ['dnc.added']);
    await emitDialerEvents(env, [{ type: 'dnc.added', tenantId: t.tenantId, correlationId: uuidv7(), payload: { phones: ['+971509876543'] } }]);
    const attempts = await receivedWhen(hooks, (r) => r.length === 4, 15_000, 'four attempts');
    expect(attempts.map((a) => a.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(attempts.map((a) => a.envelope.event_id)).size).toBe(1);
    expect(new Set(attempts.map((a) => a.raw)).size).toBe(1);
    expect(attempts.map((a) => a.headers['x-broadnet-event-id'])).toEqual(Array(4).fill(attempts[0]!.envelope.event_id));
    expect(attempts.map((a) => a.headers['x-broadnet-delivery-attempt'])).toEqual(['1', '2', '3', '4']);
    for (let i = 1; i < attempts.length; i++) expect(attempts[i]!.at - attempts[i - 1]!.at).toBeGreaterThanOrEqual(schedule[i]! - SLACK_MS);

    const [delivery] = (await deliveriesOf(t.admin, sub.id)).items;
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 4, last_status_code: 200, last_error: null });
    expect(delivery!.attempt_log.map((a: { status_code: number; error: string | null }) => [a.status_code, a.error])).toEqual([
      [500, 'HTTP 500'],
      [500, 'HTTP 500'],
      [500, 'HTTP 500'],
      [200, null],
    ]);
  });

  it("dead-letters after the fifth failure, lists it, and then lets the call's next event go", async () => {
    const t = await seedDialerTenant();
    const hooks = box();
    await hooks.configure({ failFirst: 5 });
    const sub = await subscribe(t.admin, hooks, ['*']);
    const callId = uuidv7();
    const [initiated, answered] = callEvents(t.tenantId, callId);
    await emitDialerEvents(env, [initiated!, answered!]);
    const all = await receivedWhen(hooks, (r) => r.some((a) => a.status === 200), 15_000, 'the next event after the dead letter');
    expect(all.map((a) => [a.envelope.event_type, a.status])).toEqual([
      ...Array(5).fill(['call.initiated', 500]),
      ['call.answered', 200],
    ]);
    for (let i = 1; i < 5; i++) expect(all[i]!.at - all[i - 1]!.at).toBeGreaterThanOrEqual(schedule[i]! - SLACK_MS);

    const log = await deliveriesOf(t.admin, sub.id);
    expect(log.items.map((d) => [d.event_type, d.status, d.attempts])).toEqual([
      ['call.answered', 'delivered', 1],
      ['call.initiated', 'dead_lettered', 5],
    ]);
    const dead = log.items[1]!;
    expect(dead).toMatchObject({ next_attempt_at: null, last_status_code: 500, last_error: 'HTTP 500', finished_at: expect.any(String) });
    expect(dead.attempt_log).toHaveLength(5);
    expect((await deliveriesOf(t.admin, sub.id, '?status=dead_lettered')).items.map((d) => d.event_id)).toEqual([dead.event_id]);
    // No sixth attempt.
    await sleep(schedule.at(-1)! + 300);
    expect(await received(hooks)).toHaveLength(6);
  });

  it("keeps each call's events in order behind a retry, while other calls' events go on", async () => {
    const t = await seedDialerTenant();
    const hooks = box();
    await hooks.configure({ failFirst: 1 });
    await subscribe(t.admin, hooks, ['call.initiated', 'call.answered', 'call.completed']);
    const [a, b] = [uuidv7(), uuidv7()];
    await emitDialerEvents(env, [...callEvents(t.tenantId, a), ...callEvents(t.tenantId, b)]);
    const all = await receivedWhen(hooks, (r) => r.filter((x) => x.status === 200).length === 6, 10_000, 'six deliveries');
    expect(all).toHaveLength(7);
    // Both calls' first events were in flight together: the failure of one held back nothing of the other.
    expect(all.slice(0, 2).map((x) => x.envelope.event_type)).toEqual(['call.initiated', 'call.initiated']);
    expect(new Set(all.slice(0, 2).map((x) => x.envelope.correlation_id))).toEqual(new Set([a, b]));
    for (const id of [a, b]) {
      const mine = all.filter((x) => x.envelope.correlation_id === id);
      const delivered = mine.filter((x) => x.status === 200).map((x) => x.envelope.event_type);
      expect(delivered).toEqual(['call.initiated', 'call.answered', 'call.completed']);
      // Nothing of a call is attempted before its previous event was delivered.
      const attempted = mine.map((x) => x.envelope.event_type);
      expect(attempted).toEqual(attempted.length === 4 ? ['call.initiated', 'call.initiated', 'call.answered', 'call.completed'] : delivered);
    }
  });

  it('counts no answer within 10 s as a failure, retries it with the same event_id, and a slow endpoint never holds back another', async () => {
    const t = await seedDialerTenant();
    const slow = box();
    const fast = box();
    await slow.configure({ delayFirst: 1, delayMs: 10_500 });
    const slowSub = await subscribe(t.admin, slow, ['*']);
    await subscribe(t.admin, fast, ['*']);
    const callId = uuidv7();
    const [initiated, answered] = callEvents(t.tenantId, callId);

    const raisedAt = Date.now();
    await emitDialerEvents(env, [initiated!]);
    await receivedWhen(fast, (r) => r.length === 1, 5_000, 'fast endpoint, first event');
    await receivedWhen(slow, (r) => r.length === 1, 5_000, 'slow endpoint, first attempt started');
    // While the slow endpoint sits on its request, a new event reaches the fast one at once.
    await emitDialerEvents(env, [answered!]);
    const fastGot = await receivedWhen(fast, (r) => r.length === 2, 5_000, 'fast endpoint, second event');
    expect(Date.now() - raisedAt).toBeLessThan(10_000);
    expect(fastGot.map((r) => r.envelope.event_type)).toEqual(['call.initiated', 'call.answered']);
    expect(await received(slow)).toHaveLength(1);

    const slowGot = await receivedWhen(slow, (r) => r.length === 3, 20_000, 'slow endpoint: retry, then the next event');
    expect(slowGot.map((r) => [r.envelope.event_type, r.headers['x-broadnet-delivery-attempt']])).toEqual([
      ['call.initiated', '1'],
      ['call.initiated', '2'],
      ['call.answered', '1'],
    ]);
    expect(slowGot[1]!.envelope.event_id).toBe(slowGot[0]!.envelope.event_id);
    expect(slowGot[1]!.at - slowGot[0]!.at).toBeGreaterThanOrEqual(10_000);
    expect(slowGot[2]!.envelope.event_id).toBe(fastGot[1]!.envelope.event_id);

    const first = (await deliveriesOf(t.admin, slowSub.id)).items.find((d) => d.event_type === 'call.initiated')!;
    expect(first).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(first.attempt_log[0]).toMatchObject({ attempt: 1, status_code: null, error: expect.stringMatching(/^timeout/) });
    expect(first.attempt_log[0].duration_ms).toBeGreaterThanOrEqual(10_000);
  }, 40_000);
});
