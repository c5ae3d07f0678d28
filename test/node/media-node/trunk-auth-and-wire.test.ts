// Digest authentication against a SIPp trunk that verifies it (verifyauth),
// RTP checked on the wire with tshark (payload type, sequence, spacing), and
// configuration errors that name the variable.
import { randomUUID } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../media-node/src/config/env.ts';
import { startMediaNode, type MediaNode } from '../../../media-node/src/media-node.ts';
import { Logger } from '../../../media-node/src/log/logger.ts';
import { startSipp, type SippHandle } from '../../sipp/sipp-process.ts';
import { startFakeWorker, TEST_SECRET, type FakeWorker } from './fake-worker.ts';

const renderer = { render: async () => ({ pcm: Int16Array.from({ length: 16000 }, (_, i) => Math.round(5000 * Math.sin(i / 3))), durationMs: 2000 }) };
let worker: FakeWorker;
let trunk: SippHandle;
const nodes: MediaNode[] = [];

async function node(port: number, rtpMin: number, extra: Record<string, string> = {}) {
  const n = await startMediaNode(
    loadConfig({
      NODE_ID: `auth-${port}`,
      CONTROL_PORT: '0',
      WORKER_URL: worker.url,
      MEDIA_SHARED_SECRET: TEST_SECRET,
      SIP_BIND_PORT: String(port),
      SIP_TRUNK_URI: 'sip:127.0.0.1:15090;transport=udp',
      RTP_PORT_MIN: String(rtpMin),
      RTP_PORT_MAX: String(rtpMin + 200),
      ...extra,
    }),
    { renderer, log: new Logger({}, 'warn') },
  );
  nodes.push(n);
  return n;
}

function originate(voice_id: string, promptRef = 'p') {
  return { type: 'originate' as const, command_id: voice_id, voice_id, owner: { kind: 'broadcast' as const, id: 'b' }, from: '12012774877', to: '971501234560', play: { type: 'tts' as const, text: 'x', voice: 'Female' as const, language: 'en-US', prompt_ref: promptRef }, amd: false, ring_timeout_s: 10, max_duration_s: 60 };
}

beforeAll(async () => {
  worker = await startFakeWorker();
  trunk = await startSipp({ port: 15090, scenario: new URL('../../sipp/digest-trunk.xml', import.meta.url).pathname, mediaPort: 16590, extraArgs: ['-rtp_echo'] });
});

afterAll(async () => {
  for (const n of nodes) await n.shutdown();
  await trunk?.stop();
  await worker?.close();
});

describe('trunk digest authentication', () => {
  it('answers the 401 with valid digest credentials and the call is answered', async () => {
    const n = await node(15063, 32000, { SIP_TRUNK_USER: 'crier', SIP_TRUNK_PASSWORD: 's3cret' });
    const id = randomUUID();
    await worker.send(n.controlUrl, [originate(id)]);
    await worker.waitFor((evs) => evs.some((e) => e.voice_id === id && e.type === 'playstate' && e.playstate === 'playfinished'), 10_000, 'playback after auth');
    // -rtp_echo sends our audio back: packets flowed both ways.
    const rtp = n.legs.get(id)!.rtp!.counters;
    expect(rtp.sent).toBeGreaterThanOrEqual(100);
    expect(rtp.received).toBeGreaterThan(50);
    await worker.send(n.controlUrl, [{ type: 'hangup', command_id: `${id}:h`, voice_id: id, cause: 16 }]);
    await worker.waitFor((evs) => evs.some((e) => e.voice_id === id && e.type === 'disconnected'), 10_000, 'disconnected');
  });

  it('a wrong password is refused by the trunk (403 → cause 21)', async () => {
    const n = await node(15064, 32400, { SIP_TRUNK_USER: 'crier', SIP_TRUNK_PASSWORD: 'wrong' });
    const id = randomUUID();
    await worker.send(n.controlUrl, [originate(id)]);
    await worker.waitFor((evs) => evs.some((e) => e.voice_id === id && e.type === 'disconnected'), 10_000, 'disconnected');
    expect(worker.eventsFor(id).at(-1)).toMatchObject({ type: 'disconnected', cause: 21, sip_status: 403 });
  });
});

describe('proxy authentication (407)', () => {
  it('answers Proxy-Authenticate with Proxy-Authorization and the call is answered', async () => {
    const proxy = await startSipp({ port: 15091, scenario: new URL('../../sipp/proxy-auth-trunk.xml', import.meta.url).pathname, mediaPort: 16690, extraArgs: ['-rtp_echo'] });
    try {
      const n = await node(15066, 33200, { SIP_TRUNK_USER: 'crier', SIP_TRUNK_PASSWORD: 's3cret', SIP_TRUNK_URI: 'sip:127.0.0.1:15091' });
      const id = randomUUID();
      await worker.send(n.controlUrl, [originate(id)]);
      await worker.waitFor((evs) => evs.some((e) => e.voice_id === id && e.type === 'connected'), 10_000, 'answered after 407');
      await worker.send(n.controlUrl, [{ type: 'hangup', command_id: `${id}:h`, voice_id: id, cause: 16 }]);
      await worker.waitFor((evs) => evs.some((e) => e.voice_id === id && e.type === 'disconnected'), 10_000, 'disconnected');
      expect(worker.eventsFor(id).at(-1)).toMatchObject({ cause: 16 });
    } finally {
      await proxy.stop();
    }
  });
});

describe('RTP on the wire', () => {
  it('tshark sees 20 ms PCMU frames with consecutive sequence numbers from the node', async () => {
    const n = await node(15065, 32800, { SIP_TRUNK_USER: 'crier', SIP_TRUNK_PASSWORD: 's3cret' });
    const dir = mkdtempSync(join(tmpdir(), 'crier-wire-'));
    const pcap = join(dir, 'rtp.pcap');
    const capture = spawn('tshark', ['-i', 'lo', '-f', 'udp src portrange 32800-33000', '-a', 'duration:5', '-w', pcap], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 1500)); // tshark needs a moment before it captures
    const id = randomUUID();
    await worker.send(n.controlUrl, [originate(id)]);
    await worker.waitFor((evs) => evs.some((e) => e.voice_id === id && e.type === 'playstate' && e.playstate === 'playfinished'), 10_000, 'playback');
    await worker.send(n.controlUrl, [{ type: 'hangup', command_id: `${id}:h`, voice_id: id, cause: 16 }]);
    await new Promise((r) => capture.once('exit', r));
    const fields = execFileSync('tshark', ['-r', pcap, '-d', 'udp.port==32800-33000,rtp', '-T', 'fields', '-e', 'frame.time_relative', '-e', 'rtp.seq', '-e', 'rtp.p_type', '-e', 'rtp.marker'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.split('\t'))
      .filter((f) => f[1]);
    expect(fields.length).toBeGreaterThanOrEqual(100);
    expect(new Set(fields.map((f) => f[2]))).toEqual(new Set(['0']));
    expect(fields[0]![3]).toBe('1'); // marker on the first packet
    for (let i = 1; i < fields.length; i++) expect((Number(fields[i]![1]) - Number(fields[i - 1]![1]) + 65536) % 65536).toBe(1);
    const gaps = fields.slice(1).map((f, i) => (Number(f[0]) - Number(fields[i]![0])) * 1000).sort((a, b) => a - b);
    expect(gaps[Math.floor(gaps.length / 2)]!).toBeGreaterThan(18);
    expect(gaps[Math.floor(gaps.length / 2)]!).toBeLessThan(22);
  }, 30_000);
});

describe('configuration', () => {
  it.each([
    [{}, 'WORKER_URL is not set'],
    [{ WORKER_URL: 'http://x', MEDIA_SHARED_SECRET: 'short', SIP_TRUNK_URI: 'sip:1.2.3.4' }, 'MEDIA_SHARED_SECRET (value not shown)'],
    [{ WORKER_URL: 'http://x', MEDIA_SHARED_SECRET: TEST_SECRET, SIP_TRUNK_URI: 'http://nope' }, 'SIP_TRUNK_URI ("http://nope")'],
    [{ WORKER_URL: 'http://x', MEDIA_SHARED_SECRET: TEST_SECRET, SIP_TRUNK_URI: 'sip:1.2.3.4', RTP_PORT_MIN: '30000', RTP_PORT_MAX: '20000' }, 'RTP_PORT_MIN'],
  ])('names the bad variable: %o', (env, message) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(ConfigError);
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(message);
  });
  it('never shows a secret’s value, whichever secret is wrong', () => {
    for (const env of [
      { WORKER_URL: 'http://x', MEDIA_SHARED_SECRET: 'short', SIP_TRUNK_URI: 'sip:1.2.3.4' },
      { WORKER_URL: 'http://x', MEDIA_SHARED_SECRET: TEST_SECRET, SIP_TRUNK_URI: 'sip:1.2.3.4', SIP_TRUNK_PASSWORD: 'hunter2-trunk' },
    ]) {
      let message = '';
      try {
        loadConfig(env as NodeJS.ProcessEnv);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/^invalid configuration: /);
      expect(message).not.toContain('short');
      expect(message).not.toContain('hunter2');
    }
  });
  it('parses the trunk URI', () => {
    expect(loadConfig({ WORKER_URL: 'http://x', MEDIA_SHARED_SECRET: TEST_SECRET, SIP_TRUNK_URI: 'sip:127.0.0.1:5080;transport=udp' }).trunk).toEqual({ host: '127.0.0.1', port: 5080, domain: '127.0.0.1' });
  });
});
