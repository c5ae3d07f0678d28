// Streaming real calls to a real wss server: the media node places calls
// through SIPp (test/sipp/stream-lines.xml: a 1 kHz tone line and echo lines in
// PCMU and PCMA) and streams them to a local node:https + ws server whose
// certificate is made at test time and trusted through STREAM_EXTRA_CA_FILE.
// Frames are counted and their tone found with Goertzel; audio the server
// sends back is played into the call and comes back from the echo line; marks,
// clear, hold, the recorder, a server that closes or drops the socket, and an
// untrusted certificate — the call stays up through all of them.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MediaNode } from '../../../media-node/src/media-node.ts';
import type { AudioRenderer } from '../../../media-node/src/audio/renderer.ts';
import { decodeG711, encodeG711 } from '../../../media-node/src/codec/g711.ts';
import { blockPower, goertzelPower } from '../../../media-node/src/amd/goertzel.ts';
import type { MediaEvent } from '../../../worker/src/media-protocol/index.ts';
import type { FakeWorker } from './fake-worker.ts';
import { startNodeAgainstSipp, type NodeAgainstSipp } from './node-against-sipp.ts';
import { generateTestPki, type TestPki } from '../../stream/test-pki.ts';
import { startStreamPeer, type MediaFrame, type PeerConnection, type StreamPeer } from '../../stream/stream-peer.ts';

const LINES_PORT = 15470;
const TONE_LINE = '971501234568';
const ECHO_LINE = '971501234560';
const PCMA_ECHO_LINE = '971501234567';
/** The first prompt is 100 ms of silence, so only the stream's audio is heard on the echo lines. */
const silentRenderer: AudioRenderer = { render: async () => ({ pcm: new Int16Array(800), durationMs: 100 }) };

let pki: TestPki;
let peer: StreamPeer;
let rogue: StreamPeer;
let stack: NodeAgainstSipp;
let worker: FakeWorker;
let node: MediaNode;
const owner = { kind: 'broadcast' as const, id: 'b-stream' };

beforeAll(async () => {
  pki = generateTestPki();
  peer = await startStreamPeer(pki.server);
  rogue = await startStreamPeer(pki.rogue);
  stack = await startNodeAgainstSipp({
    sipp: { port: LINES_PORT, scenario: new URL('../../sipp/stream-lines.xml', import.meta.url).pathname, mediaPort: 16470, extraArgs: ['-rtp_echo'] },
    sipPort: 15462,
    rtpMin: 34000,
    rtpPorts: 400,
    renderer: silentRenderer,
    env: { ALLOW_PRIVATE_AUDIO_URLS: 'true', STREAM_EXTRA_CA_FILE: pki.caFile },
    logLevel: 'error',
  });
  ({ worker, node } = stack);
}, 30_000);

// A case that failed midway leaves its call (and stream) up: hung up here, so one failure stays one.
afterEach(async () => {
  for (const voiceId of [...(node?.legs.keys() ?? [])]) if (!ended(voiceId)) await hangup(voiceId);
});

afterAll(async () => {
  await stack?.close();
  await peer?.close();
  await rogue?.close();
});

type StreamEvent = Extract<MediaEvent, { type: 'stream' }>;
const streamEvents = (voiceId: string) => worker.eventsFor(voiceId).filter((e): e is StreamEvent => e.type === 'stream');
const ended = (voiceId: string) => worker.eventsFor(voiceId).some((e) => e.type === 'disconnected');

async function answeredCall(to: string): Promise<string> {
  const voice_id = randomUUID();
  await worker.send(node.controlUrl, [
    {
      type: 'originate',
      command_id: `${voice_id}:originate:1`,
      voice_id,
      owner,
      from: '12012774877',
      to,
      play: { type: 'tts', text: 'x', voice: 'Female', language: 'en-US', prompt_ref: 'silence' },
      amd: false,
      ring_timeout_s: 10,
      max_duration_s: 600,
    },
  ]);
  await worker.waitFor(() => worker.eventsFor(voice_id).some((e) => e.type === 'connected'), 10_000, 'answer');
  return voice_id;
}

async function startStream(voice_id: string, wss_host: string): Promise<{ streamId: string; ok: boolean }> {
  const streamId = randomUUID();
  const res = await worker.send(node.controlUrl, [
    { type: 'stream', command_id: `${streamId}:start`, voice_id, action: 'start', stream_id: streamId, wss_host, account_id: 'app-1', custom_parameters: { booking_id: 12345 } },
  ]);
  return { streamId, ok: res.results[0]!.ok };
}

const stopStream = (voice_id: string, streamId: string) =>
  worker.send(node.controlUrl, [{ type: 'stream', command_id: `${streamId}:stop`, voice_id, action: 'stop', stream_id: streamId }]);

async function hangup(voice_id: string): Promise<void> {
  await worker.send(node.controlUrl, [{ type: 'hangup', command_id: `${voice_id}:hangup`, voice_id, cause: 16 }]);
  await worker.waitFor(() => ended(voice_id), 10_000, 'disconnected');
}

const connectionOf = (streamId: string) => peer.waitFor(() => peer.connections.find((c) => c.start?.streamSid === streamId), 10_000, `stream ${streamId} to start`);
const streamEvent = (voiceId: string, streamId: string, state: StreamEvent['streamstate']) =>
  worker.waitFor(() => streamEvents(voiceId).some((e) => e.stream_id === streamId && e.streamstate === state), 10_000, `stream ${state}`).then(
    () => streamEvents(voiceId).find((e) => e.stream_id === streamId && e.streamstate === state)!,
  );

/**
 * The share of the frames' energy at `hz` (≈1 for a pure tone, ≈0 for silence or other tones), measured frame by
 * frame (160 samples: 1000 and 1400 Hz fall on whole bins) and summed: one Goertzel over the whole run would also
 * count the phase jumps where a loaded machine's SIPp or jitter buffer skips or repeats a packet, which are not
 * what the test is about.
 */
function toneShare(frames: MediaFrame[], hz: number): number {
  let tone = 0;
  let total = 0;
  for (const f of frames) {
    const pcm = decodeG711('PCMU', f.payload);
    tone += goertzelPower(pcm, hz);
    total += blockPower(pcm);
  }
  return total === 0 ? 0 : tone / total;
}
const framesBetween = (conn: PeerConnection, from: number, to = Infinity) => conn.media.filter((f) => f.receivedAt >= from && f.receivedAt < to);
const tone = (ms: number, hz: number) => encodeG711('PCMU', Int16Array.from({ length: (ms / 1000) * 8000 }, (_, i) => Math.round(9000 * Math.sin((2 * Math.PI * hz * i) / 8000))));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const marksFrom = (conn: PeerConnection) => conn.messages.filter((m) => m.event === 'mark').map((m) => m.mark.name as string);

describe('wss streams against SIPp', () => {
  it('streams the far end as ~50 contiguous 20 ms μ-law frames a second, with the call’s identity, and the tone it plays', async () => {
    const voiceId = await answeredCall(TONE_LINE);
    const { streamId, ok } = await startStream(voiceId, peer.url('/media?token=abc'));
    expect(ok).toBe(true);
    const conn = await connectionOf(streamId);
    expect(conn.path).toBe('/media?token=abc');
    expect(conn.messages[0]).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    expect(conn.messages[1]).toEqual({
      event: 'start',
      sequenceNumber: '1',
      streamSid: streamId,
      start: {
        accountSid: 'app-1',
        streamSid: streamId,
        callSid: voiceId,
        broadcast_id: 'b-stream',
        tracks: ['inbound'],
        customParameters: { booking_id: 12345 },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
    expect(await streamEvent(voiceId, streamId, 'started')).toMatchObject({ wss_host: peer.url('/media?token=abc') });
    await peer.waitFor(() => conn.media.length >= 150, 15_000, '3 s of media');

    const media = conn.media;
    media.forEach((f, i) => {
      expect(f.payload.length).toBe(160);
      expect(f.chunk).toBe(i + 1);
      expect(f.seq).toBe(i + 2); // start was 1
      expect(f.timestamp).toBe(i * 20);
    });
    // About 50 a second of wall clock (loose: a loaded machine delivers in bursts, the count still keeps up).
    const spanS = (media.at(-1)!.receivedAt - media[0]!.receivedAt) / 1000;
    expect(media.length / spanS).toBeGreaterThan(40);
    expect(media.length / spanS).toBeLessThan(62);
    // Mostly the 1 kHz tone (another tone or speech scores near 0).
    expect(toneShare(media.slice(25), 1000)).toBeGreaterThan(0.6);

    await hangup(voiceId);
    await peer.waitFor(() => conn.closed, 5000, 'the socket to close');
    expect(conn.closed!.code).toBe(1000);
    const stop = conn.messages.at(-1)!;
    expect(stop).toEqual({ event: 'stop', sequenceNumber: String(Number(conn.messages.at(-2)!.sequenceNumber) + 1), streamSid: streamId, stop: { accountSid: 'app-1', callSid: voiceId } });
    const types = worker.eventsFor(voiceId).map((e) => (e.type === 'stream' ? `stream:${e.streamstate}` : e.type));
    expect(types.slice(-2)).toEqual(['stream:stopped', 'disconnected']);
    const stopped = streamEvents(voiceId).at(-1)!;
    expect(stopped).toMatchObject({ reason: 'call_ended', frames_dropped: 0 });
    expect(stopped.frames_sent).toBeGreaterThanOrEqual(conn.media.length);
  });

  it('plays the server’s audio into the call (it comes back from the echo line), echoes a mark once played, and the recorder hears it', async () => {
    const voiceId = await answeredCall(ECHO_LINE);
    const recordingId = randomUUID();
    await worker.send(node.controlUrl, [{ type: 'recording', command_id: `${recordingId}:start`, voice_id: voiceId, action: 'start', recording_id: recordingId }]);
    const { streamId } = await startStream(voiceId, peer.url());
    const conn = await connectionOf(streamId);
    await sleep(300);
    const sentAt = performance.now();
    conn.sendAudio(tone(1000, 1400), 320);
    conn.send({ event: 'mark', streamSid: streamId, mark: { name: 'tone-done' } });
    await peer.waitFor(() => marksFrom(conn).includes('tone-done'), 5000, 'the mark back');
    const markAt = conn.messages.find((m) => m.event === 'mark')!;
    const markMs = performance.now() - sentAt;
    // Echoed after the second of audio had been sent into the call, not on arrival.
    expect(markMs).toBeGreaterThan(900);
    expect(markMs).toBeLessThan(3000);
    expect(markAt).toMatchObject({ streamSid: streamId, mark: { name: 'tone-done' } });
    await sleep(200);
    const echoed = framesBetween(conn, sentAt, sentAt + 1500);
    expect(toneShare(echoed, 1400)).toBeGreaterThan(0.5);
    expect(toneShare(framesBetween(conn, 0, sentAt), 1400)).toBeLessThan(0.1);

    await hangup(voiceId);
    const deadline = Date.now() + 10_000;
    while (!worker.recordings.has(recordingId) && Date.now() < deadline) await sleep(50);
    const { wav } = worker.recordings.get(recordingId)!;
    const frames = (wav.length - 44) / 4;
    const channel = (c: 0 | 1) => Int16Array.from({ length: frames }, (_, i) => wav.readInt16LE(44 + i * 4 + c * 2));
    const ours = channel(1);
    expect(goertzelPower(ours, 1400) / blockPower(ours)).toBeGreaterThan(0.5); // what we sent: the server's tone
    const theirs = channel(0);
    expect(goertzelPower(theirs, 1400) / blockPower(theirs)).toBeGreaterThan(0.5); // and its echo
  });

  it('a PCMA call still streams μ-law, both ways', async () => {
    const voiceId = await answeredCall(PCMA_ECHO_LINE);
    const { streamId } = await startStream(voiceId, peer.url());
    const conn = await connectionOf(streamId);
    await sleep(200);
    const sentAt = performance.now();
    conn.sendAudio(tone(800, 1400));
    await sleep(1200);
    expect(toneShare(framesBetween(conn, sentAt, sentAt + 1200), 1400)).toBeGreaterThan(0.5);
    expect(node.legs.get(voiceId)!.rtp!.counters.received).toBeGreaterThan(20);
    await hangup(voiceId);
  });

  it('hold pauses the server’s audio and its marks; clear drops what is queued and returns the waiting mark at once', async () => {
    const voiceId = await answeredCall(ECHO_LINE);
    const { streamId } = await startStream(voiceId, peer.url());
    const conn = await connectionOf(streamId);
    conn.sendAudio(tone(10_000, 1400), 800);
    conn.send({ event: 'mark', streamSid: streamId, mark: { name: 'end' } });
    await sleep(800);
    expect(toneShare(framesBetween(conn, performance.now() - 400), 1400)).toBeGreaterThan(0.5);

    await worker.send(node.controlUrl, [{ type: 'hold', command_id: `${voiceId}:hold`, voice_id: voiceId, hold: true }]);
    const heldAt = performance.now();
    await sleep(1000);
    expect(toneShare(framesBetween(conn, heldAt + 300, heldAt + 1000), 1400)).toBeLessThan(0.1);
    await worker.send(node.controlUrl, [{ type: 'hold', command_id: `${voiceId}:unhold`, voice_id: voiceId, hold: false }]);
    const resumedAt = performance.now();
    await sleep(700);
    expect(toneShare(framesBetween(conn, resumedAt + 300), 1400)).toBeGreaterThan(0.5);
    expect(marksFrom(conn)).toEqual([]); // 10 s of audio: far from played

    const clearedAt = performance.now();
    conn.send({ event: 'clear', streamSid: streamId });
    await peer.waitFor(() => marksFrom(conn).includes('end'), 2000, 'the pending mark on clear');
    expect(performance.now() - clearedAt).toBeLessThan(1500);
    await sleep(800);
    expect(toneShare(framesBetween(conn, clearedAt + 400), 1400)).toBeLessThan(0.1);
    await hangup(voiceId);
  });

  it('a server that closes, or drops, the socket ends the stream, never the call; a new stream works after', async () => {
    const voiceId = await answeredCall(ECHO_LINE);
    const first = await startStream(voiceId, peer.url());
    (await connectionOf(first.streamId)).close(1000);
    expect(await streamEvent(voiceId, first.streamId, 'stopped')).toMatchObject({ reason: 'server_closed' });

    const second = await startStream(voiceId, peer.url());
    const conn = await connectionOf(second.streamId);
    await peer.waitFor(() => conn.media.length > 10, 5000, 'media');
    conn.terminate();
    const failed = await streamEvent(voiceId, second.streamId, 'failed');
    expect(failed.reason).toMatch(/^connection lost/);
    expect(failed.frames_sent).toBeGreaterThan(10);

    const sent = node.legs.get(voiceId)!.rtp!.counters.sent;
    await sleep(500);
    expect(node.legs.get(voiceId)!.phase).toBe('answered');
    expect(node.legs.get(voiceId)!.rtp!.counters.sent - sent).toBeGreaterThan(15);
    expect(ended(voiceId)).toBe(false);

    const third = await startStream(voiceId, peer.url());
    await connectionOf(third.streamId);
    expect(await streamEvent(voiceId, third.streamId, 'started')).toBeTruthy();
    await hangup(voiceId);
  });

  it('a certificate nobody trusts, or nothing listening: the stream fails with the reason, the call goes on', async () => {
    const voiceId = await answeredCall(ECHO_LINE);
    const untrusted = await startStream(voiceId, rogue.url());
    expect(untrusted.ok).toBe(true); // the command is taken; the outcome is an event
    const failed = await streamEvent(voiceId, untrusted.streamId, 'failed');
    expect(failed.reason).toMatch(/^could not connect: .*(certificate|self.signed)/i);
    expect(rogue.connections).toHaveLength(0);

    const refused = await startStream(voiceId, `wss://127.0.0.1:${LINES_PORT + 7}/ws`);
    expect((await streamEvent(voiceId, refused.streamId, 'failed')).reason).toMatch(/^could not connect: .*ECONNREFUSED/);
    expect(streamEvents(voiceId).map((e) => e.streamstate)).toEqual(['failed', 'failed']);
    expect(node.legs.get(voiceId)!.phase).toBe('answered');
    expect(ended(voiceId)).toBe(false);
    await hangup(voiceId);
  });

  it('stop sends `stop` and closes normally; a second start replaces the first (reached by name through the guarded lookup)', async () => {
    const voiceId = await answeredCall(ECHO_LINE);
    const a = await startStream(voiceId, `wss://localhost:${peer.port}/a`);
    const connA = await connectionOf(a.streamId);
    const b = await startStream(voiceId, peer.url('/b'));
    const connB = await connectionOf(b.streamId);
    await peer.waitFor(() => connA.closed, 5000, 'the replaced stream to close');
    expect(connA.closed!.code).toBe(1000);
    expect(connA.messages.at(-1)!.event).toBe('stop');
    expect(await streamEvent(voiceId, a.streamId, 'stopped')).toMatchObject({ reason: 'replaced' });

    expect((await stopStream(voiceId, a.streamId)).results[0]!.ok).toBe(true); // stale: nothing happens
    expect(connB.closed).toBeNull();
    await stopStream(voiceId, b.streamId);
    await peer.waitFor(() => connB.closed, 5000, 'the stopped stream to close');
    expect(connB.messages.at(-1)!.event).toBe('stop');
    expect(await streamEvent(voiceId, b.streamId, 'stopped')).toMatchObject({ reason: 'stop_requested' });
    expect(node.streamStats.live).toBe(0);
    expect(ended(voiceId)).toBe(false);
    await hangup(voiceId);
  });
});
