/**
 * TenantEvents: one Durable Object per tenant that delivers the dialer API's
 * webhooks (spec "Webhooks"). It owns the outbox (delivery-store.ts), a copy
 * of the tenant's subscriptions, and the delivery loop:
 *
 *   - one delivery per (event, matching active subscription), stored before
 *     anything is sent: at least once, the same event_id on every attempt;
 *   - in order per (subscription, correlation_id): a call's initiated →
 *     answered → completed; a failing event holds back only its own lane;
 *   - attempts on the documented schedule (WEBHOOK_RETRY_DELAYS_MS overrides
 *     it), 2xx within 10 s counts, dead-lettered after the last failure;
 *   - at most MAX_IN_FLIGHT requests at once, shared fairly between the
 *     subscribers that have work, and never more than MAX_IN_FLIGHT -
 *     RESERVED_SLOTS for one: a slow or dead endpoint never starves the others;
 *   - the POSTs leave through this tenant's WebhookSender shards, never from
 *     this object, so no invocation holds more than 6 connections
 *     (Cloudflare's cap; docs/webhooks.md).
 *
 * Everything time-driven runs from the alarm; enqueue only stores and rings.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env.ts';
import { filterAccepts, ALL_EVENTS, TEST_EVENT_TYPE } from '../../dialer-events/catalog.ts';
import { envelopeBody, prepareEvent, type PreparedEvent } from '../../dialer-events/envelope.ts';
import { Doorbell, pumpDeliveries } from '../../webhooks/delivery-pump.ts';
import type { WebhookAttemptResult, WebhookHeaderNames } from '../../webhooks/post-webhook.ts';
import { SenderPool } from '../../webhooks/sender-pool.ts';
import { delayBeforeAttempt, retryScheduleFrom } from '../../webhooks/retry-schedule.ts';
import { allowsLoopback, webhookUrlProblem } from '../../outbound-urls/url-policy.ts';
import { DeliveryStore, type DeliveryStatus, type DeliveryView, type DueHead, type PendingDelivery } from './delivery-store.ts';
import { RELOAD_AFTER_MS, loadSubscriptions, type LiveSubscription } from './subscriptions.ts';

/** The spec names X-BroadNet-Signature; the others follow its naming. */
export const DIALER_WEBHOOK_HEADERS: WebhookHeaderNames = {
  signature: 'X-BroadNet-Signature',
  eventId: 'X-BroadNet-Event-Id',
  eventType: 'X-BroadNet-Event-Type',
  attempt: 'X-BroadNet-Delivery-Attempt',
};

/** Within what this tenant's sender shards carry at once (11 × 6 = 66 connections), so no attempt ever waits for a connection. */
export const MAX_IN_FLIGHT = 64;
/** Slots one subscriber can never take, so another's new events always find one free. */
const RESERVED_SLOTS = 16;
/** The least a subscriber with work is given, however many others have work too. */
const MIN_SHARE = 4;
/** How long one alarm keeps starting attempts; those in flight then finish (≤ 10 s each). */
const DELIVERY_BUDGET_MS = 25_000;
/**
 * While attempts are in flight, the loop refills at most this often: a refill
 * writes the successes since the last one (three statements) and reads the due
 * heads, whatever their number, so one per finished batch cost more than the
 * attempts (docs/webhooks.md "Third pass"). Small beside a receiver's round trip.
 */
const REFILL_EVERY_MS = 20;
/** Settled deliveries stay listable this long. */
export const RETENTION_MS = 7 * 24 * 3600 * 1000;
const PRUNE_CHUNK = 2_000;

export interface TestResult {
  event_id: string;
  delivered: boolean;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

/** Reached through the stubs module; named here too for the tests that drive it directly. */
export { tenantEvents } from '../stubs.ts';

export class TenantEvents extends DurableObject<Env> {
  #store: DeliveryStore;
  #tenantId: string | null;
  #subs: Map<string, LiveSubscription> | null = null;
  #subsLoadedAt = 0;
  #generation = 0;
  #loading: { generation: number; promise: Promise<Map<string, LiveSubscription>> } | null = null;
  #doorbell = new Doorbell();
  #enqueueCalls = 0;
  #senders: SenderPool | null = null;
  /** The URL policy's verdict per subscription URL: it is pure, and was asked once per attempt. */
  #refusals = new Map<string, string | null>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new DeliveryStore(ctx.storage.sql);
    this.#tenantId = this.#store.meta('tenant_id');
  }

  // ── RPC ───────────────────────────────────────────────────────────────

  /** Event types at least one active subscription takes (["*"] if one takes everything). */
  async interest(tenantId: string): Promise<string[]> {
    const types = new Set<string>();
    for (const sub of (await this.#subscriptions(tenantId)).values()) {
      if (!sub.active) continue;
      if (sub.eventTypes.includes(ALL_EVENTS)) return [ALL_EVENTS];
      for (const t of sub.eventTypes) types.add(t);
    }
    return [...types];
  }

  /** Stores a delivery per matching active subscription; events nobody takes leave no trace. */
  async enqueue(tenantId: string, events: PreparedEvent[]): Promise<{ events: number; deliveries: number }> {
    this.#enqueueCalls++;
    const active = [...(await this.#subscriptions(tenantId)).values()].filter((s) => s.active);
    const now = Date.now();
    const items = events.flatMap((event) => {
      const subscriptionIds = active.filter((s) => filterAccepts(s.eventTypes, event.type)).map((s) => s.id);
      return subscriptionIds.length === 0 ? [] : [{ event, body: envelopeBody(tenantId, event), subscriptionIds }];
    });
    // One hand-over, three statements: events, deliveries, lanes (delivery-store.ts addEvents).
    const added = this.#store.addEvents(items, now);
    const stored = added.events;
    const deliveries = added.deliveries.length;
    if (deliveries > 0) {
      this.#doorbell.ring();
      await this.#wake(now);
    }
    return { events: stored, deliveries };
  }

  /** The subscription routes changed something: reload, and cancel what a deleted or paused subscription had pending. */
  async subscriptionsChanged(tenantId: string): Promise<void> {
    const subs = await this.#reload(tenantId);
    this.#cancelInactive(subs);
    this.#doorbell.ring();
  }

  async deliveries(
    tenantId: string,
    subscriptionId: string,
    query: { status?: DeliveryStatus; beforeId?: number; limit: number },
  ): Promise<{ rows: DeliveryView[]; total: number }> {
    this.#remember(tenantId);
    return { rows: this.#store.list(subscriptionId, { ...query, limit: query.limit + 1 }), total: this.#store.count(subscriptionId, query.status) };
  }

  /**
   * POST /v1/webhooks/{id}/test: one signed webhook.test event to this
   * subscription (active or not), tried once now, logged with its deliveries.
   */
  async sendTest(tenantId: string, subscriptionId: string): Promise<TestResult | null> {
    const sub = (await this.#reload(tenantId)).get(subscriptionId);
    if (!sub) return null;
    const now = Date.now();
    const event = prepareEvent(
      { type: TEST_EVENT_TYPE, correlationId: sub.id, payload: { subscription_id: sub.id, message: 'Test event from Crier: your endpoint received and can verify this webhook.' } },
      now,
    );
    const seq = this.#store.insertEvent(event, envelopeBody(tenantId, event), now)!;
    const id = this.#store.addLoneDelivery(seq, sub.id, now);
    const delivery = this.#store.pending(id)!;
    const result = await this.#post(sub, delivery);
    this.#store.recordAttempt(delivery, attemptRecord(1, now, result), result.ok, null, Date.now());
    return { event_id: event.eventId, delivered: result.ok, status_code: result.statusCode, error: result.error, duration_ms: result.durationMs };
  }

  /** Table sizes and enqueue calls since the object started: for tests and operators, proof that unwanted events cost nothing. */
  async stats(): Promise<{ events: number; deliveries: number; lanes: number; enqueueCalls: number }> {
    return { ...this.#store.sizes(), enqueueCalls: this.#enqueueCalls };
  }

  // ── The alarm: deliver what is due, prune, sleep until the next due time ──

  override async alarm(): Promise<void> {
    const tenantId = this.#tenantId;
    if (!tenantId) return;
    try {
      const subs = await this.#subscriptions(tenantId);
      this.#cancelInactive(subs);
      const schedule = retryScheduleFrom(this.env.WEBHOOK_RETRY_DELAYS_MS);
      // Subscribers with work, as the last refill found them: the fair share that follows it needs the same count, not a second query.
      let working = 1;
      await pumpDeliveries<DueHead>(
        {
          due: (limit, busy) => {
            const ids = this.#store.subscriptionsWithWork().filter((id) => this.#subs?.get(id)?.active);
            working = ids.length;
            // No more than the free slots: each refill read 96 lanes (twice the share) to start a few.
            return this.#store.dueHeads(ids, Date.now(), shareFor(ids.length), Math.min(limit, MAX_IN_FLIGHT - busy.size), busy);
          },
          laneOf: (head) => head.lane,
          groupOf: (head) => head.subscriptionId,
          attempt: (head) => this.#attempt(head, schedule),
        },
        {
          maxInFlight: MAX_IN_FLIGHT,
          maxPerGroup: () => shareFor(working),
          budgetMs: DELIVERY_BUDGET_MS,
          refillEveryMs: REFILL_EVERY_MS,
          wake: () => this.#doorbell.wait(),
          nextDueAt: () => this.#store.nextDueAt(Date.now()),
        },
      );
    } catch (err) {
      // Rethrown so the runtime retries the alarm; logged so the failure is never silent.
      console.error(JSON.stringify({ msg: 'tenant events alarm failed', tenant_id: tenantId, error: String(err), stack: (err as Error).stack }));
      throw err;
    }
    const now = Date.now();
    const pruneAt = this.#store.prune(now, RETENTION_MS, PRUNE_CHUNK);
    const dueAt = this.#store.nextDueAt();
    const next = [dueAt, pruneAt].filter((t): t is number => t !== null);
    if (next.length > 0) await this.ctx.storage.setAlarm(Math.max(now + 10, Math.min(...next)));
  }

  async #attempt(head: DueHead, schedule: readonly number[]): Promise<void> {
    const delivery = this.#store.pending(head.deliveryId);
    if (!delivery) {
      // Settled or cancelled since the lane was read: move the lane on.
      this.#store.advanceLane(head.lane);
      return;
    }
    const sub = this.#subs?.get(head.subscriptionId);
    if (!sub?.active) {
      this.#store.cancelSubscription(head.subscriptionId, Date.now());
      return;
    }
    const attempt = delivery.attempts + 1;
    const startedAt = Date.now();
    const result = await this.#post(sub, delivery);
    if (result.ok) {
      // Written with the turn's other successes, before the next refill reads the lanes.
      this.#store.markDelivered(delivery, attemptRecord(attempt, startedAt, result));
      return;
    }
    const now = Date.now();
    const delay = delayBeforeAttempt(attempt + 1, schedule);
    const status = this.#store.recordAttempt(delivery, attemptRecord(attempt, startedAt, result), false, delay === null ? null : now + delay, now);
    if (status === 'dead_lettered') {
      console.warn(JSON.stringify({ msg: 'dialer webhook dead-lettered', tenant_id: this.#tenantId, subscription_id: sub.id, event_id: delivery.eventId, attempts: attempt, error: result.error }));
    }
  }

  /** One signed POST of the stored body, or a failure without a request when the URL is no longer allowed. */
  async #post(sub: LiveSubscription, delivery: PendingDelivery): Promise<WebhookAttemptResult> {
    let refused = this.#refusals.get(sub.url);
    if (refused === undefined) {
      refused = webhookUrlProblem(sub.url, allowsLoopback(this.env.WEBHOOK_ALLOW_LOOPBACK));
      // At most a tenant's subscriptions' URLs, old and new: forgotten wholesale if it ever grows.
      if (this.#refusals.size >= 100) this.#refusals.clear();
      this.#refusals.set(sub.url, refused);
    }
    if (refused) return { ok: false, statusCode: null, error: `url refused: ${refused}`, durationMs: 0 };
    this.#senders ??= new SenderPool(this.env.WEBHOOK_SENDER, `tenant-events:${this.#tenantId}`);
    return this.#senders.post({
      url: sub.url,
      secret: sub.secret,
      body: delivery.body,
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      attempt: delivery.attempts + 1,
      headers: DIALER_WEBHOOK_HEADERS,
      followRedirects: false,
    });
  }

  // ── Subscriptions ─────────────────────────────────────────────────────

  /** The copy in memory, reloaded when older than RELOAD_AFTER_MS. */
  async #subscriptions(tenantId: string): Promise<Map<string, LiveSubscription>> {
    this.#remember(tenantId);
    if (this.#subs && Date.now() - this.#subsLoadedAt < RELOAD_AFTER_MS) return this.#subs;
    return this.#loading?.generation === this.#generation ? this.#loading.promise : this.#reload(tenantId);
  }

  /**
   * Reads the subscriptions from D1 now. A load that started before a change
   * notice never overwrites the copy read after it (generations), and the old
   * copy serves in-flight attempts until the new one is in.
   */
  #reload(tenantId: string): Promise<Map<string, LiveSubscription>> {
    this.#remember(tenantId);
    const generation = ++this.#generation;
    const startedAt = Date.now();
    const promise = loadSubscriptions(this.env.DB, tenantId).then((subs) => {
      if (generation === this.#generation) {
        this.#subs = subs;
        this.#subsLoadedAt = startedAt;
      }
      return subs;
    });
    const settle = () => {
      if (this.#loading?.promise === promise) this.#loading = null;
    };
    promise.then(settle, settle);
    this.#loading = { generation, promise };
    return promise;
  }

  /** Pending work of a subscription that is gone or paused is cancelled, never sent. */
  #cancelInactive(subs: Map<string, LiveSubscription>): void {
    const now = Date.now();
    for (const id of this.#store.subscriptionsWithWork()) {
      if (!subs.get(id)?.active) this.#store.cancelSubscription(id, now);
    }
  }

  #remember(tenantId: string): void {
    if (this.#tenantId === tenantId) return;
    if (this.#tenantId !== null) throw new Error(`TenantEvents for ${this.#tenantId} called for tenant ${tenantId}`);
    this.#tenantId = tenantId;
    this.#store.setMeta('tenant_id', tenantId);
  }

  async #wake(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }
}

/** In-flight requests one subscriber may hold while `busy` subscribers have work. */
export function shareFor(busy: number): number {
  return Math.max(MIN_SHARE, Math.min(MAX_IN_FLIGHT - RESERVED_SLOTS, Math.floor(MAX_IN_FLIGHT / Math.max(1, busy))));
}

function attemptRecord(attempt: number, startedAtMs: number, result: WebhookAttemptResult) {
  return { attempt, at: new Date(startedAtMs).toISOString(), status_code: result.statusCode, error: result.error, duration_ms: result.durationMs };
}
