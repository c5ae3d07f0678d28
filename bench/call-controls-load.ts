/**
 * Per-call controls under load (issue 5): N concurrent calls (default 200)
 * through a SIPp callee that talks back, each playing a 30 s prompt, each
 * RECORDING and STREAMING to a local wss server at once; beside it, in the same
 * run, the baseline: the same N calls with neither (and, with --modes, either
 * one alone, to tell their costs apart).
 *
 * Each measured run is its own child process (this file with --run=<mode>), so
 * its CPU and RSS are the media node's alone (plus the small Worker stand-in
 * that drives it) and never inherit memory from an earlier run. The wss server
 * is a third process (bench/support/stream-sink.ts) echoing every frame back,
 * with a certificate made for the run and trusted through STREAM_EXTRA_CA_FILE.
 *
 * Reported over a steady window of --hold seconds (default 20):
 *   node CPU and RSS; the RTP send path (interval p50/p99/max, frames > 5 ms
 *   late, frames sent vs due); the stream ticks on the node (> 5 ms late); at
 *   the server, media frames received vs due, frames missing (chunk gaps: the
 *   bounded sender dropped them) and frames > 5 ms late end to end; the wss
 *   server's CPU; the machine's load average (it is shared); and after
 *   hang-up, recordings uploaded.
 *   npm run bench:controls -- --n=200 --hold=20 --rounds=2 --modes=baseline,record,stream,both
 * --profile=<dir> writes a V8 CPU profile of each run's process there.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { loadConfig } from '../media-node/src/config/env.ts';
import { startMediaNode, type MediaNode } from '../media-node/src/media-node.ts';
import { Logger } from '../media-node/src/log/logger.ts';
import type { MediaCommand } from '../worker/src/media-protocol/index.ts';
import { startSipp } from '../test/sipp/sipp-process.ts';
import { startFakeWorker, TEST_SECRET, type FakeWorker } from '../test/node/media-node/fake-worker.ts';
import { generateTestPki } from '../test/stream/test-pki.ts';
import { table } from './support/bench-stack.ts';
import type { SinkReport } from './support/stream-sink.ts';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const N = Number(arg('n', '200'));
const HOLD_S = Number(arg('hold', '20'));
const ECHO = arg('echo', '1') !== '0';
/** Runs alternate this many times: on a shared machine the load of others moves between runs. */
const ROUNDS = Number(arg('rounds', '1'));
type Mode = 'baseline' | 'record' | 'stream' | 'both';
const MODES = arg('modes', 'baseline,both').split(',') as Mode[];
const MODE_NAMES: Record<Mode, string> = { baseline: 'baseline: calls only', record: 'recording only', stream: 'streaming only', both: 'recording + streaming' };
const CARRIER_PORT = 17380;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const note = (msg: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${msg}\n`);

function procCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Talks to a forked helper over IPC: one request, the next message is its answer. */
function ask<T>(child: ChildProcess, message: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`child exited ${code} before answering`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as T);
    });
    child.send(message as object);
  });
}

// ── One measured run (a child process) ───────────────────────────────────

/** Commands in batches of 100; a batch that meets a closing keep-alive socket is sent again (commands are idempotent by id). */
async function sendInBatches(worker: FakeWorker, node: MediaNode, commands: MediaCommand[]): Promise<number> {
  let refused = 0;
  for (let i = 0; i < commands.length; i += 100) {
    const batch = commands.slice(i, i + 100);
    const { results } = await worker.send(node.controlUrl, batch).catch(() => worker.send(node.controlUrl, batch));
    refused += results.filter((r) => !r.ok).length;
  }
  return refused;
}

async function measureRun(mode: Mode, caFile: string, sinkUrl: string, sinkReport: () => Promise<SinkReport | null>) {
  const record = mode === 'record' || mode === 'both';
  const stream = mode === 'stream' || mode === 'both';
  const prompt = Int16Array.from({ length: 30 * 8000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
  const worker = await startFakeWorker();
  const carrier = await startSipp({ port: CARRIER_PORT, mediaPort: CARRIER_PORT + 1000 });
  const node = await startMediaNode(
    loadConfig({
      NODE_ID: 'bench-controls', CONTROL_PORT: '0', WORKER_URL: worker.url, MEDIA_SHARED_SECRET: TEST_SECRET,
      SIP_BIND_PORT: String(CARRIER_PORT + 10), SIP_TRUNK_URI: `sip:127.0.0.1:${CARRIER_PORT}`,
      RTP_PORT_MIN: '35000', RTP_PORT_MAX: String(35000 + N * 2 + 100), CALL_CAPACITY: String(N + 10), LOG_LEVEL: 'error',
      ALLOW_PRIVATE_AUDIO_URLS: 'true', STREAM_EXTRA_CA_FILE: caFile,
      // The node's own variables pass through, to compare RTP I/O and helper-thread priority.
      RTP_IO: process.env.RTP_IO ?? 'auto', BACKGROUND_THREAD_NICE: process.env.BACKGROUND_THREAD_NICE ?? '5',
    }),
    { renderer: { render: async () => ({ pcm: prompt, durationMs: 30_000 }) }, log: new Logger({}, 'error') },
  );
  try {
    const owner = { kind: 'broadcast' as const, id: 'bench' };
    const ids = Array.from({ length: N }, () => randomUUID());
    await sendInBatches(worker, node, ids.map((voice_id) => ({
      type: 'originate', command_id: voice_id, voice_id, owner, from: '12012774877', to: '971501234500',
      play: { type: 'tts', text: 'x', voice: 'Female', language: 'en-US', prompt_ref: 'p' }, amd: false, ring_timeout_s: 60, max_duration_s: 600,
    }) as MediaCommand));
    const settled = () => worker.events.filter((e) => e.type === 'connected' || e.type === 'disconnected').length;
    await worker.waitFor(() => settled() >= N, 120_000, `${N} calls answered`);
    const failedSetups = worker.events.filter((e) => e.type === 'disconnected').length;
    note(`${MODE_NAMES[mode]}: ${N - failedSetups} calls up`);

    let refusedControls = 0;
    if (record) refusedControls += await sendInBatches(worker, node, ids.map((voice_id) => ({ type: 'recording', command_id: `${voice_id}:rec`, voice_id, action: 'start', recording_id: randomUUID() }) as MediaCommand));
    if (stream) {
      refusedControls += await sendInBatches(worker, node, ids.map((voice_id) => ({
        type: 'stream', command_id: `${voice_id}:stream`, voice_id, action: 'start', stream_id: randomUUID(), wss_host: sinkUrl, account_id: 'bench', custom_parameters: { bench: true },
      }) as MediaCommand));
      const deadline = Date.now() + 60_000;
      while (node.streamStats.live + node.streamStats.failed < N - refusedControls && Date.now() < deadline) await sleep(100);
      note(`${node.streamStats.live} streams open, ${node.streamStats.failed} failed`);
    }
    await sleep(2000); // let set-up bursts settle before the window

    node.scheduler.stats.reset();
    node.streamStats.ticks.reset();
    const dropped0 = node.streamStats.framesDropped;
    const sink0 = stream ? await sinkReport() : null;
    const cpu0 = process.cpuUsage();
    const load0 = loadavg()[0]!;
    const w0 = performance.now();
    await sleep(HOLD_S * 1000);
    const wall = (performance.now() - w0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const machineLoad = (load0 + loadavg()[0]!) / 2;
    const sink1 = stream ? await sinkReport() : null;
    const rss = process.memoryUsage().rss / 1024 / 1024;
    const liveCalls = node.legs.size;
    const liveStreams = node.streamStats.live;
    const result = {
      mode,
      failedSetups,
      refusedControls,
      liveCalls,
      liveStreams,
      machineLoad,
      cpu: (cpu.user + cpu.system) / 1e6 / wall,
      rss,
      wall,
      send: node.scheduler.stats.summary(),
      ticks: node.streamStats.ticks.summary(),
      streamDropped: node.streamStats.framesDropped - dropped0,
      sink: sink0 && sink1 ? { media: sink1.media - sink0.media, missingChunks: sink1.missingChunks - sink0.missingChunks, late: sink1.late - sink0.late, seqGaps: sink1.seqGaps - sink0.seqGaps, badTimestamps: sink1.badTimestamps - sink0.badTimestamps } : null,
      streamFailures: node.streamStats.failed,
      recordings: 0,
    };
    await sendInBatches(worker, node, ids.map((voice_id) => ({ type: 'hangup', command_id: `${voice_id}:h`, voice_id, cause: 16 }) as MediaCommand));
    await worker.waitFor(() => worker.events.filter((e) => e.type === 'disconnected').length >= N, 60_000, 'all calls ended');
    const uploadDeadline = Date.now() + 60_000;
    while (record && worker.recordings.size < N - failedSetups && Date.now() < uploadDeadline) await sleep(100);
    result.recordings = worker.recordings.size;
    note(`${MODE_NAMES[mode]}: calls ended, ${worker.recordings.size} recordings uploaded`);
    return result;
  } finally {
    await node.shutdown();
    await carrier.stop();
    await worker.close();
  }
}
type RunResult = Awaited<ReturnType<typeof measureRun>>;

if (arg('run', '') !== '') {
  // Child: one run; the sink's counters are asked of the parent, which owns the sink.
  const mode = arg('run', '') as Mode;
  const sinkReport = async () => (await ask<{ report: SinkReport | null }>(process as unknown as ChildProcess, { sink: 'report' })).report;
  const result = await measureRun(mode, process.env.BENCH_CA_FILE!, process.env.BENCH_SINK_URL!, sinkReport);
  process.send!({ result });
  process.exit(0);
}

// ── The orchestrator ─────────────────────────────────────────────────────

const pki = generateTestPki();
const sink = fork(new URL('./support/stream-sink.ts', import.meta.url).pathname, [], {
  execArgv: ['--import', 'tsx'],
  env: { ...process.env, STREAM_SINK_CERT: join(pki.dir, 'server.pem'), STREAM_SINK_KEY: join(pki.dir, 'server.key'), STREAM_SINK_ECHO: ECHO ? '1' : '0' },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const sinkUrl = await new Promise<string>((resolve, reject) => {
  sink.once('message', (m: { url: string }) => resolve(m.url));
  sink.once('exit', (code) => reject(new Error(`stream sink exited ${code}`)));
});
let sinkCpuAtWindowStart = 0;

async function runInChild(mode: Mode): Promise<RunResult & { sinkCpu: number }> {
  const profileDir = arg('profile', '');
  const child = fork(new URL(import.meta.url).pathname, [`--run=${mode}`, `--n=${N}`, `--hold=${HOLD_S}`], {
    execArgv: ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
    env: { ...process.env, BENCH_CA_FILE: pki.caFile, BENCH_SINK_URL: sinkUrl },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let sinkCpu = 0;
  let reports = 0;
  const result = await new Promise<RunResult>((resolve, reject) => {
    child.on('message', async (m: { sink?: 'report'; result?: RunResult }) => {
      if (m.result) return resolve(m.result);
      // The child asks for the sink's counters at the window's start and end: the sink's CPU is taken in between.
      const report = await ask<{ report: SinkReport }>(sink, { cmd: 'report' });
      const cpuNow = procCpuSeconds(sink.pid!);
      if (reports++ === 0) sinkCpuAtWindowStart = cpuNow;
      else sinkCpu = cpuNow - sinkCpuAtWindowStart;
      child.send({ report: report.report });
    });
    child.once('exit', (code) => reject(new Error(`run ${mode} exited ${code}`)));
  });
  await new Promise((r) => child.once('exit', r));
  return { ...result, sinkCpu: result.sink ? sinkCpu / result.wall : 0 };
}

const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(2)} %` : '—');
const results: Array<{ name: string; r: Awaited<ReturnType<typeof runInChild>> }> = [];
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const mode of MODES) results.push({ name: `${MODE_NAMES[mode]}${ROUNDS > 1 ? ` #${round}` : ''}`, r: await runInChild(mode) });
  }
} finally {
  await ask(sink, { cmd: 'exit' }).catch(() => undefined);
}

const rows = results.map(({ name, r }) => ({
  run: name,
  'load avg': r.machineLoad.toFixed(1),
  'calls': r.liveCalls,
  'streams': r.liveStreams,
  'node CPU (cores)': r.cpu.toFixed(2),
  'node RSS MB': r.rss.toFixed(0),
  'send p50/p99/max ms': `${r.send.p50_ms.toFixed(1)}/${r.send.p99_ms.toFixed(1)}/${r.send.max_ms.toFixed(1)}`,
  'send >5 ms late': pct(r.send.late_over_5ms, r.send.frames),
  'send frames/due': `${r.send.frames}/${Math.round(r.wall * 50 * r.liveCalls)}`,
  'stream tick >5 ms late': r.liveStreams ? pct(r.ticks.late_over_5ms, r.ticks.frames) : '—',
  'stream frames at server/due': r.sink ? `${r.sink.media}/${Math.round(r.wall * 50 * r.liveStreams)}` : '—',
  'missing (dropped)': r.sink ? `${r.sink.missingChunks} (${r.streamDropped})` : '—',
  'stream >5 ms late at server': r.sink ? pct(r.sink.late, r.sink.media) : '—',
  'wss server CPU': r.sink ? r.sinkCpu.toFixed(2) : '—',
}));
console.log(`\nPer-call controls under load: ${N} calls, ${HOLD_S} s window, 30 s prompt playing, SIPp callee talking back; stream server ${ECHO ? 'echoing every frame' : 'listening only'}; load avg = the machine's 1-min load average during the window (2 cores, shared)\n`);
console.log(table(rows));
for (const { name, r } of results) {
  console.log(
    `${name}: set-up failures ${r.failedSetups}, controls refused ${r.refusedControls}, stream failures ${r.streamFailures}, recordings uploaded ${r.recordings}` +
      (r.sink ? `, seq gaps ${r.sink.seqGaps}, bad timestamps ${r.sink.badTimestamps}` : ''),
  );
}
process.exit(0);
