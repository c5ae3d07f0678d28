// Time-driven behaviour of a BroadcastSession: the tenant's calls-per-second
// and concurrency limits, webhook retries that keep per-leg order, the idle
// guard, a node that stops heart-beating (cause 41), and no node at all (cause 34).
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { box, dialOneLeg, legScript, postEvents, recipients, seedTenant, startBroadcast, startNode, stopNodesAfterEach, waitFor } from './harness.ts';

const stops = stopNodesAfterEach();

/** Largest number of timestamps inside any window of `windowMs`. */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

describe('paced dispatch', () => {
  it('never dials more than calls_per_second in any one-second window', async () => {
    const tenant = await seedTenant();
    const node = box();
    stops.push((await startNode(`node-${node.name}`, node.nodeUrl, 500)).stop);
    await startBroadcast(tenant, box(), recipients(25), { callsPerSecond: 10, maxConcurrentCalls: 100 });
    const cmds = await waitFor(async () => {
      const c = await node.commands();
      return c.length === 25 ? c : null;
    }, 15_000, '25 originates');
    const times = cmds.map((c) => c.received_at as number);
    // Node-side receive times add a little network jitter; allow none over the limit.
    expect(maxInWindow(times, 950)).toBeLessThanOrEqual(10);
    const span = Math.max(...times) - Math.min(...times);
    expect(span).toBeGreaterThanOrEqual(1900); // 25 calls at 10/s take at least two seconds
  });

  it('holds live legs at max_concurrent_calls until some end', async () => {
    const tenant = await seedTenant();
    const node = box();
    const nodeId = `node-${node.name}`;
    stops.push((await startNode(nodeId, node.nodeUrl, 500)).stop);
    const { broadcastId } = await startBroadcast(tenant, box(), recipients(8), { callsPerSecond: 100, maxConcurrentCalls: 3 });
    const firstThree = await waitFor(async () => {
      const c = await node.commands();
      return c.length >= 3 ? c : null;
    });
    await new Promise((r) => setTimeout(r, 700));
    expect(await node.commands()).toHaveLength(3);
    const s = legScript(firstThree[0]!.voice_id, broadcastId);
    await postEvents(nodeId, [s.ringing(), s.disconnected(17, 'User Busy', 0)]);
    await waitFor(async () => ((await node.commands()).length === 4 ? true : null), 5_000, 'a fourth dial after one leg ended');
  });
});

describe('webhook delivery', () => {
  it('retries failures on the schedule, same event id, and keeps each leg in order', async () => {
    const tenant = await seedTenant();
    const hooks = box();
    await hooks.configure({ failFirst: 3 });
    const node = box();
    const nodeId = `node-${node.name}`;
    stops.push((await startNode(nodeId, node.nodeUrl)).stop);
    const { broadcastId } = await startBroadcast(tenant, hooks, recipients(2));
    const cmds = await waitFor(async () => {
      const c = await node.commands();
      return c.length === 2 ? c : null;
    });
    for (const cmd of cmds) {
      const s = legScript(cmd.voice_id, broadcastId);
      await postEvents(nodeId, [s.ringing(), s.connected(), s.play('initiated'), s.play('playfinished'), s.disconnected()]);
    }
    const all = await waitFor(async () => {
      const h = await hooks.hooks();
      return h.some((x) => x.status === 200 && JSON.parse(x.body).state === 'broadcastcall_complete') ? h : null;
    }, 15_000, 'complete after retries');
    const failed = all.filter((h) => h.status !== 200);
    expect(failed).toHaveLength(3);
    // A failed event is retried with the same id and an incremented attempt number.
    for (const f of failed) {
      const retry = all.find((h) => h.status === 200 && h.headers['x-crier-event-id'] === f.headers['x-crier-event-id']);
      expect(retry, 'every failed event is eventually delivered').toBeDefined();
      expect(Number(retry!.headers['x-crier-delivery-attempt'])).toBeGreaterThan(1);
    }
    const delivered = all.filter((h) => h.status === 200).map((h) => JSON.parse(h.body));
    expect(delivered).toHaveLength(11);
    for (const cmd of cmds) {
      const order = delivered.filter((e) => e.voice_id === cmd.voice_id).map((e) => e.state ?? e.playstate);
      expect(order).toEqual(['ringing', 'connected', 'initiated', 'playfinished', 'disconnected']);
    }
    expect(delivered.at(-1)!.state).toBe('broadcastcall_complete');
  });

  it('dead-letters after five failures and still completes', async () => {
    const { hooks, nodeId, stub, script: s } = await dialOneLeg(stops);
    await hooks.configure({ failFirst: 1_000 });
    await postEvents(nodeId, [s.ringing(), s.disconnected(19, 'No Answer from User', 0)]);
    const status = await waitFor(async () => {
      const st = await stub.status();
      return st?.state === 'broadcastcall_complete' ? st : null;
    }, 20_000, 'completion despite a dead endpoint');
    expect(status.webhooks).toEqual({ pending: 0, delivered: 0, failed: 3 });
    const attempts = await hooks.hooks();
    expect(attempts).toHaveLength(15); // 3 events × 5 attempts
    // Each event's attempts are spaced at least by the schedule (0,300,600,900,1200 ms in
    // this suite), numbered 1..5, and carry the same event id every time.
    const schedule = [300, 600, 900, 1200];
    for (const eventId of new Set(attempts.map((h) => h.headers['x-crier-event-id']))) {
      const mine = attempts.filter((h) => h.headers['x-crier-event-id'] === eventId);
      expect(mine.map((h) => Number(h.headers['x-crier-delivery-attempt']))).toEqual([1, 2, 3, 4, 5]);
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.at - mine[i - 1]!.at).toBeGreaterThanOrEqual(schedule[i - 1]! - 20);
    }
  });
});

describe('nothing stays open forever', () => {
  it('hangs up a leg left idle after playfinished', async () => {
    const { node, nodeId, voiceId, script: s } = await dialOneLeg(stops, { idleTimeoutS: 1 });
    await postEvents(nodeId, [s.ringing(), s.connected(), s.play('initiated'), s.play('playfinished')]);
    const finishedAt = Date.now();
    const hangup = await waitFor(async () => (await node.commands()).find((c) => c.type === 'hangup'), 5_000, 'idle hangup');
    expect(hangup).toMatchObject({ voice_id: voiceId, cause: 16 });
    expect(hangup.received_at - finishedAt).toBeGreaterThanOrEqual(900);
  });

  it('ends every live leg with cause 41 when its node stops heart-beating, then completes', async () => {
    const tenant = await seedTenant();
    const hooks = box();
    const node = box();
    const nodeId = `node-${node.name}`;
    const handle = await startNode(nodeId, node.nodeUrl);
    const { broadcastId, stub } = await startBroadcast(tenant, hooks, recipients(3));
    const cmds = await waitFor(async () => {
      const c = await node.commands();
      return c.length === 3 ? c : null;
    });
    const s = legScript(cmds[0]!.voice_id, broadcastId);
    await postEvents(nodeId, [s.ringing(), s.connected()]);
    handle.stop(false); // the machine dies: no drain, just silence
    const delivered = await waitFor(async () => {
      const d = await hooks.delivered();
      return d.some((e) => e.state === 'broadcastcall_complete') ? d : null;
    }, 15_000, 'complete after node loss');
    const disconnects = delivered.filter((e) => e.state === 'disconnected');
    expect(disconnects).toHaveLength(3);
    for (const d of disconnects) expect(d).toMatchObject({ disconnect_cause_code: 41, disconnect_reason: 'Temporary Failure' });
    expect((await stub.status())!.legs.failed).toBe(3);
  });

  it('fails queued legs with cause 34 when no media node is alive', async () => {
    const tenant = await seedTenant();
    const hooks = box();
    // Any node from earlier tests has drained or timed out by now.
    await new Promise((r) => setTimeout(r, 2_100));
    const { stub } = await startBroadcast(tenant, hooks, recipients(2));
    const delivered = await waitFor(async () => {
      const d = await hooks.delivered();
      return d.some((e) => e.state === 'broadcastcall_complete') ? d : null;
    }, 15_000, 'complete without nodes');
    const disconnects = delivered.filter((e) => e.state === 'disconnected');
    expect(disconnects).toHaveLength(2);
    for (const d of disconnects) expect(d).toMatchObject({ disconnect_cause_code: 34, disconnect_reason: 'No Circuit/Channel Available', call_duration: 0 });
    const complete = delivered.at(-1)!;
    expect(complete.broadcast_call_info.map((i: { callState: string }) => i.callState)).toEqual(['Failed', 'Failed']);
    expect((await stub.status())!.legs.failed).toBe(2);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM calls WHERE status = 'failed' AND cause_code = 34 AND tenant_id = ?").bind(tenant.tenantId).first();
    expect(rows?.n).toBe(2);
  });
});

describe('a lost node that comes back', () => {
  it('is told to hang up the calls the Worker already ended', async () => {
    const tenant = await seedTenant();
    const node = box();
    const nodeId = `node-${node.name}`;
    const handle = await startNode(nodeId, node.nodeUrl);
    await startBroadcast(tenant, box(), recipients(1));
    const [cmd] = await waitFor(async () => {
      const c = await node.commands();
      return c.length === 1 ? c : null;
    });
    handle.stop(false);
    await new Promise((r) => setTimeout(r, 3_000)); // past the 2 s heartbeat timeout in the test config
    const { signedPost } = await import('./harness.ts');
    const back = await signedPost('/internal/media/v1/heartbeat', {
      node_id: nodeId,
      control_url: node.nodeUrl,
      capacity: 100,
      live_calls: 1,
      draining: true,
      started_at: handle.startedAt,
      version: 'test',
      live_voice_ids: [cmd!.voice_id],
    });
    expect(await back.json()).toMatchObject({ ok: true, hangup_voice_ids: [cmd!.voice_id] });
  });
});
