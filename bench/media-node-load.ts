/**
 * Media node load: N concurrent calls through a SIPp callee, each playing a
 * 30 s prompt, for N = 100, 500, 1000, 2000 (or --n=...). Reports the node's
 * CPU and memory while every call is up, the call set-up rate reached, and the
 * distribution of RTP send intervals (p50/p99/max, frames later than 5 ms).
 * Beside it, in the same run: SIPp itself placing the same N calls and
 * streaming the same audio (the C baseline), so the figures read as a ratio.
 *   npm run bench:media -- --n=100,500 --hold=20
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../media-node/src/config/env.ts';
import { startMediaNode } from '../media-node/src/media-node.ts';
import { Logger } from '../media-node/src/log/logger.ts';
import { startSipp } from '../test/sipp/sipp-process.ts';
import { ensureCarrierAudio } from '../test/sipp/audio-fixtures.ts';
import { startFakeWorker, TEST_SECRET } from '../test/node/media-node/fake-worker.ts';
import { table } from './support/bench-stack.ts';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const sizes = arg('n', '100,500,1000,2000').split(',').map(Number);
const holdS = Number(arg('hold', '30'));
const TICKS = 100; // /proc clock ticks per second

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}
function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

const PROMPT = Int16Array.from({ length: 30 * 8000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
const renderer = { render: async () => ({ pcm: PROMPT, durationMs: 30_000 }) };

async function crierRun(n: number, carrierPort: number) {
  const worker = await startFakeWorker();
  const carrier = await startSipp({ port: carrierPort, mediaPort: carrierPort + 1000 });
  const node = await startMediaNode(
    loadConfig({
      NODE_ID: 'bench', CONTROL_PORT: '0', WORKER_URL: worker.url, MEDIA_SHARED_SECRET: TEST_SECRET,
      SIP_BIND_PORT: String(carrierPort + 10), SIP_TRUNK_URI: `sip:127.0.0.1:${carrierPort}`,
      RTP_PORT_MIN: '30000', RTP_PORT_MAX: String(30000 + n * 2 + 100), CALL_CAPACITY: String(n + 10), LOG_LEVEL: 'error',
    }),
    { renderer, log: new Logger({}, 'error') },
  );
  try {
    return await measure(n, worker, node, carrier);
  } finally {
    await node.shutdown();
    await carrier.stop();
    await worker.close();
  }
}

async function measure(n: number, worker: Awaited<ReturnType<typeof startFakeWorker>>, node: Awaited<ReturnType<typeof startMediaNode>>, carrier: Awaited<ReturnType<typeof startSipp>>) {
  const owner = { kind: 'broadcast' as const, id: 'bench' };
  const ids = Array.from({ length: n }, () => randomUUID());
  const t0 = performance.now();
  for (let i = 0; i < n; i += 100) {
    await worker.send(node.controlUrl, ids.slice(i, i + 100).map((voice_id) => ({
      type: 'originate', command_id: voice_id, voice_id, owner, from: '12012774877', to: '971501234500',
      play: { type: 'tts', text: 'x', voice: 'Female', language: 'en-US', prompt_ref: 'p' }, amd: false, ring_timeout_s: 60, max_duration_s: 600,
    })));
  }
  const settled = (evs: typeof worker.events) => evs.filter((e) => e.type === 'connected' || e.type === 'disconnected').length;
  await worker.waitFor((evs) => settled(evs) >= n, 120_000, `${n} calls answered or failed`);
  const setupS = (performance.now() - t0) / 1000;
  const failed = worker.events.filter((e) => e.type === 'disconnected').length;
  node.scheduler.stats.reset();
  const cpu0 = process.cpuUsage();
  const c0 = cpuSeconds(carrier.child.pid!);
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, holdS * 1000));
  const wall = (performance.now() - w0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const carrierCpu = (cpuSeconds(carrier.child.pid!) - c0) / wall;
  const stats = node.scheduler.stats.summary();
  const mem = process.memoryUsage().rss / 1024 / 1024;
  const live = node.legs.size;
  return { setupRate: (n - failed) / setupS, failed, cpu: (cpu.user + cpu.system) / 1e6 / wall, mem, stats, live, carrierCpu };
}

async function sippRun(n: number, port: number) {
  const dir = ensureCarrierAudio();
  execFileSync('sh', ['-c', `head -c ${30 * 8000} /dev/zero | tr '\\0' '\\377' > ${join(dir, 'bench.ulaw')}`]);
  const scenario = join(dir, 'uac-stream-run.xml');
  writeFileSync(scenario, readFileSync(new URL('../test/sipp/uac-stream.xml', import.meta.url), 'utf8').replace('__HOLD_MS__', String((holdS + 10) * 1000)));
  const callee = await startSipp({ port, mediaPort: port + 1000 });
  const uac = spawn('sipp', ['127.0.0.1:' + port, '-sf', scenario, '-i', '127.0.0.1', '-p', String(port + 10), '-mi', '127.0.0.1', '-mp', String(port + 3000), '-m', String(n), '-l', String(n), '-r', '200', '-nostdin'], { cwd: dir, detached: true, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, (n / 200) * 1000 + 3000));
  const c0 = cpuSeconds(uac.pid!);
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, Math.min(holdS, 20) * 1000));
  const wall = (performance.now() - w0) / 1000;
  const cpu = (cpuSeconds(uac.pid!) - c0) / wall;
  const mem = rssMb(uac.pid!);
  try {
    process.kill(-uac.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
  await callee.stop();
  return { cpu, mem };
}

const rows: Array<Record<string, string | number>> = [];
for (const n of sizes) {
  const crier = await crierRun(n, 17080);
  const sipp = await sippRun(n, 18080);
  rows.push({
    calls: n,
    'live at end': crier.live,
    'failed set-ups': crier.failed,
    'setups/s': crier.setupRate.toFixed(0),
    'node CPU (cores)': crier.cpu.toFixed(2),
    'node RSS MB': crier.mem.toFixed(0),
    'send p50 ms': crier.stats.p50_ms.toFixed(1),
    'send p99 ms': crier.stats.p99_ms.toFixed(1),
    'send max ms': crier.stats.max_ms.toFixed(1),
    'frames >5ms late': `${crier.stats.late_over_5ms}/${crier.stats.frames}`,
    'SIPp UAC CPU (cores)': sipp.cpu.toFixed(2),
    'SIPp UAC RSS MB': sipp.mem.toFixed(0),
    'callee SIPp CPU': crier.carrierCpu.toFixed(2),
  });
  console.log(table(rows.slice(-1)));
}
console.log(`\nMedia node under load (${holdS} s of 30 s prompts per call; baseline: SIPp placing the same calls and streaming the same audio)\n`);
console.log(table(rows));
process.exit(0);
