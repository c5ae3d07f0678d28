// A media node restarted under the same node_id, and reconciliation on every
// heartbeat (docs/media-protocol.md "Heartbeats and node loss"): stand-in node
// processes beat with their boot and the legs they hold; the node box answers
// originates naming the boot that took them.
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { box, legScript, postEvents, recipients, seedTenant, signedPost, startBroadcast, waitFor, type Box } from './harness.ts';

type Ack = { ok: true; interval_s: number; hangup_voice_ids?: string[] };

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of running.splice(0)) await stop();
});

/** One process of a node: beats every 400 ms as `boot`, listing the legs it holds by broadcast. */
function nodeProcess(nodeId: string, controlUrl: string, boot: string) {
  const held = new Map<string, Set<string>>();
  const beat = async (draining = false): Promise<Ack> => {
    const live_legs = [...held].map(([id, ids]) => ({ owner: { kind: 'broadcast' as const, id }, voice_ids: [...ids] }));
    const res = await signedPost('/internal/media/v1/heartbeat', {
      node_id: nodeId,
      control_url: controlUrl,
      capacity: 100,
      live_calls: live_legs.reduce((n, g) => n + g.voice_ids.length, 0),
      draining,
      started_at: boot,
      version: 'test',
      live_legs,
    });
    if (res.status !== 200) throw new Error(`heartbeat failed: ${res.status} ${await res.text()}`);
    return res.json();
  };
  let timer: ReturnType<typeof setInterval> | null = setInterval(() => void beat(), 400);
  const proc = {
    boot,
    beat,
    hold(broadcastId: string, ...voiceIds: string[]) {
      held.set(broadcastId, new Set([...(held.get(broadcastId) ?? []), ...voiceIds]));
    },
    /** Falls silent, as a killed process does. */
    kill() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
  running.push(async () => {
    if (!timer) return;
    proc.kill();
    await beat(true); // drained, so no later test gets legs here
  });
  return proc;
}

async function commandsFor(node: Box, broadcastId: string, n = 1) {
  return waitFor(async () => {
    const c = (await node.commands()).filter((cmd) => cmd.owner?.id === broadcastId);
    return c.length >= n ? c : null;
  }, 10_000, `${n} command(s) for ${broadcastId}`);
}

async function disconnectOf(hooks: Box, voiceId: string) {
  return waitFor(async () => (await hooks.delivered()).find((e) => e.voice_id === voiceId && e.state === 'disconnected'), 15_000, `disconnected for ${voiceId}`);
}

const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

describe('a node restarted under the same node_id', () => {
  it('keeps the legs its new boot took before its first heartbeat; the old boot’s legs end with 41', async () => {
    const tenant = await seedTenant();
    const node = box();
    const nodeId = `node-${node.name}`;
    await node.configure({ boot: iso(-60_000) });
    const old = nodeProcess(nodeId, node.nodeUrl, iso(-60_000));
    await old.beat();
    const hooksA = box();
    const a = await startBroadcast(tenant, hooksA, recipients(1));
    const [cmdA] = await commandsFor(node, a.broadcastId);
    const legA = legScript(cmdA!.voice_id, a.broadcastId);
    await postEvents(nodeId, [legA.ringing(), legA.connected()]);
    old.hold(a.broadcastId, cmdA!.voice_id);

    // The process is restarted: the new one takes a leg while the fleet still knows the old boot (alive, not draining).
    const newBoot = iso(0);
    await node.configure({ boot: newBoot });
    const hooksB = box();
    const b = await startBroadcast(tenant, hooksB, recipients(1));
    const [cmdB] = await commandsFor(node, b.broadcastId);
    const legB = legScript(cmdB!.voice_id, b.broadcastId);
    await postEvents(nodeId, [legB.ringing(), legB.connected()]);

    old.kill(); // only now, so the fleet cannot have declared the node lost meanwhile, however slow this machine is
    const fresh = nodeProcess(nodeId, node.nodeUrl, newBoot);
    fresh.hold(b.broadcastId, cmdB!.voice_id);
    const ack = await fresh.beat();
    expect(ack.hangup_voice_ids ?? []).toEqual([]);

    expect(await disconnectOf(hooksA, cmdA!.voice_id)).toMatchObject({ disconnect_cause_code: 41, disconnect_reason: 'Temporary Failure' });
    expect((await a.stub.status())!.legs.failed).toBe(1);
    // Past the reconciliation grace, with beats all along: the new boot's leg is still up and still controllable.
    await new Promise((r) => setTimeout(r, 3_500));
    expect((await b.stub.status())!.legs).toMatchObject({ connected: 1, failed: 0, disconnected: 0 });
    expect(await b.stub.hangupLeg(cmdB!.voice_id)).toMatchObject({ ok: true });
    await waitFor(async () => (await node.commands()).some((c) => c.type === 'hangup' && c.voice_id === cmdB!.voice_id), 5_000, 'the hangup to reach the node');

    // A late beat from the replaced process changes nothing, and is told to drop the call it still carries.
    const late = await old.beat();
    expect(late.hangup_voice_ids).toEqual([cmdA!.voice_id]);
    expect((await b.stub.status())!.legs.failed).toBe(0);
  });

  it('keeps a leg whose originate is still in flight when the new boot’s first heartbeat arrives', async () => {
    const tenant = await seedTenant();
    const node = box();
    const nodeId = `node-${node.name}`;
    const old = nodeProcess(nodeId, node.nodeUrl, iso(-60_000));
    await old.beat();
    const newBoot = iso(0);
    await node.configure({ boot: newBoot, commandDelayMs: 1_500 });
    const hooks = box();
    const b = await startBroadcast(tenant, hooks, recipients(1));
    const [cmd] = await commandsFor(node, b.broadcastId);

    old.kill();
    const fresh = nodeProcess(nodeId, node.nodeUrl, newBoot);
    expect((await fresh.beat()).hangup_voice_ids ?? []).toEqual([]);
    expect((await b.stub.status())!.legs).toMatchObject({ dialing: 1, failed: 0 });

    fresh.hold(b.broadcastId, cmd!.voice_id);
    const leg = legScript(cmd!.voice_id, b.broadcastId);
    await postEvents(nodeId, [leg.ringing(), leg.connected()]);
    await new Promise((r) => setTimeout(r, 3_500));
    expect((await b.stub.status())!.legs).toMatchObject({ connected: 1, failed: 0, disconnected: 0 });
  });
});

describe('reconciliation on every heartbeat', () => {
  it('answers with the calls the node holds that the Worker has ended or does not know', async () => {
    const tenant = await seedTenant();
    const node = box();
    const nodeId = `node-${node.name}`;
    const proc = nodeProcess(nodeId, node.nodeUrl, iso(0));
    await proc.beat();
    const hooks = box();
    const b = await startBroadcast(tenant, hooks, recipients(2));
    const [c1, c2] = await commandsFor(node, b.broadcastId, 2);
    const ended = legScript(c1!.voice_id, b.broadcastId);
    const live = legScript(c2!.voice_id, b.broadcastId);
    await postEvents(nodeId, [ended.ringing(), ended.connected(), ended.disconnected(16), live.ringing(), live.connected()]);
    const stranger = crypto.randomUUID();
    proc.hold(b.broadcastId, c1!.voice_id, c2!.voice_id, stranger);
    const ack = await proc.beat();
    expect(new Set(ack.hangup_voice_ids)).toEqual(new Set([c1!.voice_id, stranger]));
    // The hang-ups change nothing for the client: one disconnected for the ended leg, none for the live one.
    expect((await b.stub.status())!.legs).toMatchObject({ connected: 1, disconnected: 1 });
  });

  it('ends live legs the node does not hold once the grace has passed: cause 41, or the cause of a hangup already asked for', async () => {
    const tenant = await seedTenant();
    const node = box();
    const nodeId = `node-${node.name}`;
    const proc = nodeProcess(nodeId, node.nodeUrl, iso(0));
    await proc.beat();
    const hooks = box();
    const b = await startBroadcast(tenant, hooks, recipients(2));
    const [c1, c2] = await commandsFor(node, b.broadcastId, 2);
    // A beat that does not list them, at once: just dispatched, so not ended.
    await proc.beat();
    expect((await b.stub.status())!.legs).toMatchObject({ failed: 0, disconnected: 0 });

    const lost = legScript(c1!.voice_id, b.broadcastId);
    const hungUp = legScript(c2!.voice_id, b.broadcastId);
    await postEvents(nodeId, [lost.ringing(), lost.connected(), hungUp.ringing(), hungUp.connected()]);
    expect(await b.stub.hangupLeg(c2!.voice_id)).toMatchObject({ ok: true }); // the node never confirms it

    expect(await disconnectOf(hooks, c1!.voice_id)).toMatchObject({ disconnect_cause_code: 41, disconnect_reason: 'Temporary Failure' });
    expect(await disconnectOf(hooks, c2!.voice_id)).toMatchObject({ disconnect_cause_code: 16 });
    await waitFor(async () => (await hooks.delivered()).some((e) => e.state === 'broadcastcall_complete'), 10_000, 'complete');
    // Their slots went back to the fleet.
    const fleet = env.MEDIA_FLEET.get(env.MEDIA_FLEET.idFromName('global'));
    expect((await fleet.nodes()).find((n) => n.node_id === nodeId)).toMatchObject({ assigned: 0 });
  });
});
