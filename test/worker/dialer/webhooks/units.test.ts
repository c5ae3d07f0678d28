// The pure parts of dialer webhooks, tested directly: URL rules, the
// envelope, call payloads, subscription filters, the delivery loop's limits.
import { describe, expect, it } from 'vitest';
import { webhookUrlProblem } from '../../../../worker/src/outbound-urls/url-policy.ts';
import { envelopeBody, prepareEvent } from '../../../../worker/src/dialer-events/envelope.ts';
import { filterAccepts } from '../../../../worker/src/dialer-events/catalog.ts';
import { callAnswered, callCompleted, callInitiated } from '../../../../worker/src/dialer-events/call-payloads.ts';
import { Doorbell, pumpDeliveries } from '../../../../worker/src/webhooks/delivery-pump.ts';
import { shareFor } from '../../../../worker/src/durable/tenant-events/index.ts';

describe('webhook URL policy', () => {
  it.each([
    ['https://crm.example.com/hooks', false, null],
    ['https://crm.example.com:8443/hooks?x=1', false, null],
    ['http://crm.example.com/hooks', false, 'must use https'],
    ['http://crm.example.com/hooks', true, 'must use https (http is allowed for loopback hosts only)'],
    ['http://127.0.0.1:8080/h', false, 'must not point at a loopback address'],
    ['http://127.0.0.1:8080/h', true, null],
    ['http://127.9.9.9/h', true, null],
    ['https://localhost/h', true, null],
    ['http://[::1]:9/h', true, null],
    ['https://[::ffff:127.0.0.1]/h', false, 'must not point at a private or link-local address'],
    ['https://2130706433/h', false, 'must not point at a loopback address'],
    ['https://10.0.0.8/h', true, 'must not point at a private or link-local address'],
    ['https://172.20.1.1/h', false, 'must not point at a private or link-local address'],
    ['https://172.32.1.1/h', false, null],
    ['https://100.64.0.1/h', false, 'must not point at a private or link-local address'],
    ['https://[fe80::1]/h', false, 'must not point at a private or link-local address'],
    ['https://[2001:db8::1]/h', false, null],
    ['https://printer.local/h', false, 'must not point at a private or link-local address'],
    ['https://intranet/h', false, 'must name a public host'],
    ['https://u:p@crm.example.com/h', false, 'must not contain credentials'],
    ['https://crm.example.com/h#frag', false, 'must not contain a fragment'],
    ['ws://crm.example.com/h', false, 'must use https'],
    ['/relative', false, 'must be an absolute URL'],
  ])('%s (loopback allowed: %s) → %s', (url, allowLoopback, expected) => {
    expect(webhookUrlProblem(url, allowLoopback)).toBe(expected);
  });
});

describe('envelope', () => {
  it('has the spec keys in order, a UUIDv7 id, schema_version "1" and a normalised occurred_at', () => {
    const e = prepareEvent({ type: 'dnc.added', correlationId: 'c-1', payload: { a: 1 }, occurredAt: '2026-06-12T17:50:22+04:00' }, Date.UTC(2026, 5, 12));
    const body = JSON.parse(envelopeBody('t-1', e)) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['event_id', 'event_type', 'tenant_id', 'occurred_at', 'correlation_id', 'schema_version', 'payload']);
    expect(body).toMatchObject({ event_type: 'dnc.added', tenant_id: 't-1', occurred_at: '2026-06-12T13:50:22.000Z', correlation_id: 'c-1', schema_version: '1', payload: { a: 1 } });
    expect(body.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(prepareEvent({ type: 'dnc.added', correlationId: 'c', payload: {}, eventId: 'fixed' }).eventId).toBe('fixed');
    expect(() => prepareEvent({ type: 'dnc.added', correlationId: 'c', payload: {}, occurredAt: 'yesterday' })).toThrow(/not a date/);
    expect(() => prepareEvent({ type: 'dnc.added', correlationId: '', payload: {} })).toThrow(/correlationId/);
  });

  it('filters: catalog names or "*"', () => {
    expect(filterAccepts(['*'], 'call.completed')).toBe(true);
    expect(filterAccepts(['call.completed'], 'call.completed')).toBe(true);
    expect(filterAccepts(['call.completed'], 'call.initiated')).toBe(false);
    expect(filterAccepts([], 'call.initiated')).toBe(false);
  });
});

describe('call payloads', () => {
  const call = { tenantId: 't', callId: 'c', contactPhone: '+971501234567', agentId: null, campaignId: 'camp', broadcastId: null };
  it('share the call identity and correlate by call id', () => {
    const i = callInitiated(call, { startedAt: '2026-06-12T10:15:00.000Z' });
    const a = callAnswered(call, { startedAt: '2026-06-12T10:15:00.000Z', answeredAt: '2026-06-12T10:15:18.000Z', answeredBy: 'MACHINE' });
    const c = callCompleted(call, {
      status: 'completed',
      disposition: 'sale',
      durationSeconds: 247.6,
      recordingId: 'r',
      startedAt: '2026-06-12T10:15:00.000Z',
      answeredAt: '2026-06-12T10:15:18.000Z',
      endedAt: '2026-06-12T10:19:08.000Z',
      causeCode: 16,
      causeReason: 'Normal Clearing',
    });
    for (const e of [i, a, c]) {
      expect(e.correlationId).toBe('c');
      expect(e.payload).toMatchObject({ call_id: 'c', agent_id: null, campaign_id: 'camp', broadcast_id: null, contact_phone: '+971501234567', direction: 'outbound' });
    }
    expect([i.occurredAt, a.occurredAt, c.occurredAt]).toEqual(['2026-06-12T10:15:00.000Z', '2026-06-12T10:15:18.000Z', '2026-06-12T10:19:08.000Z']);
    expect(a.payload.answered_by).toBe('machine');
    expect(c.payload).toMatchObject({ status: 'completed', disposition: 'sale', duration_seconds: 248, recording_id: 'r' });
  });
});

describe('delivery loop', () => {
  interface Row {
    lane: string;
    group: string;
    n: number;
  }

  function source(rows: Row[], hold: (row: Row) => Promise<void>) {
    const pending = [...rows];
    let inFlight = 0;
    let peak = 0;
    const perGroupPeak = new Map<string, number>();
    const perGroupNow = new Map<string, number>();
    const laneNow = new Set<string>();
    const done: Row[] = [];
    return {
      done,
      add: (row: Row) => pending.push(row),
      peak: () => peak,
      perGroupPeak,
      src: {
        due: (limit: number, busy: ReadonlySet<string>) => {
          const heads = new Map<string, Row>();
          for (const r of pending) if (!heads.has(r.lane)) heads.set(r.lane, r);
          return [...heads.values()].filter((r) => !busy.has(r.lane)).slice(0, limit);
        },
        laneOf: (r: Row) => r.lane,
        groupOf: (r: Row) => r.group,
        attempt: async (r: Row) => {
          expect(laneNow.has(r.lane)).toBe(false);
          laneNow.add(r.lane);
          inFlight++;
          peak = Math.max(peak, inFlight);
          perGroupNow.set(r.group, (perGroupNow.get(r.group) ?? 0) + 1);
          perGroupPeak.set(r.group, Math.max(perGroupPeak.get(r.group) ?? 0, perGroupNow.get(r.group)!));
          await hold(r);
          pending.splice(pending.indexOf(r), 1);
          done.push(r);
          inFlight--;
          perGroupNow.set(r.group, perGroupNow.get(r.group)! - 1);
          laneNow.delete(r.lane);
        },
      },
    };
  }

  it('keeps lanes in order, respects the in-flight and per-group limits, and finishes everything', async () => {
    const rows: Row[] = [];
    for (let lane = 0; lane < 20; lane++) for (let n = 0; n < 3; n++) rows.push({ lane: `L${lane}`, group: lane < 15 ? 'slow' : 'fast', n });
    const s = source(rows, () => new Promise((r) => setTimeout(r, 2)));
    const attempts = await pumpDeliveries(s.src, { maxInFlight: 8, maxPerGroup: 5, budgetMs: 10_000 });
    expect(attempts).toBe(60);
    expect(s.done).toHaveLength(60);
    expect(s.peak()).toBeLessThanOrEqual(8);
    expect(s.perGroupPeak.get('slow')).toBeLessThanOrEqual(5);
    for (let lane = 0; lane < 20; lane++) expect(s.done.filter((r) => r.lane === `L${lane}`).map((r) => r.n)).toEqual([0, 1, 2]);
  });

  it('starts new work when woken while a slow attempt is still in flight', async () => {
    let releaseSlow!: () => void;
    const slowGate = new Promise<void>((r) => (releaseSlow = r));
    const rows: Row[] = [{ lane: 'slow', group: 'a', n: 0 }];
    const s = source(rows, (r) => (r.lane === 'slow' ? slowGate : Promise.resolve()));
    const bell = new Doorbell();
    const run = pumpDeliveries(s.src, { maxInFlight: 4, budgetMs: 10_000, wake: () => bell.wait() });
    await new Promise((r) => setTimeout(r, 10));
    s.add({ lane: 'fast', group: 'b', n: 0 });
    bell.ring();
    await new Promise((r) => setTimeout(r, 20));
    expect(s.done.map((r) => r.lane)).toEqual(['fast']);
    releaseSlow();
    await run;
    expect(s.done.map((r) => r.lane)).toEqual(['fast', 'slow']);
  });

  it('starts nothing once the budget is spent, but lets in-flight attempts finish', async () => {
    const rows: Row[] = Array.from({ length: 10 }, (_, n) => ({ lane: `L${n}`, group: 'g', n }));
    const s = source(rows, () => new Promise((r) => setTimeout(r, 30)));
    const attempts = await pumpDeliveries(s.src, { maxInFlight: 2, budgetMs: 1 });
    expect(attempts).toBe(2);
    expect(s.done).toHaveLength(2);
  });

  it('paced: collects the attempts that finish within refillEveryMs into one refill, and still finishes everything in order', async () => {
    const rows: Row[] = [];
    for (let lane = 0; lane < 8; lane++) for (let n = 0; n < 3; n++) rows.push({ lane: `L${lane}`, group: 'g', n });
    // Attempts finish one by one, 1 ms apart: unpaced, nearly every one would start a refill.
    const run = async (refillEveryMs: number | undefined) => {
      const s = source(rows.slice(), (r) => new Promise((resolve) => setTimeout(resolve, 1 + Number(r.lane.slice(1)))));
      let refills = 0;
      const due = s.src.due;
      const attempts = await pumpDeliveries({ ...s.src, due: (limit, busy) => (refills++, due(limit, busy)) }, { maxInFlight: 8, budgetMs: 10_000, refillEveryMs });
      for (let lane = 0; lane < 8; lane++) expect(s.done.filter((r) => r.lane === `L${lane}`).map((r) => r.n)).toEqual([0, 1, 2]);
      return { attempts, refills };
    };
    const unpaced = await run(undefined);
    const paced = await run(50);
    expect(unpaced.attempts).toBe(24);
    expect(paced.attempts).toBe(24);
    expect(paced.refills).toBeLessThan(unpaced.refills);
  });

  it('gives each busy subscriber a fair share, never all slots to one', () => {
    expect(shareFor(1)).toBe(48);
    expect(shareFor(2)).toBe(32);
    expect(shareFor(4)).toBe(16);
    expect(shareFor(25)).toBe(4);
  });
});
