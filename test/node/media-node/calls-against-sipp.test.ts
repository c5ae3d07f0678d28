// The media node placing real SIP calls through SIPp (the carrier scenario):
// every outcome's events and Q.850 cause, RTP both ways with the node's own
// counters and send spacing, playback length, AMD, hangups from either side.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../media-node/src/config/env.ts';
import { startMediaNode, type MediaNode } from '../../../media-node/src/media-node.ts';
import { Logger } from '../../../media-node/src/log/logger.ts';
import { startSipp, type SippHandle } from '../../sipp/sipp-process.ts';
import { startFakeWorker, TEST_SECRET, type FakeWorker } from './fake-worker.ts';
import { toneRenderer } from './node-against-sipp.ts';

const CARRIER_PORT = 15080;

let worker: FakeWorker;
let sipp: SippHandle;
let node: MediaNode;
const owner = { kind: 'broadcast' as const, id: 'b-test' };

beforeAll(async () => {
  worker = await startFakeWorker();
  sipp = await startSipp({ port: CARRIER_PORT });
  const config = loadConfig({
    NODE_ID: 'test-node',
    CONTROL_PORT: '0',
    WORKER_URL: worker.url,
    MEDIA_SHARED_SECRET: TEST_SECRET,
    SIP_BIND_PORT: '15062',
    SIP_TRUNK_URI: `sip:127.0.0.1:${CARRIER_PORT};transport=udp`,
    RTP_PORT_MIN: '31000',
    RTP_PORT_MAX: '31999',
    LOG_LEVEL: 'warn',
  });
  node = await startMediaNode(config, { renderer: toneRenderer, log: new Logger({}, 'warn') });
}, 30_000);

afterAll(async () => {
  await node?.shutdown();
  await sipp?.stop();
  await worker?.close();
});

function originate(to: string, extra: { amd?: boolean; ring_timeout_s?: number; prompt_ref?: string } = {}) {
  const voice_id = randomUUID();
  const command = {
    type: 'originate' as const,
    command_id: `${voice_id}:originate:1`,
    voice_id,
    owner,
    from: '12012774877',
    to,
    play: { type: 'tts' as const, text: 'x', voice: 'Female' as const, language: 'en-US', prompt_ref: extra.prompt_ref ?? 'tone-1000' },
    amd: extra.amd ?? false,
    ring_timeout_s: extra.ring_timeout_s ?? 30,
    max_duration_s: 600,
  };
  return { voice_id, command };
}

const types = (w: FakeWorker, id: string) => w.eventsFor(id).map((e) => (e.type === 'playstate' ? `playstate:${e.playstate}` : e.type));
const disconnect = (w: FakeWorker, id: string) => w.eventsFor(id).find((e) => e.type === 'disconnected') as Extract<ReturnType<FakeWorker['eventsFor']>[number], { type: 'disconnected' }> | undefined;

describe('media node against SIPp', () => {
  it('registers and heart-beats its capacity', async () => {
    await worker.waitFor(() => worker.heartbeats.length > 0, 5000, 'a heartbeat');
    expect(worker.heartbeats[0]).toMatchObject({ node_id: 'test-node', capacity: 500, live_calls: 0, draining: false });
  });

  it('answered human: ringing, connected, plays the prompt for its true length, node hangs up → 16', async () => {
    const { voice_id, command } = originate('971501234560', { prompt_ref: 'tone-1500' });
    expect((await worker.send(node.controlUrl, [command])).results[0]).toEqual({ command_id: command.command_id, ok: true, boot: worker.heartbeats[0]!.started_at });
    // The same command again is a no-op (idempotent by command_id).
    expect((await worker.send(node.controlUrl, [command])).results[0]!.ok).toBe(true);
    await worker.waitFor(() => types(worker, voice_id).includes('playstate:playfinished'), 15_000, 'playfinished');
    const evs = worker.eventsFor(voice_id);
    expect(types(worker, voice_id)).toEqual(['ringing', 'connected', 'playstate:initiated', 'playstate:playfinished']);
    expect(evs.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    const leg = node.legs.get(voice_id)!;
    const rtp = leg.rtp!.counters;
    // The prompt's true length on the media clock: 1.5 s = 75 frames (test/node/media-node/source-lengths.test.ts does every source).
    expect(rtp.playedFrames).toBe(75);
    expect(rtp.received).toBeGreaterThan(20); // SIPp's "Hello?" stream reached us
    expect(rtp.sent).toBeGreaterThanOrEqual(75);
    // Audio starts after the answer; how soon is a benchmark figure (npm run bench:answer), not a test threshold.
    expect(rtp.firstPacketAt).not.toBeNull();
    expect(rtp.firstPacketAt!).toBeGreaterThanOrEqual(leg.answeredAtPerf!);
    expect(Date.parse(evs[2]!.at)).toBeLessThanOrEqual(Date.parse(evs[3]!.at));
    await worker.send(node.controlUrl, [{ type: 'hangup', command_id: `${voice_id}:hangup`, voice_id, cause: 16 }]);
    await worker.waitFor(() => !!disconnect(worker, voice_id), 10_000, 'disconnected');
    expect(disconnect(worker, voice_id)).toMatchObject({ cause: 16, reason: 'Normal Clearing', hangup_by: 'local' });
    // The connected time, not 0: the 1.5 s prompt played within it. Not held to 1.5 exactly: on a loaded
    // machine the node's answer instant and its frame clock drift apart by scheduling delays.
    expect(disconnect(worker, voice_id)!.duration_s).toBeGreaterThan(1);
  });

  it.each([
    ['971501234561', 17, 'User Busy', 486],
    ['971501234563', 21, 'Call Rejected', 603],
    ['971501234564', 18, 'No User Responding', 480],
  ])('%s fails with cause %i (%s)', async (to, cause, reason, sipStatus) => {
    const { voice_id, command } = originate(to);
    await worker.send(node.controlUrl, [command]);
    await worker.waitFor(() => !!disconnect(worker, voice_id), 10_000, 'disconnected');
    expect(disconnect(worker, voice_id)).toMatchObject({ cause, reason, duration_s: 0, sip_status: sipStatus });
    expect(types(worker, voice_id)).toEqual(['disconnected']);
  });

  it('no answer: rings, CANCELs at the ring timeout, 487 → cause 19', async () => {
    const { voice_id, command } = originate('971501234562', { ring_timeout_s: 2 });
    const started = Date.now();
    await worker.send(node.controlUrl, [command]);
    await worker.waitFor(() => !!disconnect(worker, voice_id), 10_000, 'disconnected');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(types(worker, voice_id)).toEqual(['ringing', 'disconnected']);
    expect(disconnect(worker, voice_id)).toMatchObject({ cause: 19, reason: 'No Answer from User', sip_status: 487 });
  });

  it('callee hangs up: BYE from the far end → 16, hung up by remote', async () => {
    const { voice_id, command } = originate('971501234566', { prompt_ref: 'tone-20000' });
    await worker.send(node.controlUrl, [command]);
    await worker.waitFor(() => !!disconnect(worker, voice_id), 15_000, 'disconnected');
    expect(disconnect(worker, voice_id)).toMatchObject({ cause: 16, hangup_by: 'remote' });
    expect(types(worker, voice_id)).toEqual(['ringing', 'connected', 'playstate:initiated', 'disconnected']);
  });

  it('AMD: a person is HUMAN and hears the message at once; a voicemail is MACHINE and hears it after the beep', async () => {
    const human = originate('971501234567', { amd: true, prompt_ref: 'tone-500' });
    const machine = originate('971501234565', { amd: true, prompt_ref: 'tone-500' });
    await worker.send(node.controlUrl, [human.command, machine.command]);
    await worker.waitFor(() => types(worker, human.voice_id).includes('playstate:playfinished') && types(worker, machine.voice_id).includes('playstate:playfinished'), 30_000, 'both messages played');
    const connected = (id: string) => worker.eventsFor(id).find((e) => e.type === 'connected') as { answered_by?: string; at: string };
    expect(connected(human.voice_id).answered_by).toBe('HUMAN');
    expect(connected(machine.voice_id).answered_by).toBe('MACHINE');
    // The machine's greeting is ~6 s then a beep: the message must start after it.
    const start = worker.eventsFor(machine.voice_id).find((e) => e.type === 'playstate' && e.playstate === 'initiated')!;
    const ring = worker.eventsFor(machine.voice_id).find((e) => e.type === 'ringing')!;
    expect(Date.parse(start.at) - Date.parse(ring.at)).toBeGreaterThan(5000);
    for (const id of [human.voice_id, machine.voice_id]) await worker.send(node.controlUrl, [{ type: 'hangup', command_id: `${id}:h`, voice_id: id, cause: 16 }]);
    await worker.waitFor(() => !!disconnect(worker, human.voice_id) && !!disconnect(worker, machine.voice_id), 10_000, 'both ended');
  });

  it('a new play interrupts the one in progress (which ends "interrupted") and reports its own events', async () => {
    const { voice_id, command } = originate('971501234560', { prompt_ref: 'tone-10000' });
    await worker.send(node.controlUrl, [command]);
    await worker.waitFor(() => types(worker, voice_id).includes('playstate:initiated'), 10_000, 'first play');
    const play = { type: 'play' as const, command_id: `${voice_id}:play2`, voice_id, play: { type: 'tts' as const, text: 'x', voice: 'Male' as const, language: 'en-US', prompt_ref: 'tone-400' } };
    expect((await worker.send(node.controlUrl, [play])).results[0]!.ok).toBe(true);
    await worker.waitFor(() => worker.eventsFor(voice_id).some((e) => e.type === 'playstate' && e.playstate === 'playfinished'), 10_000, 'second play finished');
    const plays = worker.eventsFor(voice_id).filter((e) => e.type === 'playstate') as Array<{ playstate: string; prompt_ref: string }>;
    expect(plays.map((p) => `${p.playstate}:${p.prompt_ref}`)).toEqual(['initiated:tone-10000', 'interrupted:tone-10000', 'initiated:tone-400', 'playfinished:tone-400']);
    await worker.send(node.controlUrl, [{ type: 'hangup', command_id: `${voice_id}:h`, voice_id, cause: 16 }]);
    await worker.waitFor(() => !!disconnect(worker, voice_id), 10_000, 'disconnected');
  });

  it('hold sends silence and keeps the position; resume finishes the prompt where it stopped', async () => {
    const { voice_id, command } = originate('971501234560', { prompt_ref: 'tone-2000' });
    await worker.send(node.controlUrl, [command]);
    await worker.waitFor(() => types(worker, voice_id).includes('playstate:initiated'), 10_000, 'playing');
    await new Promise((r) => setTimeout(r, 500));
    expect((await worker.send(node.controlUrl, [{ type: 'hold', command_id: `${voice_id}:hold`, voice_id, hold: true }])).results[0]!.ok).toBe(true);
    const sentAtHold = node.legs.get(voice_id)!.rtp!.counters.sent;
    await new Promise((r) => setTimeout(r, 1000));
    expect(node.legs.get(voice_id)!.rtp!.counters.sent - sentAtHold).toBeGreaterThanOrEqual(45); // silence keeps flowing
    expect(types(worker, voice_id)).not.toContain('playstate:playfinished');
    await worker.send(node.controlUrl, [{ type: 'hold', command_id: `${voice_id}:unhold`, voice_id, hold: false }]);
    await worker.waitFor(() => types(worker, voice_id).includes('playstate:playfinished'), 10_000, 'playfinished after resume');
    const evs = worker.eventsFor(voice_id).filter((e) => e.type === 'playstate');
    const played = Date.parse(evs[1]!.at) - Date.parse(evs[0]!.at);
    expect(played).toBeGreaterThan(2900); // 2 s of audio + 1 s held, nothing skipped
    expect(played).toBeLessThan(3300);
    await worker.send(node.controlUrl, [{ type: 'hangup', command_id: `${voice_id}:h`, voice_id, cause: 16 }]);
    await worker.waitFor(() => !!disconnect(worker, voice_id), 10_000, 'disconnected');
  });

  it('records both directions as stereo WAV: the far end’s tone on the left, our audio on the right, as long as the call', async () => {
    const { voice_id, command } = originate('971501234568', { prompt_ref: 'tone-20000' });
    await worker.send(node.controlUrl, [command]);
    await worker.waitFor(() => types(worker, voice_id).includes('playstate:initiated'), 10_000, 'playing');
    const recording_id = randomUUID();
    expect((await worker.send(node.controlUrl, [{ type: 'recording', command_id: `${recording_id}:start`, voice_id, action: 'start', recording_id }])).results[0]!.ok).toBe(true);
    // The recording runs from the start command's acknowledgement to the hang-up (the recorder stops as the leg ends).
    const startedAt = Date.now();
    await new Promise((r) => setTimeout(r, 2000));
    const hangupAt = Date.now();
    await worker.send(node.controlUrl, [{ type: 'hangup', command_id: `${voice_id}:h`, voice_id, cause: 16 }]);
    await worker.waitFor(() => !!disconnect(worker, voice_id), 10_000, 'disconnected');
    const recordedMs = hangupAt - startedAt;
    const deadline = Date.now() + 10_000;
    while (!worker.recordings.has(recording_id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const { wav, durationMs } = worker.recordings.get(recording_id)!;
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt16LE(22)).toBe(2); // stereo
    expect(wav.readUInt32LE(24)).toBe(8000);
    const frames = (wav.length - 44) / 4;
    expect(frames / 8).toBe(durationMs); // the header's data matches the reported duration
    expect(Math.abs(durationMs - recordedMs)).toBeLessThanOrEqual(100);
    const channel = (c: 0 | 1, from: number, n: number) => Int16Array.from({ length: n }, (_, i) => wav.readInt16LE(44 + (from + i) * 4 + c * 2));
    const power = (x: Int16Array, f: number) => {
      const k = 2 * Math.cos((2 * Math.PI * f) / 8000);
      let s1 = 0, s2 = 0;
      for (const v of x) [s1, s2] = [v + k * s1 - s2, s1];
      return s1 * s1 + s2 * s2 - k * s1 * s2;
    };
    const mid = Math.floor(frames / 2);
    const left = channel(0, mid, 800);
    const right = channel(1, mid, 800);
    expect(power(left, 1000)).toBeGreaterThan(50 * power(left, 440)); // the far end's 1 kHz tone
    expect(power(right, 440)).toBeGreaterThan(50 * power(right, 1000)); // what we played (440 Hz)
  });

  it('keeps events while the Worker is unreachable and delivers them in order later', async () => {
    worker.failNext(3);
    const { voice_id, command } = originate('971501234561');
    await worker.send(node.controlUrl, [command]);
    await worker.waitFor(() => !!disconnect(worker, voice_id), 15_000, 'disconnected after retries');
    expect(disconnect(worker, voice_id)!.cause).toBe(17);
  });

  it('keeps every event while the Worker is gone (connection refused) and delivers each once, in order, when it comes back', async () => {
    await worker.goAway();
    const { voice_id, command } = originate('971501234560', { prompt_ref: 'tone-1000' });
    try {
      await worker.send(node.controlUrl, [command]);
      // The whole call happens while nobody listens: four events queue up on the node.
      const deadline = Date.now() + 15_000;
      while (node.reporter.pending < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(node.reporter.pending).toBeGreaterThanOrEqual(4);
      await worker.send(node.controlUrl, [{ type: 'hangup', command_id: `${voice_id}:h`, voice_id, cause: 16 }]);
      while (node.legs.has(voice_id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(worker.eventsFor(voice_id)).toHaveLength(0);
    } finally {
      await worker.comeBack();
    }
    await worker.waitFor(() => !!disconnect(worker, voice_id), 40_000, 'the queued events after the Worker came back');
    const evs = worker.eventsFor(voice_id);
    expect(types(worker, voice_id)).toEqual(['ringing', 'connected', 'playstate:initiated', 'playstate:playfinished', 'disconnected']);
    expect(evs.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(disconnect(worker, voice_id)).toMatchObject({ cause: 16, hangup_by: 'local' });
  });

  it('hangs up calls the Worker already ended while the node was unreachable (cause 41)', async () => {
    const { voice_id, command } = originate('971501234560', { prompt_ref: 'tone-20000' });
    await worker.send(node.controlUrl, [command]);
    await worker.waitFor(() => types(worker, voice_id).includes('playstate:initiated'), 10_000, 'playing');
    worker.orphanOnNextBeat([voice_id]);
    await worker.waitFor(() => !!disconnect(worker, voice_id), 10_000, 'orphan hung up');
    expect(disconnect(worker, voice_id)).toMatchObject({ cause: 41, hangup_by: 'local' });
  });

  it('names its boot in originate results and heartbeats, and lists a leg by owner until its last event is acknowledged', async () => {
    const { voice_id, command } = originate('971501234560', { prompt_ref: 'tone-20000' });
    const { results } = await worker.send(node.controlUrl, [command]);
    const boot = (results[0] as { boot?: string }).boot;
    expect(boot).toBe(worker.heartbeats.at(-1)!.started_at);
    type Beat = { live_legs?: Array<{ owner: typeof owner; voice_ids: string[] }> };
    const lists = (hb: Beat) => hb.live_legs?.some((g) => g.owner.id === owner.id && g.owner.kind === owner.kind && g.voice_ids.includes(voice_id)) ?? false;
    const nextBeat = async () => {
      const n = worker.heartbeats.length;
      while (worker.heartbeats.length === n) await new Promise((r) => setTimeout(r, 50));
      return worker.heartbeats.at(-1) as Beat;
    };
    await worker.waitFor(() => types(worker, voice_id).includes('playstate:initiated'), 10_000, 'playing');
    expect(lists(await nextBeat())).toBe(true);

    // Ended, but its disconnected not yet taken by the Worker: still listed, so the Worker never takes it for lost.
    worker.failNext(1_000);
    await worker.send(node.controlUrl, [{ type: 'hangup', command_id: `${voice_id}:h`, voice_id, cause: 16 }]);
    while (node.legs.has(voice_id)) await new Promise((r) => setTimeout(r, 50));
    expect(lists(await nextBeat())).toBe(true);
    worker.failNext(0);
    await worker.waitFor(() => !!disconnect(worker, voice_id), 30_000, 'the disconnected once the Worker takes events again');
    await nextBeat();
    expect(lists(await nextBeat())).toBe(false);
  });

  it('paces frames at 20 ms, from the node’s own counters (tail latency is measured in bench:media)', () => {
    const s = node.scheduler.stats.summary();
    expect(s.frames).toBeGreaterThan(500);
    expect(s.p50_ms).toBeGreaterThan(19);
    expect(s.p50_ms).toBeLessThan(21);
  });
});
