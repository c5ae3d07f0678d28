// Ringing a registered agent: baresip (auto-answer, a 600 Hz tone as its microphone) registers with the
// media node; an `originate` with an agent target rings it at its binding and the leg connects, and a
// hang-up from the softphone ends it; a `connect` with an agent target bridges a SIPp carrier line
// (a 1 kHz tone) to baresip, and each side gets the other's tone: SIPp's on the wire from the node,
// baresip's in its own recording. An agent without a binding: agent_not_registered.
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectEvent, MediaEvent } from '../../../worker/src/media-protocol/index.ts';
import { startNodeAgainstSipp, toneRenderer, type NodeAgainstSipp } from '../media-node/node-against-sipp.ts';
import { captureRtpFrom } from '../media-node/rtp-capture.ts';
import { toneFrames, wireFrames } from '../media-node/tone-frames.ts';
import { startBaresip, type Baresip } from '../../peers/baresip.ts';

const SIP_PORT = 15862;
const CARRIER_PORT = 15880;
const RTP_MIN = 27100;
const RTP_MAX = RTP_MIN + 19;
const REALM = 'tenant2.sip.crier.local';
const FROM = '12012774877';
/** The carrier line that answers and plays a steady 1 kHz tone (test/sipp/carrier.xml). */
const TONE_LINE = '971501234578';
const AGENT_HZ = 600;
const CARRIER_HZ = 1000;
const owner = { kind: 'campaign' as const, id: 'c-agents' };
const agent = { kind: 'agent' as const, sip_user: 'agent_2001', realm: REALM };

let h: NodeAgainstSipp;
let phone: Baresip;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const types = (id: string) => h.worker.eventsFor(id).map((e) => (e.type === 'playstate' ? `playstate:${e.playstate}` : e.type === 'connect' ? `connect:${e.connectstate}` : e.type));
const connectState = (id: string, state: ConnectEvent['connectstate']) => h.worker.eventsFor(id).find((e): e is ConnectEvent & MediaEvent => e.type === 'connect' && e.connectstate === state);



/** A mono 16-bit WAV's samples in 20 ms frames (sndfile writes a plain RIFF with a data chunk). */
function wavFrames(path: string): Int16Array[] {
  const buf = readFileSync(path);
  const data = buf.indexOf('data', 12);
  const start = data + 8;
  const samples = Math.floor((buf.length - start) / 2);
  const pcm = Int16Array.from({ length: samples }, (_, i) => buf.readInt16LE(start + i * 2));
  return Array.from({ length: Math.floor(samples / 160) }, (_, f) => pcm.subarray(f * 160, f * 160 + 160));
}

beforeAll(async () => {
  h = await startNodeAgainstSipp({
    sipp: { port: CARRIER_PORT, mediaPort: 16880 },
    sipPort: SIP_PORT,
    rtpMin: RTP_MIN,
    rtpPorts: 20,
    renderer: toneRenderer,
    env: { REGISTER_DIGEST_ALGORITHMS: 'MD5' }, // baresip 1.0 answers MD5 only (docs/agents-sip.md)
  });
  h.worker.addSipUser({ realm: REALM, sipUser: 'agent_2001', password: 'agent-2001-pw', tenantId: 'TENANT2', agentId: 'agent-2001' });
  const dir = mkdtempSync(join(tmpdir(), 'crier-agent-tone-'));
  const wav = join(dir, 'agent-tone.wav');
  execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', wav, 'synth', '120', 'sine', String(AGENT_HZ), 'vol', '0.4']);
  phone = await startBaresip({ user: 'agent_2001', password: 'agent-2001-pw', domain: REALM, proxy: `sip:127.0.0.1:${SIP_PORT}`, wav, recordDir: join(dir, 'rec'), autoAnswer: true });
  await phone.registered;
});

afterAll(async () => {
  await phone?.kill();
  await h?.close();
});

describe('calls to a registered agent (baresip)', () => {
  it('an agent with no binding here: originate and connect answer agent_not_registered', async () => {
    const voice_id = randomUUID();
    const ghost = { kind: 'agent' as const, sip_user: 'agent_9999', realm: REALM };
    const { results } = await h.worker.send(h.node.controlUrl, [
      { type: 'originate', command_id: `${voice_id}:o`, voice_id, owner, from: FROM, to: 'agent_9999', amd: false, ring_timeout_s: 10, max_duration_s: 60, target: ghost },
      { type: 'connect', command_id: `${voice_id}:c`, voice_id: randomUUID(), connect_id: randomUUID(), from: FROM, to: 'agent_9999', target: ghost },
    ]);
    expect(results[0]).toEqual({ command_id: `${voice_id}:o`, ok: false, error: 'agent_not_registered' });
    expect(results[1]!.ok).toBe(false); // its voice_id is no live leg either way
    expect(h.node.legs.has(voice_id)).toBe(false);
  });

  it('originate with an agent target rings the softphone at its binding; it auto-answers; its hang-up ends the leg', async () => {
    const voice_id = randomUUID();
    // Auto-answer: baresip goes straight to CALL_ESTABLISHED (no CALL_INCOMING).
    const established = phone.waitForEvent('CALL_ESTABLISHED', 10_000);
    const { results } = await h.worker.send(h.node.controlUrl, [
      { type: 'originate', command_id: `${voice_id}:o`, voice_id, owner, from: FROM, to: 'agent_2001', amd: true, ring_timeout_s: 10, max_duration_s: 60, target: agent },
    ]);
    expect(results[0]!.ok).toBe(true);
    const call = await established;
    expect(String(call.peeruri)).toContain(FROM);
    expect(call.direction).toBe('incoming');
    await h.worker.waitFor(() => types(voice_id).includes('connected'), 10_000, 'the agent answered');
    const connected = h.worker.eventsFor(voice_id).find((e) => e.type === 'connected')!;
    expect(connected).not.toHaveProperty('answered_by'); // no AMD on an agent leg, even if asked
    await sleep(500);
    await phone.hangup();
    await h.worker.waitFor(() => types(voice_id).includes('disconnected'), 10_000, 'the agent hung up');
    expect(h.worker.eventsFor(voice_id).find((e) => e.type === 'disconnected')).toMatchObject({ cause: 16 });
    expect(types(voice_id).filter((t) => t.startsWith('playstate'))).toEqual([]);
  });

  it('connect with an agent target bridges a carrier call to the softphone, audio both ways', async () => {
    const voice_id = randomUUID();
    await h.worker.send(h.node.controlUrl, [
      { type: 'originate', command_id: `${voice_id}:o`, voice_id, owner, from: FROM, to: TONE_LINE, play: { type: 'tts', text: 'x', voice: 'Female', language: 'en-US', prompt_ref: 'tone-20000' }, amd: false, ring_timeout_s: 10, max_duration_s: 60 },
    ]);
    await h.worker.waitFor(() => types(voice_id).includes('playstate:initiated'), 10_000, 'the customer answered');
    const customerPort = h.node.legs.get(voice_id)!.rtp!.port;
    const recordingsBefore = phone.recordings().received.length;
    const capture = await captureRtpFrom(RTP_MIN, RTP_MAX);
    const connect_id = randomUUID();
    const { results } = await h.worker.send(h.node.controlUrl, [{ type: 'connect', command_id: `${connect_id}:c`, voice_id, connect_id, from: FROM, to: 'agent_2001', ring_timeout_s: 10, target: agent }]);
    expect(results[0]!.ok).toBe(true);
    await h.worker.waitFor(() => !!connectState(voice_id, 'connected'), 10_000, 'the agent answered');
    const agentPort = h.node.connects.get(voice_id)!.destination.rtp!.port;
    await sleep(3000);
    await phone.hangup(); // the agent ends the connect; the customer's leg stays up
    await h.worker.waitFor(() => !!connectState(voice_id, 'disconnected'), 10_000, 'the connect ended');
    const packets = await capture.stop();
    expect(connectState(voice_id, 'disconnected')).toMatchObject({ connect_id, ended_by: 'destination', cause: 16 });
    expect(h.node.legs.get(voice_id)?.phase).toBe('answered');
    await h.worker.send(h.node.controlUrl, [{ type: 'hangup', command_id: `${voice_id}:h`, voice_id, cause: 16 }]);
    await h.worker.waitFor(() => types(voice_id).includes('disconnected'), 10_000, 'the customer leg ended');

    // The customer (SIPp) got the agent's 600 Hz from the node; the agent got the carrier's 1 kHz.
    const toCustomer = wireFrames(packets, customerPort);
    const toAgent = wireFrames(packets, agentPort);
    expect(toneFrames(toCustomer, AGENT_HZ)).toBeGreaterThan(100);
    expect(toneFrames(toAgent, CARRIER_HZ)).toBeGreaterThan(100);
    expect(toneFrames(toAgent, AGENT_HZ)).toBe(0);
    // And in baresip's own recording of what it heard.
    const received = phone.recordings().received;
    expect(received.length).toBeGreaterThan(recordingsBefore);
    const heard = wavFrames(received.at(-1)!);
    expect(toneFrames(heard, CARRIER_HZ)).toBeGreaterThan(100);
    expect(toneFrames(heard, AGENT_HZ)).toBeLessThan(5);
  });
});
