/**
 * Media node load: N concurrent calls through a SIPp callee that streams audio
 * back for the whole call, each call playing a 30 s prompt, for N = 100, 500,
 * 1000, 2000 (or --n=...). Reports the node's CPU and memory while every call
 * is up, the call set-up rate reached, and the distribution of RTP send
 * intervals (p50/p99/max, frames later than 5 ms, frames skipped), both
 * during the set-up ramp and in the steady state. Beside it, in the same run:
 * SIPp itself placing the same N calls and streaming the same audio (the C
 * baseline), so the figures read as a ratio.
 *
 * How it keeps the figures about the node (docs/benchmarks.md explains):
 *  - the node (this process, all its threads) is pinned to core 0 and every
 *    SIPp to core 1, so "one core" is literal and the callee's 50-odd RTP
 *    threads do not take the node's core (--no-pin shares the cores instead);
 *  - before the steady window it waits (up to --quiet-wait s) until other
 *    people's processes use under --max-other cores, then reports what they
 *    did use during the window and how long the node's main thread waited for
 *    its core: a late frame caused by someone else's test shows up there.
 *   npm run bench:media -- --n=100,500 --hold=20
 *   npm run bench:media -- --n=1000 --rtp-io=dgram --thread-nice=0   (before the udp-io addon and thread priorities)
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { loadConfig } from '../media-node/src/config/env.ts';
import { startMediaNode, type MediaNode } from '../media-node/src/media-node.ts';
import { rtpIoInUse } from '../media-node/src/rtp/udp/rtp-socket.ts';
import { Logger } from '../media-node/src/log/logger.ts';
import { startSipp } from '../test/sipp/sipp-process.ts';
import { ensureCarrierAudio } from '../test/sipp/audio-fixtures.ts';
import { startFakeWorker, TEST_SECRET, type FakeWorker } from '../test/node/media-node/fake-worker.ts';
import { table } from './support/bench-stack.ts';
import { canPin, cpuSeconds, pinToCore, rssMb, startLoadSample, waitForQuietMachine } from './support/machine-load.ts';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const sizes = arg('n', '100,500,1000,2000').split(',').map(Number);
const holdS = Number(arg('hold', '30'));
const pin = canPin && !process.argv.includes('--no-pin');
const quietWaitS = Number(arg('quiet-wait', '120'));
const maxOther = Number(arg('max-other', '0.25'));
/** The node's RTP sockets (auto/native/dgram) and its helper threads' nice value (0: left alone), to compare the two. */
const rtpIo = arg('rtp-io', 'auto');
const threadNice = arg('thread-nice', '5');
const NODE_CORE = 0;
const SIPP_CORE = 1;

if (pin) pinToCore(process.pid, NODE_CORE);

const PROMPT = Int16Array.from({ length: 30 * 8000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
const renderer = { render: async () => ({ pcm: PROMPT, durationMs: 30_000 }) };

/** The carrier scenario, but the answering person's audio loops for as long as the call lasts. */
function benchCalleeScenario(): string {
  const path = join(ensureCarrierAudio(), 'carrier-bench-callee.xml');
  const carrier = readFileSync(new URL('../test/sipp/carrier.xml', import.meta.url), 'utf8');
  writeFileSync(path, carrier.replaceAll('rtp_stream="human.ulaw,1,0"', 'rtp_stream="human.ulaw,-1,0"'));
  return path;
}

async function startCallee(port: number) {
  const callee = await startSipp({ port, mediaPort: port + 1000, scenario: benchCalleeScenario() });
  if (pin) pinToCore(callee.child.pid!, SIPP_CORE);
  return callee;
}

const received = (node: MediaNode) => {
  let sum = 0;
  for (const leg of node.legs.values()) sum += leg.rtp?.counters.received ?? 0;
  return sum;
};

async function crierRun(n: number, carrierPort: number) {
  const worker = await startFakeWorker();
  const callee = await startCallee(carrierPort);
  try {
    const node = await startMediaNode(
      loadConfig({
        NODE_ID: 'bench', CONTROL_PORT: '0', WORKER_URL: worker.url, MEDIA_SHARED_SECRET: TEST_SECRET,
        SIP_BIND_PORT: String(carrierPort + 10), SIP_TRUNK_URI: `sip:127.0.0.1:${carrierPort}`,
        RTP_PORT_MIN: '30000', RTP_PORT_MAX: String(30000 + n * 2 + 100), CALL_CAPACITY: String(n + 10), LOG_LEVEL: 'error',
        RTP_IO: rtpIo, BACKGROUND_THREAD_NICE: threadNice,
      }),
      { renderer, log: new Logger({}, 'error') },
    );
    try {
      return await measure(n, worker, node, callee.child.pid!);
    } finally {
      await node.shutdown();
    }
  } finally {
    await callee.stop();
    await worker.close();
  }
}

async function measure(n: number, worker: FakeWorker, node: MediaNode, calleePid: number) {
  // Set-up ramp: every originate at once, as a campaign start would send them.
  const owner = { kind: 'broadcast' as const, id: 'bench' };
  const ids = Array.from({ length: n }, () => randomUUID());
  node.scheduler.stats.reset();
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
  const ramp = node.scheduler.stats.summary();

  // Steady state: every call up, prompts playing, the callee streaming back.
  if (quietWaitS > 0) await waitForQuietMachine([process.pid, calleePid], maxOther, quietWaitS);
  node.scheduler.stats.reset();
  const gc = { count: 0, totalMs: 0, maxMs: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      gc.totalMs += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const received0 = received(node);
  const sample = startLoadSample([process.pid, calleePid]);
  await new Promise((r) => setTimeout(r, holdS * 1000));
  const load = sample();
  loopDelay.disable();
  gcObserver.disconnect();
  return {
    setupRate: (n - failed) / setupS,
    failed,
    live: node.legs.size,
    cpu: load.byPid.get(process.pid)!,
    calleeCpu: load.byPid.get(calleePid)!,
    otherCores: load.otherCores,
    runDelayMsPerS: load.runDelayMsPerS,
    mem: process.memoryUsage().rss / 1024 / 1024,
    stats: node.scheduler.stats.summary(),
    ramp,
    rtpInPerS: (received(node) - received0) / load.wallS,
    gc,
    gcMsPerS: gc.totalMs / load.wallS,
    loopDelayP99: loopDelay.percentile(99) / 1e6,
    loopDelayMax: loopDelay.max / 1e6,
  };
}

async function sippRun(n: number, port: number) {
  const dir = ensureCarrierAudio();
  writeFileSync(join(dir, 'bench.ulaw'), Buffer.alloc(30 * 8000, 0xff));
  const scenario = join(dir, 'uac-stream-run.xml');
  writeFileSync(scenario, readFileSync(new URL('../test/sipp/uac-stream.xml', import.meta.url), 'utf8').replace('__HOLD_MS__', String((holdS + 10) * 1000)));
  const callee = await startCallee(port);
  const uac = spawn('sipp', ['127.0.0.1:' + port, '-sf', scenario, '-i', '127.0.0.1', '-p', String(port + 10), '-mi', '127.0.0.1', '-mp', String(port + 3000), '-m', String(n), '-l', String(n), '-r', '200', '-nostdin'], { cwd: dir, detached: true, stdio: 'ignore' });
  try {
    if (pin) pinToCore(uac.pid!, NODE_CORE);
    await new Promise((r) => setTimeout(r, (n / 200) * 1000 + 3000));
    const c0 = cpuSeconds(uac.pid!);
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, holdS * 1000));
    const wall = (performance.now() - w0) / 1000;
    return { cpu: (cpuSeconds(uac.pid!) - c0) / wall, mem: rssMb(uac.pid!) };
  } finally {
    try {
      process.kill(-uac.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await callee.stop();
  }
}

const pct = (part: number, whole: number) => (whole === 0 ? '0' : ((100 * part) / whole).toFixed(part > 0 && part / whole < 0.001 ? 3 : 2));
const rows: Array<Record<string, string | number>> = [];
const conditions: Array<Record<string, string | number>> = [];
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
    'late >5ms %': pct(crier.stats.late_over_5ms, crier.stats.frames),
    'lateness p99 ms': crier.stats.lateness_p99_ms.toFixed(1),
    'skipped %': pct(crier.stats.skipped, crier.stats.frames + crier.stats.skipped),
    'SIPp UAC CPU (cores)': sipp.cpu.toFixed(2),
    'SIPp UAC RSS MB': sipp.mem.toFixed(0),
  });
  conditions.push({
    calls: n,
    'ramp send p99 ms': crier.ramp.p99_ms.toFixed(1),
    'ramp late >5ms %': pct(crier.ramp.late_over_5ms, crier.ramp.frames),
    'ramp skipped': crier.ramp.skipped,
    'RTP in pkt/s': crier.rtpInPerS.toFixed(0),
    'callee SIPp CPU': crier.calleeCpu.toFixed(2),
    'other procs CPU': crier.otherCores.toFixed(2),
    'node run-queue wait ms/s': crier.runDelayMsPerS.toFixed(1),
    'GC ms/s': crier.gcMsPerS.toFixed(1),
    'GC max ms': crier.gc.maxMs.toFixed(1),
    'loop delay p99/max ms': `${crier.loopDelayP99.toFixed(0)}/${crier.loopDelayMax.toFixed(0)}`,
  });
  console.log(table(rows.slice(-1)));
  console.log(table(conditions.slice(-1)));
}
console.log(`\nMedia node under load (${holdS} s steady window, 30 s prompt per call; RTP I/O ${rtpIoInUse()}, helper threads nice ${threadNice}; ${pin ? `node pinned to core ${NODE_CORE}, SIPp to core ${SIPP_CORE}` : 'not pinned'}; baseline: SIPp placing the same calls and streaming the same audio)\n`);
console.log(table(rows));
console.log('\nConditions: set-up ramp, what reached the node, and what else used the machine during the steady window\n');
console.log(table(conditions));
process.exit(0);
