// Broadcast webhooks through WebhookSender shards (docs/webhooks.md "Throughput
// under the connection cap"): many legs in flight at once, never more than 6
// POSTs open per sender object, per-leg order and at-least-once kept, and a
// slow receiver of one broadcast never holding up another's deliveries.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { SENDER_SHARDS, senderName } from '../../../worker/src/webhooks/sender-shards.ts';
import { box, legScript, postEvents, recipients, seedTenant, startBroadcast, startNode, stopNodesAfterEach, waitFor, type Box } from './harness.ts';
import type { MediaEvent } from '../../../worker/src/media-protocol/index.ts';

const stops = stopNodesAfterEach();
const LEG_ORDER = ['ringing', 'connected', 'playstate:initiated', 'playstate:playfinished', 'disconnected'];

async function senderStats(broadcastId: string) {
  return Promise.all(
    Array.from({ length: SENDER_SHARDS }, (_, k) => env.WEBHOOK_SENDER.get(env.WEBHOOK_SENDER.idFromName(senderName(`broadcast:${broadcastId}`, k))).stats()),
  );
}

async function startOneNode() {
  const node = box();
  const nodeId = `node-${node.name}`;
  stops.push((await startNode(nodeId, node.nodeUrl, 1000)).stop);
  return { node, nodeId };
}

/** Starts a broadcast of `legs` legs on the node (one is started if none is given), answers every originate, and reports all five events of every leg in one batch. */
async function runLegs(hooks: Box, legs: number, on?: { node: Box; nodeId: string }) {
  const tenant = await seedTenant();
  const { node, nodeId } = on ?? (await startOneNode());
  const { broadcastId, stub } = await startBroadcast(tenant, hooks, recipients(legs), { callsPerSecond: 1000, maxConcurrentCalls: 1000 });
  const originates = await waitFor(async () => {
    const cmds = (await node.commands()).filter((c) => c.type === 'originate' && c.owner.id === broadcastId);
    return cmds.length === legs ? cmds : null;
  }, 15_000, `${legs} originates`);
  const events: MediaEvent[] = [];
  for (const cmd of originates) {
    const s = legScript(cmd.voice_id, broadcastId);
    events.push(s.ringing(), s.connected(), s.play('initiated'), s.play('playfinished'), s.disconnected());
  }
  const results = await postEvents(nodeId, events);
  expect(results.every((r) => r.status === 'applied')).toBe(true);
  return { broadcastId, stub, voiceIds: originates.map((c) => c.voice_id as string) };
}

function expectLegOrder(delivered: Array<Record<string, any>>, voiceIds: string[]) {
  for (const voiceId of voiceIds) {
    const states = delivered.filter((e) => e.voice_id === voiceId).map((e) => e.state ?? `playstate:${e.playstate}`);
    expect(states).toEqual(LEG_ORDER);
  }
}

const completeOf = (hooks: Box) => waitFor(async () => {
  const d = await hooks.delivered();
  return d.some((e) => e.state === 'broadcastcall_complete') ? d : null;
}, 25_000, 'broadcastcall_complete');

describe('webhook senders', () => {
  it('spreads a broadcast’s deliveries over several senders, never more than 6 open in one, in order per leg', async () => {
    const hooks = box();
    // The first 40 attempts are held 300 ms, so many are open at once.
    await hooks.configure({ delayFirst: 40, delayMs: 300 });
    const { broadcastId, stub, voiceIds } = await runLegs(hooks, 40);
    const delivered = await completeOf(hooks);
    expect(delivered).toHaveLength(40 * 5 + 1);
    expect(delivered.at(-1)!.state).toBe('broadcastcall_complete');
    expectLegOrder(delivered, voiceIds);
    const stats = await senderStats(broadcastId);
    expect(stats.reduce((n, s) => n + s.sent, 0)).toBe(40 * 5 + 1);
    for (const s of stats) expect(s.peak).toBeLessThanOrEqual(6);
    // 40 held at once cannot fit in fewer than 7 senders of 6.
    expect(stats.filter((s) => s.peak > 0).length).toBeGreaterThanOrEqual(7);
    expect((await stub.status())!.webhooks).toMatchObject({ pending: 0, delivered: 40 * 5 + 1, failed: 0 });
  });

  it('delivers every event at least once after a batch of failures, with the same event id and in order per leg', async () => {
    const hooks = box();
    await hooks.configure({ failFirst: 25 });
    const { stub, voiceIds } = await runLegs(hooks, 20);
    const delivered = await completeOf(hooks);
    expectLegOrder(delivered, voiceIds);
    const hooksLog = await hooks.hooks();
    const failed = hooksLog.filter((h) => h.status !== 200);
    expect(failed).toHaveLength(25);
    const okIds = new Set(hooksLog.filter((h) => h.status === 200).map((h) => h.headers['x-crier-event-id']));
    for (const f of failed) {
      expect(okIds.has(f.headers['x-crier-event-id'])).toBe(true);
      const retry = hooksLog.find((h) => h.status === 200 && h.headers['x-crier-event-id'] === f.headers['x-crier-event-id'])!;
      expect(Number(retry.headers['x-crier-delivery-attempt'])).toBeGreaterThan(Number(f.headers['x-crier-delivery-attempt']));
      expect(retry.headers['x-crier-signature']).toBe(f.headers['x-crier-signature']);
    }
    expect((await stub.status())!.webhooks).toMatchObject({ pending: 0, delivered: 20 * 5 + 1, failed: 0 });
  });

  it('a slow receiver on one broadcast does not hold up another broadcast’s deliveries', async () => {
    const slow = box();
    const fast = box();
    // Every first attempt of the slow broadcast hangs 8 s (under the 10 s timeout).
    await slow.configure({ delayFirst: 6, delayMs: 8_000 });
    const shared = await startOneNode();
    const a = await runLegs(slow, 6, shared);
    const firstSlow = await waitFor(async () => {
      const h = await slow.hooks();
      return h.length >= 6 ? h[0]!.at : null;
    }, 10_000, 'the slow receiver to hold its first requests');
    const b = await runLegs(fast, 30, shared);
    const delivered = await completeOf(fast);
    expectLegOrder(delivered, b.voiceIds);
    const fastDone = Math.max(...(await fast.hooks()).map((h) => h.at));
    // Everything of the fast broadcast arrived while the slow one's first requests were still held.
    expect(fastDone).toBeLessThan(firstSlow + 8_000);
    expect((await slow.hooks()).length).toBe(6);
    const slowStats = await senderStats(a.broadcastId);
    for (const s of slowStats) expect(s.peak).toBeLessThanOrEqual(6);
  }, 40_000);
});
