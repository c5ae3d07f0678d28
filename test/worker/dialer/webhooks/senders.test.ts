// Dialer webhooks through the tenant's WebhookSender shards (docs/webhooks.md
// "Throughput under the connection cap"): many calls in flight at once, never
// more than 6 POSTs open in one sender, each call's events in order, and a
// slow subscriber never holding up another subscriber of the same tenant.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { emitDialerEvents, type DialerEvent } from '../../../../worker/src/dialer-events/emit.ts';
import { uuidv7 } from '../../../../worker/src/ids/uuid-v7.ts';
import { SENDER_SHARDS, senderName } from '../../../../worker/src/webhooks/sender-shards.ts';
import { seedDialerTenant } from '../../helpers/dialer.ts';
import { box, received, receivedWhen, subscribe } from './helpers.ts';

const TYPES = ['call.initiated', 'call.answered', 'call.completed'] as const;

function callEvents(tenantId: string, calls: number): { events: DialerEvent[]; callIds: string[] } {
  const callIds = Array.from({ length: calls }, () => uuidv7());
  // Interleaved as a dialer raises them: every call's initiated, then answered, then completed.
  const events = TYPES.flatMap((type) => callIds.map((correlationId) => ({ type, tenantId, correlationId, payload: { call_id: correlationId } }) as DialerEvent));
  return { events, callIds };
}

async function senderStats(tenantId: string) {
  return Promise.all(
    Array.from({ length: SENDER_SHARDS }, (_, k) => env.WEBHOOK_SENDER.get(env.WEBHOOK_SENDER.idFromName(senderName(`tenant-events:${tenantId}`, k))).stats()),
  );
}

describe('dialer webhook senders', () => {
  it('spreads attempts over the tenant’s senders, never more than 6 open in one, each call in order', async () => {
    const t = await seedDialerTenant();
    const hooks = box();
    await hooks.configure({ delayFirst: 30, delayMs: 300 });
    await subscribe(t.admin, hooks, [...TYPES]);
    const { events, callIds } = callEvents(t.tenantId, 30);
    await emitDialerEvents(env, events);
    const got = await receivedWhen(hooks, (all) => all.length === 90, 20_000);
    for (const callId of callIds) {
      expect(got.filter((r) => r.envelope.correlation_id === callId).map((r) => r.envelope.event_type)).toEqual([...TYPES]);
    }
    const stats = await senderStats(t.tenantId);
    expect(stats.reduce((n, s) => n + s.sent, 0)).toBe(90);
    for (const s of stats) expect(s.peak).toBeLessThanOrEqual(6);
    expect(stats.filter((s) => s.peak > 0).length).toBeGreaterThanOrEqual(5);
  });

  it('a slow subscriber does not hold up another subscriber of the same tenant', async () => {
    const t = await seedDialerTenant();
    const slow = box();
    const fast = box();
    await slow.configure({ delayFirst: 1000, delayMs: 5_000 });
    await subscribe(t.admin, slow, [...TYPES]);
    await subscribe(t.admin, fast, [...TYPES]);
    const { events } = callEvents(t.tenantId, 40);
    await emitDialerEvents(env, events);
    const firstSlow = (await receivedWhen(slow, (all) => all.length > 0))[0]!.at;
    await receivedWhen(fast, (all) => all.length === 120, 20_000);
    const fastDone = Math.max(...(await received(fast)).map((r) => r.at));
    expect(fastDone).toBeLessThan(firstSlow + 5_000);
    for (const s of await senderStats(t.tenantId)) expect(s.peak).toBeLessThanOrEqual(6);
  }, 30_000);
});
