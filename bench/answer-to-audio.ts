/**
 * Answer to audio: how long after the 200 OK a call's first RTP packet leaves,
 * for a prompt rendered (cached) before the answer. The target is under
 * 20 ms; tests only check the order (audio after the answer), this measures it.
 *
 * K calls one after another (--calls=50, --concurrent=1 by default; raise it to
 * see the figure under load) through a SIPp carrier, each answered at once by a
 * person who listens. Per call: the node's performance clock at the 200 OK and at
 * its first packet. Baseline in the same run: the event loop's own delay
 * (monitorEventLoopDelay, 1 ms resolution) while the calls were placed, i.e. how
 * late any timer in this process was at that moment; and the frame scheduler's
 * slot (2 ms), the earliest a first frame can go.
 *
 *   npm run bench:answer -- --calls=100 --concurrent=10
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../media-node/src/config/env.ts';
import { startMediaNode } from '../media-node/src/media-node.ts';
import { Logger } from '../media-node/src/log/logger.ts';
import { startSipp } from '../test/sipp/sipp-process.ts';
import { startFakeWorker, TEST_SECRET } from '../test/node/media-node/fake-worker.ts';
import { table } from './support/bench-stack.ts';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const calls = Number(arg('calls', '50'));
const concurrent = Number(arg('concurrent', '1'));
const CARRIER_PORT = 17580;

const worker = await startFakeWorker();
const sipp = await startSipp({ port: CARRIER_PORT, mediaPort: CARRIER_PORT + 1000 });
const node = await startMediaNode(
  loadConfig({
    NODE_ID: 'bench-answer',
    CONTROL_PORT: '0',
    WORKER_URL: worker.url,
    MEDIA_SHARED_SECRET: TEST_SECRET,
    SIP_BIND_PORT: String(CARRIER_PORT - 18),
    SIP_TRUNK_URI: `sip:127.0.0.1:${CARRIER_PORT};transport=udp`,
    RTP_PORT_MIN: '36000',
    RTP_PORT_MAX: '37999',
    AUDIO_CACHE_DIR: mkdtempSync(join(tmpdir(), 'crier-bench-answer-')),
    CALL_CAPACITY: String(Math.max(concurrent, 1) * 2),
    LOG_LEVEL: 'error',
  }),
  { log: new Logger({}, 'error') },
);
const play = { type: 'tts' as const, text: 'Hello, this is a reminder from your clinic.', voice: 'Female' as const, language: 'en-US', prompt_ref: 'bench' };
const owner = { kind: 'broadcast' as const, id: 'bench' };

async function oneCall(): Promise<number> {
  const voice_id = randomUUID();
  await worker.send(node.controlUrl, [{ type: 'originate', command_id: voice_id, voice_id, owner, from: '12012774877', to: '971501234560', play, amd: false, ring_timeout_s: 30, max_duration_s: 60 }]);
  await worker.waitFor((evs) => evs.some((e) => e.voice_id === voice_id && e.type === 'playstate'), 30_000, 'playback');
  const leg = node.legs.get(voice_id)!;
  const ms = leg.rtp!.counters.firstPacketAt! - leg.answeredAtPerf!;
  await worker.send(node.controlUrl, [{ type: 'hangup', command_id: `${voice_id}:h`, voice_id, cause: 16 }]);
  await worker.waitFor((evs) => evs.some((e) => e.voice_id === voice_id && e.type === 'disconnected'), 10_000, 'disconnected');
  return ms;
}

try {
  await oneCall(); // renders the prompt once: every measured call has it cached
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const samples: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrent }, async () => {
      while (next < calls) {
        next++;
        samples.push(await oneCall());
      }
    }),
  );
  loop.disable();
  samples.sort((a, b) => a - b);
  // The histogram holds whole timer intervals: minus the 1 ms resolution, how late the timer was.
  const lateMs = (ns: number) => Math.max(0, ns / 1e6 - 1).toFixed(2);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!;
  console.log(`answer → first RTP packet, ${samples.length} calls, ${concurrent} at a time (cached prompt)`);
  console.log(
    table([
      { measure: '200 OK → first packet (node)', p50: q(50).toFixed(2), p99: q(99).toFixed(2), max: samples.at(-1)!.toFixed(2), 'over 20 ms': samples.filter((s) => s > 20).length },
      { measure: 'baseline: event-loop delay', p50: lateMs(loop.percentile(50)), p99: lateMs(loop.percentile(99)), max: lateMs(loop.max), 'over 20 ms': '—' },
      { measure: 'baseline: scheduler slot', p50: '2.00', p99: '2.00', max: '2.00', 'over 20 ms': '—' },
    ]),
  );
} finally {
  await node.shutdown();
  await sipp.stop();
  await worker.close();
}
process.exit(0);
