// Streaming a broadcast call to a wss server through the real stack (wrangler
// dev + media node + SIPp carrier), as a client would: PUT .../stream on a live
// leg, the server receives the call's identity and its audio (the carrier's
// 1 kHz tone line), talks back with media and a mark, the client stops the
// stream, the server drops a second one, and a third ends with the call —
// each step seen as the documented responses and stream webhooks.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack/stack.ts';
import { DEMO } from '../../scripts/seed-local.ts';
import { decodeG711, encodeG711 } from '../../media-node/src/codec/g711.ts';
import { blockPower, goertzelPower } from '../../media-node/src/amd/goertzel.ts';
import { AUTH, label, startClient, type Client } from './client.ts';
import { generateTestPki } from '../stream/test-pki.ts';
import { startStreamPeer, type StreamPeer } from '../stream/stream-peer.ts';

let stack: Stack;
let client: Client;
let peer: StreamPeer;
const stateDir = `${process.cwd()}/.wrangler/e2e-stream-${Date.now()}`;

beforeAll(async () => {
  const pki = generateTestPki();
  peer = await startStreamPeer(pki.server);
  stack = await startStack({
    ports: { worker: 8977, carrier: 5280, carrierMedia: 6200, mediaSip: 5262, mediaControl: 7270, rtpMin: 26000, rtpMax: 26999 },
    stateDir,
    mediaEnv: { STREAM_EXTRA_CA_FILE: pki.caFile },
  });
  client = await startClient();
}, 120_000);

afterAll(async () => {
  await client?.close();
  await stack?.stop();
  await peer?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

function api(method: string, path: string, body?: unknown) {
  return fetch(`${stack.url}${path}`, { method, headers: { authorization: AUTH, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
}

async function until<T>(probe: () => T | null | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('PUT /voice/v1/call/{voice_id}/stream on the real stack', () => {
  it('streams a live call both ways, stops on request, survives a dropped socket, and ends with the call', async () => {
    const res = await api('POST', '/voice/v1/broadcast', {
      name: 'e2e-stream',
      owner_ref: 'e2e',
      from: '12012774877',
      answering_machine_detection: false,
      recipients: [{ to: '971501234508', play: { type: 'tts', text: 'Hello.', voice: 'Female', language: 'en-US', prompt_ref: 'hello' } }],
      custom_data: { suite: 'e2e-stream', n: 7 },
      event_url: client.url,
      call_handler_url: client.url,
    });
    expect(res.status).toBe(200);
    const { broadcast_id: broadcastId } = (await res.json()) as { broadcast_id: string };
    const voiceId = (await until(() => client.events.find((e) => e.broadcast_id === broadcastId && e.state === 'connected'), 'connected')).voice_id as string;
    const streamHooks = () => client.forLeg(voiceId).filter((e) => e.streamstate);

    // ws:// is refused through the real stack too, naming the field.
    const plain = await api('PUT', `/voice/v1/call/${voiceId}/stream`, { wss_host: 'ws://127.0.0.1/ws' });
    expect(plain.status).toBe(400);
    expect(((await plain.json()) as { field: string }).field).toBe('/wss_host');

    // 1. Start: the documented response, then the call's identity and audio at the server.
    const started = await api('PUT', `/voice/v1/call/${voiceId}/stream`, { wss_host: peer.url('/bot') });
    expect(started.status).toBe(200);
    const body = (await started.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['broadcast_id', 'state', 'timestamp', 'voice_id', 'wss_host']);
    expect(body).toMatchObject({ broadcast_id: broadcastId, voice_id: voiceId, state: 'stream_started', wss_host: peer.url('/bot') });
    const conn = await until(() => peer.connections.find((c) => c.start?.callSid === voiceId), 'the stream to start');
    expect(conn.start).toMatchObject({ accountSid: DEMO.appId, broadcast_id: broadcastId, customParameters: { suite: 'e2e-stream', n: 7 }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } });
    await until(() => conn.media.length >= 100, '2 s of media');
    conn.media.forEach((f, i) => expect(f.chunk).toBe(i + 1));
    const pcm = decodeG711('PCMU', Buffer.concat(conn.media.slice(20).map((f) => f.payload)));
    expect(goertzelPower(pcm, 1000) / blockPower(pcm)).toBeGreaterThan(0.8); // the carrier's tone line

    // The server talks back: 0.5 s of audio and a mark, echoed once played.
    const talkAt = Date.now();
    conn.sendAudio(encodeG711('PCMU', Int16Array.from({ length: 4000 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 600 * i) / 8000)))));
    conn.send({ event: 'mark', streamSid: conn.start!.streamSid, mark: { name: 'said-hi' } });
    await until(() => conn.messages.find((m) => m.event === 'mark'), 'the mark back');
    expect(Date.now() - talkAt).toBeGreaterThan(400);

    // 2. Stop on request: stop message, normal close, stream_stopped.
    const stopped = await api('PUT', `/voice/v1/call/${voiceId}/stream`, { stop: true });
    expect(stopped.status).toBe(200);
    expect(await stopped.json()).toMatchObject({ broadcast_id: broadcastId, voice_id: voiceId, state: 'stream_stopped' });
    await until(() => conn.closed, 'the socket to close');
    expect(conn.closed!.code).toBe(1000);
    expect(conn.messages.at(-1)!.event).toBe('stop');
    expect((await api('PUT', `/voice/v1/call/${voiceId}/stream`, { stop: true })).status).toBe(409);

    // 3. The server drops a second stream: a failed event, and the call is still up.
    await api('PUT', `/voice/v1/call/${voiceId}/stream`, { wss_host: peer.url('/flaky') });
    const flaky = await until(() => peer.connections.find((c) => c.path === '/flaky' && c.media.length > 5), 'the second stream');
    flaky.terminate();
    await until(() => streamHooks().some((e) => e.streamstate === 'failed'), 'the failed event');

    // 4. A third runs until the client hangs up: its stopped event comes before disconnected.
    await api('PUT', `/voice/v1/call/${voiceId}/stream`, { wss_host: peer.url('/last') });
    const last = await until(() => peer.connections.find((c) => c.path === '/last' && c.start), 'the third stream');
    expect((await api('DELETE', `/voice/v1/call/${voiceId}`)).status).toBe(200);
    await client.waitForComplete(broadcastId);
    await until(() => last.closed, 'the third socket to close');
    expect(last.messages.at(-1)!.event).toBe('stop');

    const hooks = streamHooks();
    expect(hooks.map((e) => `${e.streamstate}:${e.reason ?? ''}`)).toEqual([
      'started:',
      'stopped:stop_requested',
      'started:',
      expect.stringMatching(/^failed:connection lost/),
      'started:',
      'stopped:call_ended',
    ]);
    for (const e of hooks) {
      expect(e).toMatchObject({ broadcast_id: broadcastId, voice_id: voiceId, from: '12012774877', to: '971501234508', custom_data: { suite: 'e2e-stream', n: 7 } });
      expect(e.stream_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(e.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    expect(hooks[1]).toMatchObject({ wss_host: peer.url('/bot'), frames_dropped: 0 });
    expect(hooks[1]!.frames_sent).toBeGreaterThanOrEqual(100);
    const sequence = client.forLeg(voiceId).map((e) => (e.streamstate ? `stream:${e.streamstate}` : label(e)));
    expect(sequence.slice(0, 4)).toEqual(['ringing', 'connected', 'playstate:initiated', expect.any(String)]);
    expect(sequence.slice(-2)).toEqual(['stream:stopped', 'disconnected']);
    expect(client.forLeg(voiceId).at(-1)).toMatchObject({ disconnect_cause_code: 16 });

    // After the end: 409.
    expect((await api('PUT', `/voice/v1/call/${voiceId}/stream`, { wss_host: peer.url('/late') })).status).toBe(409);
  });
});
