// Delivery of dialer webhooks to a real local receiver: the spec's envelope
// and signature, one delivery per matching subscription, event-type filters,
// nothing stored for events nobody wants, paused and deleted subscriptions.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { emitDialerEvents, type DialerEvent } from '../../../../worker/src/dialer-events/emit.ts';
import { uuidv7 } from '../../../../worker/src/ids/uuid-v7.ts';
import { call, seedDialerTenant } from '../../helpers/dialer.ts';
import { box, deliveriesOf, received, receivedWhen, sleep, subscribe, tenantOutbox, verifyWebhook, waitFor } from './helpers.ts';

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function completedEvent(tenantId: string, callId = uuidv7()): DialerEvent {
  return {
    type: 'call.completed',
    tenantId,
    correlationId: callId,
    occurredAt: '2026-06-12T13:50:22Z',
    payload: {
      call_id: callId,
      agent_id: '01919a1b-c2d3-7e4f-8a5b-6c7d8e9f0a1b',
      campaign_id: '01919bcc-c2d3-7e4f-8a5b-6c7d8e9f0a1b',
      contact_phone: '+971501234567',
      status: 'completed',
      disposition: 'sale',
      duration_seconds: 248,
      recording_id: '01919eff-aaaa-7e4f-8a5b-333333333333',
    },
  };
}

const simple = (tenantId: string, type: DialerEvent['type'], correlationId = uuidv7()): DialerEvent => ({ type, tenantId, correlationId, payload: { n: correlationId } });

describe('dialer webhook delivery', () => {
  it("sends the spec's envelope, signed as the spec's verify_webhook checks, with event id and type headers", async () => {
    const t = await seedDialerTenant();
    const hooks = box();
    const sub = await subscribe(t.admin, hooks, ['*']);
    const event = completedEvent(t.tenantId);
    await emitDialerEvents(env, [event]);
    const [got] = await receivedWhen(hooks, (all) => all.length === 1);

    // Exactly the spec's keys, in the spec's order.
    expect(Object.keys(got!.envelope)).toEqual(['event_id', 'event_type', 'tenant_id', 'occurred_at', 'correlation_id', 'schema_version', 'payload']);
    expect(got!.envelope).toEqual({
      event_id: expect.stringMatching(UUIDV7),
      event_type: 'call.completed',
      tenant_id: t.tenantId,
      occurred_at: '2026-06-12T13:50:22.000Z',
      correlation_id: event.correlationId,
      schema_version: '1',
      payload: event.payload,
    });

    const bytes = new TextEncoder().encode(got!.raw);
    const signature = got!.headers['x-broadnet-signature']!;
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(await verifyWebhook(bytes, signature, sub.secret)).toBe(true);
    expect(await verifyWebhook(new TextEncoder().encode(got!.raw.replace('sale', 'sold')), signature, sub.secret)).toBe(false);
    expect(await verifyWebhook(bytes, signature, 'whsec_not-the-secret')).toBe(false);
    expect(got!.headers).toMatchObject({
      'content-type': 'application/json',
      'x-broadnet-event-id': got!.envelope.event_id,
      'x-broadnet-event-type': 'call.completed',
      'x-broadnet-delivery-attempt': '1',
    });

    const log = await deliveriesOf(t.admin, sub.id);
    expect(log).toMatchObject({ total: 1, has_more: false, next_cursor: null });
    expect(log.items[0]).toMatchObject({
      event_id: got!.envelope.event_id,
      event_type: 'call.completed',
      correlation_id: event.correlationId,
      status: 'delivered',
      attempts: 1,
      next_attempt_at: null,
      last_status_code: 200,
      last_error: null,
      finished_at: expect.any(String),
      attempt_log: [{ attempt: 1, at: expect.any(String), status_code: 200, error: null, duration_ms: expect.any(Number) }],
    });
  });

  it('delivers each event once to every active subscription whose filter takes it, with one event_id for all', async () => {
    const t = await seedDialerTenant();
    const [completedOnly, everything, dncOnly, paused] = [box(), box(), box(), box()];
    const subs = {
      completedOnly: await subscribe(t.admin, completedOnly, ['call.completed']),
      everything: await subscribe(t.admin, everything, ['*']),
      dncOnly: await subscribe(t.admin, dncOnly, ['dnc.added', 'campaign.paused']),
      paused: await subscribe(t.admin, paused, ['*']),
    };
    expect((await call(t.admin, 'PATCH', `/v1/webhooks/${subs.paused.id}`, { active: false })).status).toBe(200);

    const callId = uuidv7();
    await emitDialerEvents(env, [
      simple(t.tenantId, 'call.initiated', callId),
      simple(t.tenantId, 'call.completed', callId),
      simple(t.tenantId, 'dnc.added'),
      simple(t.tenantId, 'campaign.started'),
    ]);
    const all = await receivedWhen(everything, (r) => r.length === 4);
    expect(all.map((r) => r.envelope.event_type)).toEqual(expect.arrayContaining(['call.initiated', 'call.completed', 'dnc.added', 'campaign.started']));
    const [completed] = await receivedWhen(completedOnly, (r) => r.length === 1);
    const [dnc] = await receivedWhen(dncOnly, (r) => r.length === 1);
    expect(completed!.envelope.event_type).toBe('call.completed');
    expect(dnc!.envelope.event_type).toBe('dnc.added');
    // The same event reaches two subscribers with the same event_id, each signed with its own secret.
    const sameEvent = all.find((r) => r.envelope.event_type === 'call.completed')!;
    expect(sameEvent.envelope.event_id).toBe(completed!.envelope.event_id);
    expect(await verifyWebhook(new TextEncoder().encode(completed!.raw), completed!.headers['x-broadnet-signature']!, subs.completedOnly.secret)).toBe(true);
    expect(await verifyWebhook(new TextEncoder().encode(sameEvent.raw), sameEvent.headers['x-broadnet-signature']!, subs.everything.secret)).toBe(true);
    expect(new Set(all.map((r) => r.envelope.event_id)).size).toBe(4);

    await sleep(300);
    expect(await received(paused)).toEqual([]);
    expect(await received(completedOnly)).toHaveLength(1);
    expect(await received(dncOnly)).toHaveLength(1);
    // Stored once per event, once per (event, subscriber).
    expect(await tenantOutbox(t.tenantId).stats()).toMatchObject({ events: 4, deliveries: 4 + 1 + 1, lanes: 0 });
  });

  it('stores nothing for events nobody subscribed to', async () => {
    const quiet = await seedDialerTenant();
    const events = Array.from({ length: 50 }, (_, i) => simple(quiet.tenantId, i % 2 ? 'call.completed' : 'call.initiated'));
    await emitDialerEvents(env, events);
    expect(await tenantOutbox(quiet.tenantId).stats()).toMatchObject({ events: 0, deliveries: 0, lanes: 0, enqueueCalls: 0 });

    // A tenant subscribed to campaign events only: call events leave no row, campaign events do.
    const t = await seedDialerTenant();
    const hooks = box();
    await subscribe(t.admin, hooks, ['campaign.started']);
    await emitDialerEvents(env, [simple(t.tenantId, 'call.initiated'), simple(t.tenantId, 'call.completed'), simple(t.tenantId, 'dnc.added')]);
    expect(await tenantOutbox(t.tenantId).stats()).toMatchObject({ events: 0, deliveries: 0, enqueueCalls: 0 });
    await emitDialerEvents(env, [simple(t.tenantId, 'campaign.started'), simple(t.tenantId, 'call.completed')]);
    const [got] = await receivedWhen(hooks, (r) => r.length === 1);
    expect(got!.envelope.event_type).toBe('campaign.started');
    expect(await tenantOutbox(t.tenantId).stats()).toMatchObject({ events: 1, deliveries: 1, enqueueCalls: 1 });
  });

  it('cancels what a paused or deleted subscription had pending, and sends it nothing more', async () => {
    const t = await seedDialerTenant();
    const hooks = box();
    await hooks.configure({ failFirst: 100 });
    const sub = await subscribe(t.admin, hooks, ['*']);
    await emitDialerEvents(env, [simple(t.tenantId, 'dnc.added')]);
    await receivedWhen(hooks, (r) => r.length >= 1, 10_000, 'first failed attempt');
    expect((await call(t.admin, 'PATCH', `/v1/webhooks/${sub.id}`, { active: false })).status).toBe(200);
    const attemptsWhenPaused = (await received(hooks)).length;
    const log = await deliveriesOf(t.admin, sub.id);
    expect(log.items.map((d) => d.status)).toEqual(['cancelled']);
    await emitDialerEvents(env, [simple(t.tenantId, 'dnc.added')]);
    await sleep(1500);
    // At most the attempt that was already in flight when it was paused.
    expect((await received(hooks)).length).toBeLessThanOrEqual(attemptsWhenPaused + 1);
    expect((await deliveriesOf(t.admin, sub.id)).total).toBe(1);

    // Active again: new events flow, the cancelled one stays cancelled.
    await hooks.configure({ failFirst: 0 });
    expect((await call(t.admin, 'PATCH', `/v1/webhooks/${sub.id}`, { active: true })).status).toBe(200);
    await emitDialerEvents(env, [simple(t.tenantId, 'campaign.paused')]);
    await waitFor(async () => (await received(hooks)).some((r) => r.status === 200 && r.envelope.event_type === 'campaign.paused'));
    expect((await deliveriesOf(t.admin, sub.id)).items.map((d) => d.status)).toEqual(['delivered', 'cancelled']);

    // Deleted: pending work is cancelled too.
    await hooks.configure({ failFirst: 1000 });
    await emitDialerEvents(env, [simple(t.tenantId, 'dnc.added')]);
    await waitFor(async () => ((await tenantOutbox(t.tenantId).stats()).events === 3 ? true : null));
    expect((await call(t.admin, 'DELETE', `/v1/webhooks/${sub.id}`)).status).toBe(204);
    expect(await tenantOutbox(t.tenantId).stats()).toMatchObject({ lanes: 0 });
  });

  it('refuses an event type outside the catalog', async () => {
    const t = await seedDialerTenant();
    await expect(emitDialerEvents(env, [{ ...simple(t.tenantId, 'dnc.added'), type: 'call.exploded' as DialerEvent['type'] }])).rejects.toThrow(/unknown dialer event type/);
  });
});
