// Connect on real calls: the media node answers a SIPp line, dials a second
// SIPp line through the same trunk and bridges the two. Audio is checked where
// the peers get it (tshark on the loopback wire, decoded and run through
// Goertzel), packets are counted each way through the bridge, and every way a
// connect ends is driven by SIPp itself: busy (486 → 17), no answer (ring
// timeout → 19), the destination hanging up, the recipient hanging up.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaNode } from '../../../media-node/src/media-node.ts';
import { blockPower, goertzelPower } from '../../../media-node/src/amd/goertzel.ts';
import type { ConnectEvent, MediaEvent } from '../../../worker/src/media-protocol/index.ts';
import type { FakeWorker } from './fake-worker.ts';
import { startNodeAgainstSipp, toneRenderer, type NodeAgainstSipp } from './node-against-sipp.ts';
import { captureRtpFrom } from './rtp-capture.ts';
import { toneFrames, wireFrames, carriesTone } from './tone-frames.ts';

const CARRIER_PORT = 15380;
const RTP_MIN = 34000;
const RTP_PORTS = 400; // two per connected call
const RTP_MAX = RTP_MIN + RTP_PORTS - 1;
const FROM = '12012774877';
/** Carrier lines (test/sipp/carrier.xml): by the last digit. */
const LINE = { person: '971501234570', tone: '971501234578', busy: '971501234571', noAnswer: '971501234572', hangsUp: '971501234576' };


let stack: NodeAgainstSipp;
let worker: FakeWorker;
let node: MediaNode;
const owner = { kind: 'broadcast' as const, id: 'b-connect' };

beforeAll(async () => {
  stack = await startNodeAgainstSipp({ sipp: { port: CARRIER_PORT, mediaPort: 16380 }, sipPort: 15362, rtpMin: RTP_MIN, rtpPorts: RTP_PORTS, renderer: toneRenderer });
  ({ worker, node } = stack);
}, 30_000);

afterAll(async () => {
  await stack?.close();
});

const types = (id: string) => worker.eventsFor(id).map((e) => (e.type === 'playstate' ? `playstate:${e.playstate}` : e.type === 'connect' ? `connect:${e.connectstate}` : e.type));
const connectEvents = (id: string) => worker.eventsFor(id).filter((e): e is ConnectEvent & MediaEvent => e.type === 'connect');
const connectState = (id: string, state: ConnectEvent['connectstate']) => connectEvents(id).find((e) => e.connectstate === state);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A recipient leg that has answered and is playing `prompt_ref`. */
async function answeredLeg(to: string, prompt_ref = 'tone-20000') {
  const voice_id = randomUUID();
  await worker.send(node.controlUrl, [
    {
      type: 'originate',
      command_id: `${voice_id}:originate:1`,
      voice_id,
      owner,
      from: FROM,
      to,
      play: { type: 'tts', text: 'x', voice: 'Female', language: 'en-US', prompt_ref },
      amd: false,
      ring_timeout_s: 30,
      max_duration_s: 600,
    },
  ]);
  await worker.waitFor(() => types(voice_id).includes('playstate:initiated'), 10_000, 'the recipient answered and hears the prompt');
  return voice_id;
}

async function connect(voice_id: string, to: string, ring_timeout_s = 30) {
  const connect_id = randomUUID();
  const [result] = (await worker.send(node.controlUrl, [{ type: 'connect', command_id: `${connect_id}:connect`, voice_id, connect_id, from: FROM, to, ring_timeout_s }])).results;
  return { connect_id, result: result! };
}

async function hangup(voice_id: string) {
  await worker.send(node.controlUrl, [{ type: 'hangup', command_id: `${voice_id}:hangup`, voice_id, cause: 16 }]);
  await worker.waitFor(() => types(voice_id).includes('disconnected'), 10_000, 'the leg ended');
}

async function freePorts(): Promise<number> {
  return ((await (await fetch(`${node.controlUrl}/v1/stats`)).json()) as { rtp_ports_free: number }).rtp_ports_free;
}


describe('connect: two SIPp lines bridged by the media node', () => {
  it('bridges both ways: ~50 packets/s relayed each way, and the recipient’s tone reaches the destination on the wire', async () => {
    const freeBefore = await freePorts();
    const voice_id = await answeredLeg(LINE.tone);
    const recipientPort = node.legs.get(voice_id)!.rtp!.port;
    const capture = await captureRtpFrom(RTP_MIN, RTP_MAX);
    const { connect_id, result } = await connect(voice_id, LINE.person);
    expect(result).toEqual({ command_id: `${connect_id}:connect`, ok: true });
    await worker.waitFor(() => !!connectState(voice_id, 'connected'), 10_000, 'the destination answered');
    const bridged = node.connects.get(voice_id)!;
    const destinationPort = bridged.destination.rtp!.port;
    expect(destinationPort).not.toBe(recipientPort);
    await sleep(3000);
    await hangup(voice_id);
    const packets = await capture.stop();

    expect(types(voice_id)).toEqual(['ringing', 'connected', 'playstate:initiated', 'playstate:interrupted', 'connect:ringing', 'connect:connected', 'connect:disconnected', 'disconnected']);
    const ended = connectState(voice_id, 'disconnected')!;
    expect(ended).toMatchObject({ connect_id, cause: 16, reason: 'Normal Clearing', ended_by: 'recipient' });
    // The relayed frames match the bridged time, each way (a 40 ms jitter buffer primes first; a
    // stalled event loop on a loaded machine can cost some frames, never add any).
    const bridgedS = ended.duration_s!;
    expect(bridgedS).toBeGreaterThan(2.9);
    const { toDestination, toRecipient } = bridged.bridge!.stats;
    for (const dir of [toDestination, toRecipient]) {
      expect(dir.played, JSON.stringify(bridged.bridge!.stats)).toBeGreaterThan(bridgedS * 50 * 0.75);
      expect(dir.played).toBeLessThanOrEqual(bridgedS * 50 + 5);
    }
    expect(Math.abs(toDestination.played - toRecipient.played)).toBeLessThanOrEqual(Math.max(15, 0.1 * toDestination.played));
    // On the wire: what we sent the destination (it starts as it answers) was the recipient's 1 kHz tone,
    // but for the jitter buffer's first 40 ms; the recipient never got its own tone back.
    const toDestinationOnWire = packets.filter((p) => p.srcPort === destinationPort).length;
    expect(toDestinationOnWire).toBeGreaterThan(100); // at least 2 s of the 3 s bridge captured
    expect(toneFrames(wireFrames(packets, destinationPort), 1000)).toBeGreaterThan(toDestinationOnWire * 0.75);
    expect(toneFrames(wireFrames(packets, recipientPort), 1000)).toBe(0);
    // Nothing of our prompt (440 Hz) leaked to the destination: the connect interrupted it for good.
    expect(toneFrames(wireFrames(packets, destinationPort), 440)).toBe(0);
    expect(node.connects.has(voice_id)).toBe(false);
    await sleep(500);
    expect(bridged.destination.phase).toBe('ended');
    expect(await freePorts()).toBe(freeBefore);
  });

  it('the destination’s tone reaches the recipient: on the wire, and in the recording’s right channel; hold while bridged is silence', async () => {
    const voice_id = await answeredLeg(LINE.person);
    const leg = node.legs.get(voice_id)!;
    const recipientPort = leg.rtp!.port;
    const recording_id = randomUUID();
    expect((await worker.send(node.controlUrl, [{ type: 'recording', command_id: `${recording_id}:start`, voice_id, action: 'start', recording_id }])).results[0]!.ok).toBe(true);
    const capture = await captureRtpFrom(RTP_MIN, RTP_MAX);
    await connect(voice_id, LINE.tone);
    await worker.waitFor(() => !!connectState(voice_id, 'connected'), 10_000, 'the destination answered');
    await sleep(1500);
    await worker.send(node.controlUrl, [{ type: 'hold', command_id: `${voice_id}:hold`, voice_id, hold: true }]);
    await sleep(1000);
    await worker.send(node.controlUrl, [{ type: 'hold', command_id: `${voice_id}:unhold`, voice_id, hold: false }]);
    await sleep(1500);
    await hangup(voice_id);
    const packets = await capture.stop();

    // ~3 s bridged and not held: the recipient heard the destination's tone.
    expect(toneFrames(wireFrames(packets, recipientPort), 1000)).toBeGreaterThan(100);
    expect(toneFrames(wireFrames(packets, recipientPort), 1000)).toBeLessThan(175); // not during the 1 s hold
    const deadline = Date.now() + 10_000;
    while (!worker.recordings.has(recording_id) && Date.now() < deadline) await sleep(50);
    const { wav } = worker.recordings.get(recording_id)!;
    const frames = (wav.length - 44) / 4 / 160;
    const rightFrame = (f: number) => Int16Array.from({ length: 160 }, (_, i) => wav.readInt16LE(44 + (f * 160 + i) * 4 + 2));
    const kinds = Array.from({ length: frames }, (_, f) => {
      const pcm = rightFrame(f);
      const total = blockPower(pcm);
      if (total === 0) return '.';
      if (goertzelPower(pcm, 1000) / total > 0.7) return 'T'; // the destination's tone, bridged
      if (goertzelPower(pcm, 440) / total > 0.7) return 'p'; // our prompt
      return '?';
    }).join('');
    // Our prompt (and ringback), then the bridged tone with a held gap of silence in it. A stalled
    // event loop may cost a frame here and there, so count rather than demand unbroken runs.
    const first = kinds.indexOf('T');
    const last = kinds.lastIndexOf('T');
    expect(kinds.slice(0, first), kinds).toMatch(/^p+[^T]*$/);
    const bridgedPart = kinds.slice(first, last + 1);
    expect(bridgedPart, kinds).not.toContain('p');
    expect([...bridgedPart].filter((k) => k === 'T').length, kinds).toBeGreaterThan(100); // ~3 s bridged and not held
    const longestGap = Math.max(...bridgedPart.split('T').map((gap) => gap.length));
    expect(longestGap, kinds).toBeGreaterThanOrEqual(40); // the 1 s hold
    expect(longestGap, kinds).toBeLessThanOrEqual(65);
  });

  it('busy destination: 486 → failed with cause 17; the recipient stays up and can play again', async () => {
    const voice_id = await answeredLeg(LINE.person);
    const { connect_id } = await connect(voice_id, LINE.busy);
    await worker.waitFor(() => !!connectState(voice_id, 'failed'), 10_000, 'connect failed');
    expect(connectState(voice_id, 'failed')).toMatchObject({ connect_id, cause: 17, reason: 'User Busy', sip_status: 486, ended_by: 'destination' });
    expect(connectState(voice_id, 'failed')).not.toHaveProperty('duration_s');
    expect(node.legs.get(voice_id)?.phase).toBe('answered');
    expect(node.connects.has(voice_id)).toBe(false);
    await worker.send(node.controlUrl, [{ type: 'play', command_id: `${voice_id}:play2`, voice_id, play: { type: 'tts', text: 'x', voice: 'Female', language: 'en-US', prompt_ref: 'tone-300' } }]);
    await worker.waitFor(() => types(voice_id).includes('playstate:playfinished'), 10_000, 'the follow-up played');
    expect(types(voice_id)).toEqual(['ringing', 'connected', 'playstate:initiated', 'playstate:interrupted', 'connect:failed', 'playstate:initiated', 'playstate:playfinished']);
    await hangup(voice_id);
  });

  it('destination never answers: ringback while it rings, CANCEL at the ring timeout → failed with cause 19', async () => {
    // A short prompt that ends first: at 160 samples our 440 Hz prompt and 425 Hz ringback share a Goertzel bin.
    const voice_id = await answeredLeg(LINE.person, 'tone-300');
    await worker.waitFor(() => types(voice_id).includes('playstate:playfinished'), 10_000, 'the prompt finished');
    const recording_id = randomUUID();
    await worker.send(node.controlUrl, [{ type: 'recording', command_id: `${recording_id}:start`, voice_id, action: 'start', recording_id }]);
    const started = Date.now();
    await connect(voice_id, LINE.noAnswer, 2);
    await worker.waitFor(() => !!connectState(voice_id, 'failed'), 10_000, 'connect failed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(connectEvents(voice_id).map((e) => e.connectstate)).toEqual(['ringing', 'failed']);
    expect(connectState(voice_id, 'failed')).toMatchObject({ cause: 19, reason: 'No Answer from User', sip_status: 487, ended_by: 'destination' });
    expect(node.legs.get(voice_id)?.phase).toBe('answered');
    await hangup(voice_id);
    const deadline = Date.now() + 10_000;
    while (!worker.recordings.has(recording_id) && Date.now() < deadline) await sleep(50);
    const { wav } = worker.recordings.get(recording_id)!;
    // The recipient heard ringback (425 Hz) while the destination rang.
    const right = Int16Array.from({ length: (wav.length - 44) / 4 }, (_, i) => wav.readInt16LE(44 + i * 4 + 2));
    let ringback = 0;
    for (let f = 0; f + 160 <= right.length; f += 160) if (carriesTone(right.subarray(f, f + 160), 425)) ringback++;
    expect(ringback).toBeGreaterThanOrEqual(45); // the cadence's first second (50 frames), then 4 s off
    expect(ringback).toBeLessThanOrEqual(50);
  });

  it('destination hangs up: the bridge ends, the recipient stays up and can play again', async () => {
    const voice_id = await answeredLeg(LINE.person);
    await connect(voice_id, LINE.hangsUp);
    await worker.waitFor(() => !!connectState(voice_id, 'disconnected'), 15_000, 'the destination hung up');
    const ended = connectState(voice_id, 'disconnected')!;
    expect(ended).toMatchObject({ cause: 16, reason: 'Normal Clearing', ended_by: 'destination' });
    expect(ended.duration_s).toBeGreaterThan(3.5); // the line hangs up 4 s after answering
    expect(ended.duration_s).toBeLessThan(5);
    expect(node.legs.get(voice_id)?.phase).toBe('answered');
    const leg = node.legs.get(voice_id)!;
    const sent = leg.rtp!.counters.sent;
    await sleep(400);
    expect(leg.rtp!.counters.sent - sent).toBeGreaterThanOrEqual(15); // RTP keeps flowing to the recipient
    await worker.send(node.controlUrl, [{ type: 'play', command_id: `${voice_id}:play2`, voice_id, play: { type: 'tts', text: 'x', voice: 'Female', language: 'en-US', prompt_ref: 'tone-300' } }]);
    await worker.waitFor(() => types(voice_id).includes('playstate:playfinished'), 10_000, 'the follow-up played');
    await hangup(voice_id);
    expect(types(voice_id)).toEqual(['ringing', 'connected', 'playstate:initiated', 'playstate:interrupted', 'connect:ringing', 'connect:connected', 'connect:disconnected', 'playstate:initiated', 'playstate:playfinished', 'disconnected']);
  });

  it('recipient hangs up: the destination is hung up too, and the connect reports before the leg’s disconnected', async () => {
    const freeBefore = await freePorts();
    const voice_id = await answeredLeg(LINE.hangsUp);
    await connect(voice_id, LINE.person);
    await worker.waitFor(() => types(voice_id).includes('disconnected'), 15_000, 'the recipient hung up');
    expect(types(voice_id)).toEqual(['ringing', 'connected', 'playstate:initiated', 'playstate:interrupted', 'connect:ringing', 'connect:connected', 'connect:disconnected', 'disconnected']);
    expect(connectState(voice_id, 'disconnected')).toMatchObject({ cause: 16, ended_by: 'recipient' });
    expect(worker.eventsFor(voice_id).find((e) => e.type === 'disconnected')).toMatchObject({ cause: 16, hangup_by: 'remote' });
    const seqs = worker.eventsFor(voice_id).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    await sleep(500);
    expect(await freePorts()).toBe(freeBefore); // both legs' RTP ports are back
  });

  it('refuses a second connect while one rings; the recipient hanging up cancels the ringing destination', async () => {
    const freeBefore = await freePorts();
    const voice_id = await answeredLeg(LINE.person);
    const first = await connect(voice_id, LINE.noAnswer, 30);
    expect(first.result.ok).toBe(true);
    await worker.waitFor(() => !!connectState(voice_id, 'ringing'), 10_000, 'the destination rings');
    const second = await connect(voice_id, LINE.person);
    expect(second.result).toMatchObject({ ok: false, error: 'connect_in_progress' });
    const play = await worker.send(node.controlUrl, [{ type: 'play', command_id: `${voice_id}:p`, voice_id, play: { type: 'tts', text: 'x', voice: 'Female', language: 'en-US', prompt_ref: 'tone-300' } }]);
    expect(play.results[0]).toMatchObject({ ok: false, error: 'bridged' });
    const destination = node.connects.get(voice_id)!.destination;
    await hangup(voice_id);
    expect(types(voice_id).slice(-3)).toEqual(['connect:ringing', 'connect:failed', 'disconnected']);
    expect(connectState(voice_id, 'failed')).toMatchObject({ connect_id: first.connect_id, cause: 16, ended_by: 'recipient' });
    await sleep(1000);
    expect(destination.phase).toBe('ended'); // CANCEL → 487 from SIPp
    expect(await freePorts()).toBe(freeBefore);
  });
});
