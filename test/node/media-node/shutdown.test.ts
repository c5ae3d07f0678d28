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
});
