// The media node as a real process: an invalid environment stops it with one
// line naming the variable; SIGTERM drains (the fleet is told, live calls are
// hung up, their events flushed) and the process exits 0.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSipp, type SippHandle } from '../../sipp/sipp-process.ts';
import { startFakeWorker, TEST_SECRET, type FakeWorker } from './fake-worker.ts';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
let worker: FakeWorker;
let sipp: SippHandle;

beforeAll(async () => {
  worker = await startFakeWorker();
  sipp = await startSipp({ port: 15280, mediaPort: 16280 });
});
afterAll(async () => {
  await sipp?.stop();
  await worker?.close();
});

function run(env: Record<string, string>) {
  const child = spawn(tsx, ['media-node/src/main.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, output: () => out };
}

describe('media node process', () => {
  it('refuses a bad environment with one line naming the variable', async () => {
    const p = run({ WORKER_URL: 'not a url', MEDIA_SHARED_SECRET: TEST_SECRET, SIP_TRUNK_URI: 'sip:127.0.0.1:5080' });
    expect(await p.exited).toBe(1);
    expect(p.output().trim()).toMatch(/^crier media node: invalid configuration: WORKER_URL \("not a url"\)/);
  });

  it('never prints a secret in a configuration error: it names the variable only', async () => {
    const secret = 'too-short-secret';
    const p = run({ WORKER_URL: worker.url, MEDIA_SHARED_SECRET: secret.slice(0, 12), SIP_TRUNK_URI: 'sip:127.0.0.1:5080' });
    expect(await p.exited).toBe(1);
    expect(p.output().trim()).toMatch(/^crier media node: invalid configuration: MEDIA_SHARED_SECRET \(value not shown\): must be at least 16 characters$/);
    expect(p.output()).not.toContain(secret.slice(0, 12));
  });

  it('on SIGTERM drains, hangs up live calls, flushes their events and exits 0', async () => {
    const p = run({
      NODE_ID: 'sigterm-node',
      WORKER_URL: worker.url,
      MEDIA_SHARED_SECRET: TEST_SECRET,
      CONTROL_PORT: '17370',
      SIP_BIND_PORT: '15262',
      SIP_TRUNK_URI: 'sip:127.0.0.1:15280',
      RTP_PORT_MIN: '33400',
      RTP_PORT_MAX: '33600',
      LOG_LEVEL: 'warn',
    });
    await worker.waitFor(() => worker.heartbeats.some((h) => h.node_id === 'sigterm-node'), 15_000, 'registration');
    const voice_id = randomUUID();
    await worker.send('http://127.0.0.1:17370', [
      { type: 'originate', command_id: voice_id, voice_id, owner: { kind: 'broadcast', id: 'b' }, from: '12012774877', to: '971501234560', play: { type: 'tts', text: 'A long message that is still playing when the node is told to stop.', voice: 'Female', language: 'en-US', prompt_ref: 'p' }, amd: false, ring_timeout_s: 10, max_duration_s: 60 },
    ]);
    await worker.waitFor((evs) => evs.some((e) => e.voice_id === voice_id && e.type === 'playstate'), 15_000, 'playback');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(worker.heartbeats.filter((h) => h.node_id === 'sigterm-node').at(-1)).toMatchObject({ draining: true });
    expect(worker.eventsFor(voice_id).at(-1)).toMatchObject({ type: 'disconnected', cause: 16, hangup_by: 'local' });
  }, 40_000);

  /** A node process with one answered call that is being recorded; the Worker refuses the first `refusals` uploads. */
  async function recordedCall(nodeId: string, controlPort: number, extraEnv: Record<string, string>) {
    const p = run({
      NODE_ID: nodeId,
      WORKER_URL: worker.url,
      MEDIA_SHARED_SECRET: TEST_SECRET,
      CONTROL_PORT: String(controlPort),
      SIP_BIND_PORT: String(controlPort - 2100),
      SIP_TRUNK_URI: 'sip:127.0.0.1:15280',
      RTP_PORT_MIN: '33700',
      RTP_PORT_MAX: '33900',
      LOG_LEVEL: 'info',
      ...extraEnv,
    });
    await worker.waitFor(() => worker.heartbeats.some((h) => h.node_id === nodeId), 15_000, 'registration');
    const voice_id = randomUUID();
    const recording_id = randomUUID();
    const control = `http://127.0.0.1:${controlPort}`;
    await worker.send(control, [
      { type: 'originate', command_id: voice_id, voice_id, owner: { kind: 'broadcast', id: 'b' }, from: '12012774877', to: '971501234560', play: { type: 'tts', text: 'A message being recorded when the node is told to stop.', voice: 'Female', language: 'en-US', prompt_ref: 'p' }, amd: false, ring_timeout_s: 10, max_duration_s: 60 },
    ]);
    await worker.waitFor((evs) => evs.some((e) => e.voice_id === voice_id && e.type === 'playstate'), 15_000, 'playback');
    expect((await worker.send(control, [{ type: 'recording', command_id: `${recording_id}:start`, voice_id, action: 'start', recording_id }])).results[0]!.ok).toBe(true);
    await new Promise((r) => setTimeout(r, 500)); // half a second of call in the recording
    return { p, voice_id, recording_id };
  }
  const logLines = (out: string) => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

  it('on SIGTERM waits for a recording upload the Worker first refuses (503, retried) before exiting 0; every upload line names the voice_id', async () => {
    worker.failRecordingsNext(1);
    const attemptsBefore = worker.recordingAttempts;
    const { p, voice_id, recording_id } = await recordedCall('sigterm-upload-node', 17372, {});
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    // Without the wait the process exits during the 1 s backoff and the recording is lost.
    expect(worker.recordingAttempts - attemptsBefore).toBe(2);
    const uploaded = worker.recordings.get(recording_id);
    expect(uploaded?.durationMs).toBeGreaterThanOrEqual(500);
    expect(uploaded!.wav.subarray(0, 4).toString()).toBe('RIFF');
    const lines = logLines(p.output()).filter((l) => l.recording_id === recording_id);
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['recording stopped', 'recording upload failed; retrying', 'recording uploaded']));
    for (const line of lines) expect(line.voice_id).toBe(voice_id);
    expect(logLines(p.output()).some((l) => l.msg === 'waiting for recording uploads')).toBe(true);
  }, 40_000);

  it('the wait for uploads is bounded (SHUTDOWN_UPLOAD_WAIT_S): a Worker that keeps refusing does not hold the exit', async () => {
    worker.failRecordingsNext(100);
    const { p, recording_id } = await recordedCall('sigterm-bounded-node', 17374, { SHUTDOWN_UPLOAD_WAIT_S: '1' });
    const signalled = Date.now();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    // The upload would retry for 15 s (1+2+4+8); the node leaves after the call ends + 1 s.
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(worker.recordings.has(recording_id)).toBe(false);
    expect(logLines(p.output()).find((l) => l.msg === 'recordings still uploading at exit are lost')).toMatchObject({ level: 'error', uploads: 1 });
    worker.failRecordingsNext(0);
  }, 40_000);
});
