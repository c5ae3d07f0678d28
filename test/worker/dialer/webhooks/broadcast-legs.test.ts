// A broadcast's legs raise the dialer API's call.* webhooks: initiated when a
// media node takes the leg, answered on connect, completed when it ends, in
// that order per call, with the same facts as the calls history; raised in
// batches (not one Durable Object call per leg event), and not stored at all
// for a tenant nobody subscribed for.
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { seedDialerTenant, type DialerTenant } from '../../helpers/dialer.ts';
import { addBroadcastApp } from '../../helpers/tenant.ts';
import { legScript, postEvents, recipients, startBroadcast, startNode, stopNodesAfterEach, type SeededTenant } from '../../session/harness.ts';
import { box, receivedWhen, subscribe, tenantOutbox, verifyWebhook, waitFor } from './helpers.ts';

const stops = stopNodesAfterEach();

const withApp = (t: DialerTenant): Promise<SeededTenant> => addBroadcastApp(t.tenantId);

async function liveNode(capacity = 100) {
  const node = box();
  const nodeId = `node-${node.name}`;
  stops.push((await startNode(nodeId, node.nodeUrl, capacity)).stop);
  return { node, nodeId };
}

async function originates(node: ReturnType<typeof box>, n: number): Promise<Array<{ voice_id: string; to: string }>> {
  return waitFor(async () => {
    const cmds = (await node.commands()).filter((c) => c.type === 'originate');
    return cmds.length === n ? (cmds as Array<{ voice_id: string; to: string }>) : null;
  }, 10_000, `${n} originates`);
}

function sessionSequence(broadcastId: string): Promise<number | null> {
  const stub = env.BROADCAST_SESSION.get(env.BROADCAST_SESSION.idFromName(broadcastId));
  return runInDurableObject(stub, (_instance, state) => state.storage.sql.exec<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'dialer_events'").toArray()[0]?.seq ?? null);
}

describe('broadcast legs raise call.* webhooks', () => {
  it('initiated → answered → completed per leg, with the payload the docs define and the calls history agrees with', async () => {
    const t = await seedDialerTenant();
    const tenant = await withApp(t);
    const dialerHooks = box();
    const sub = await subscribe(t.admin, dialerHooks, ['call.initiated', 'call.answered', 'call.completed']);
    const { node, nodeId } = await liveNode();
    const { broadcastId } = await startBroadcast(tenant, box(), recipients(2), { amd: true });
    const [answeredLeg, busyLeg] = await originates(node, 2);

    // A recording of the answered leg: its id travels in call.completed.
    const recordingId = crypto.randomUUID();
    await env.DB.prepare("INSERT INTO recordings (id, tenant_id, call_id, broadcast_id, name, status, r2_key, started_at) VALUES (?, ?, ?, ?, 'r', 'stored', 'k', ?)")
      .bind(recordingId, t.tenantId, answeredLeg!.voice_id, broadcastId, new Date().toISOString())
      .run();
    const a = legScript(answeredLeg!.voice_id, broadcastId);
    const b = legScript(busyLeg!.voice_id, broadcastId);
    await postEvents(nodeId, [a.ringing(), b.ringing(), a.connected('HUMAN'), b.disconnected(17, 'User Busy', 0), a.play('initiated'), a.play('playfinished')]);
    await postEvents(nodeId, [a.disconnected(16, 'Normal Clearing', 12.6)]);

    const all = await receivedWhen(dialerHooks, (r) => r.length === 5, 10_000, 'five call events');
    expect(all.every((r) => r.status === 200)).toBe(true);
    for (const r of all) expect(await verifyWebhook(new TextEncoder().encode(r.raw), r.headers['x-broadnet-signature']!, sub.secret)).toBe(true);
    const of = (voiceId: string) => all.filter((r) => r.envelope.correlation_id === voiceId).map((r) => r.envelope);
    expect(of(answeredLeg!.voice_id).map((e) => e.event_type)).toEqual(['call.initiated', 'call.answered', 'call.completed']);
    expect(of(busyLeg!.voice_id).map((e) => e.event_type)).toEqual(['call.initiated', 'call.completed']);

    const [initiated, answered, completed] = of(answeredLeg!.voice_id);
    const identity = {
      call_id: answeredLeg!.voice_id,
      agent_id: null,
      campaign_id: null,
      broadcast_id: broadcastId,
      contact_phone: '+971501000000',
      direction: 'outbound',
    };
    expect(initiated).toMatchObject({ tenant_id: t.tenantId, schema_version: '1' });
    expect(initiated!.payload).toEqual({ ...identity, status: 'dialing', started_at: initiated!.occurred_at });
    expect(answered!.payload).toEqual({ ...identity, status: 'connected', answered_by: 'human', started_at: initiated!.occurred_at, answered_at: expect.any(String) });
    expect(answered!.occurred_at).toBe(answered!.payload.answered_at);
    expect(completed!.payload).toEqual({
      ...identity,
      status: 'completed',
      disposition: null,
      duration_seconds: 13,
      recording_id: recordingId,
      started_at: initiated!.occurred_at,
      answered_at: answered!.payload.answered_at,
      ended_at: completed!.occurred_at,
      hangup_cause_code: 16,
      hangup_cause: 'Normal Clearing',
    });
    const busy = of(busyLeg!.voice_id)[1]!;
    expect(busy.payload).toMatchObject({ call_id: busyLeg!.voice_id, contact_phone: '+971501000001', status: 'busy', duration_seconds: 0, answered_at: null, recording_id: null, hangup_cause_code: 17 });

    // The same facts as GET /v1/calls reads from the history.
    const rows = await env.DB.prepare('SELECT id, status, contact_phone FROM calls WHERE broadcast_id = ?').bind(broadcastId).all<{ id: string; status: string; contact_phone: string }>();
    for (const row of rows.results) {
      const done = of(row.id).at(-1)!;
      expect(done.payload).toMatchObject({ status: row.status, contact_phone: row.contact_phone });
    }
  });

  it('hands a broadcast’s leg events over in a few batches, not one call per event', async () => {
    const t = await seedDialerTenant();
    const tenant = await withApp(t);
    const hooks = box();
    await subscribe(t.admin, hooks, ['call.initiated', 'call.answered', 'call.completed']);
    const legs = 150;
    const { node, nodeId } = await liveNode(1000);
    const { broadcastId } = await startBroadcast(tenant, box(), recipients(legs), { callsPerSecond: 1000, maxConcurrentCalls: 1000 });
    const t0 = Date.now();
    const dialled = await originates(node, legs);
    const t1 = Date.now();
    const scripts = dialled.map((o) => legScript(o.voice_id, broadcastId));
    await postEvents(nodeId, scripts.flatMap((s) => [s.ringing(), s.connected('HUMAN')]));
    await postEvents(nodeId, scripts.map((s) => s.disconnected()));

    const all = await receivedWhen(hooks, (r) => r.filter((x) => x.status === 200).length === legs * 3, 30_000, `${legs * 3} call events`);
    expect(new Set(all.map((r) => r.envelope.event_id)).size).toBe(legs * 3);
    for (const o of dialled) {
      expect(all.filter((r) => r.envelope.correlation_id === o.voice_id).map((r) => r.envelope.event_type)).toEqual(['call.initiated', 'call.answered', 'call.completed']);
    }
    const stats = await tenantOutbox(t.tenantId).stats();
    expect(stats.events).toBe(legs * 3);
    // 450 events in a handful of hand-overs (each session tick sends what it has queued).
    expect(stats.enqueueCalls).toBeLessThanOrEqual(20);
    console.log(`${legs * 3} call events reached TenantEvents in ${stats.enqueueCalls} calls; dial ${t1 - t0} ms, deliver ${Date.now() - t1} ms`);
  });

  it('stores nothing in the session or the outbox for a tenant without subscribers, and only wanted types otherwise', async () => {
    const quiet = await withApp(await seedDialerTenant());
    const q = await liveNode();
    const quietRun = await startBroadcast(quiet, box(), recipients(2));
    const quietLegs = await originates(q.node, 2);
    for (const o of quietLegs) {
      const s = legScript(o.voice_id, quietRun.broadcastId);
      await postEvents(q.nodeId, [s.ringing(), s.connected('HUMAN'), s.disconnected()]);
    }
    const statusOf = (id: string) => env.BROADCAST_SESSION.get(env.BROADCAST_SESSION.idFromName(id)).status();
    await waitFor(async () => ((await statusOf(quietRun.broadcastId))?.state === 'broadcastcall_complete' ? true : null), 10_000, 'quiet broadcast complete');
    expect(await sessionSequence(quietRun.broadcastId)).toBeNull();
    expect(await tenantOutbox(quiet.tenantId).stats()).toMatchObject({ events: 0, deliveries: 0, enqueueCalls: 0 });

    // Subscribed to call.completed only: the session queues just those. (Same node: the fleet may pick any live one.)
    const t = await seedDialerTenant();
    const tenant = await withApp(t);
    const hooks = box();
    await subscribe(t.admin, hooks, ['call.completed']);
    const run = await startBroadcast(tenant, box(), recipients(2));
    const legs = (await originates(q.node, 4)).filter((o) => !quietLegs.some((x) => x.voice_id === o.voice_id));
    expect(legs).toHaveLength(2);
    for (const o of legs) {
      const s = legScript(o.voice_id, run.broadcastId);
      await postEvents(q.nodeId, [s.ringing(), s.connected('HUMAN'), s.disconnected()]);
    }
    const got = await receivedWhen(hooks, (r) => r.length === 2, 10_000, 'two call.completed');
    expect(got.map((r) => r.envelope.event_type)).toEqual(['call.completed', 'call.completed']);
    expect(await sessionSequence(run.broadcastId)).toBe(2);
    expect(await tenantOutbox(t.tenantId).stats()).toMatchObject({ events: 2, deliveries: 2 });
  });
});
