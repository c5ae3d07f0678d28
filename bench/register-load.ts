/**
 * REGISTER with digest: registrations per second the media node's registrar
 * sustains, beside Kamailio (a minimal registrar with digest against an
 * htable, bench/support/kamailio-registrar.cfg) measured the same way in the
 * same run. Each registration is two transactions: REGISTER → 401, REGISTER
 * with Authorization (MD5, qop=auth) → 200 (SIPp answers MD5 only, so the node
 * offers MD5 here).
 *
 * SIPp (on core 1) runs `--registrations` of them from `--users` users, at
 * most `--outstanding` at a time, as fast as answers come; the registrar under
 * test gets core 0 (this process is pinned there with taskset -a; so is
 * Kamailio, with one UDP worker). The node's credential lookups and its
 * registration reports go over HTTP to the fake Worker, a process on core 1
 * (the Worker is not on the node's machine); lookups happen once per user per
 * 30 s (the cache): the first pass over the users pays them, as a real node
 * would after a restart. Kamailio reads passwords from memory (htable) and
 * reports to nobody.
 *
 *   npm run bench:register -- --registrations=20000 --users=1000 --outstanding=100 --rounds=2
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../media-node/src/config/env.ts';
import { startMediaNode } from '../media-node/src/media-node.ts';
import { Logger } from '../media-node/src/log/logger.ts';
import { createInterface } from 'node:readline';
import { TEST_SECRET } from '../test/node/media-node/fake-worker.ts';
import { table } from './support/bench-stack.ts';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const registrations = Number(arg('registrations', '20000'));
const users = Number(arg('users', '1000'));
const outstanding = Number(arg('outstanding', '100'));
const rounds = Number(arg('rounds', '2'));
const NODE_PORT = 17962;
const KAMAILIO_PORT = 17963;
const SIPP_PORT = 17964;
/** Users are `load` in realms t0..tN-1.DOMAIN (bench/sipp/register-digest.xml says why). */
const DOMAIN = 'bench.sip.crier.local';

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
for (const [cmd, pkg] of [['sipp', 'sipp'], ['kamailio', 'kamailio'], ['taskset', 'util-linux']] as const) {
  if (!has(cmd)) {
    console.error(`${cmd} is not installed: apt-get install -y ${pkg}`);
    process.exit(2);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'crier-bench-register-'));
writeFileSync(join(dir, 'users.csv'), ['SEQUENTIAL', ...Array.from({ length: users }, (_, i) => `t${i}.${DOMAIN};`)].join('\n') + '\n');
copyFileSync(new URL('./sipp/register-digest.xml', import.meta.url).pathname, join(dir, 'register-digest.xml'));
writeFileSync(
  join(dir, 'kamailio.cfg'),
  readFileSync(new URL('./support/kamailio-registrar.cfg', import.meta.url).pathname, 'utf8').replaceAll('BENCH_PORT', String(KAMAILIO_PORT)).replaceAll('BENCH_USERS', String(users)),
);

// The registrar under test gets core 0; SIPp core 1.
execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });

// The Worker (credentials, registration reports) runs beside SIPp on core 1: it is not the node's work.
const worker = spawn('taskset', ['-c', '1', process.execPath, '--import', 'tsx', new URL('./support/fake-worker-process.ts', import.meta.url).pathname, DOMAIN, String(users)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const workerLines = createInterface({ input: worker.stdout! });
const workerOut = workerLines[Symbol.asyncIterator]();
const workerUrl = (JSON.parse(((await workerOut.next()).value as string) ?? '{}') as { url: string }).url;
const node = await startMediaNode(
  loadConfig({
    NODE_ID: 'bench-register',
    CONTROL_PORT: '0',
    WORKER_URL: workerUrl,
    MEDIA_SHARED_SECRET: TEST_SECRET,
    SIP_BIND_PORT: String(NODE_PORT),
    SIP_TRUNK_URI: 'sip:127.0.0.1:5999;transport=udp',
    SIP_DOMAIN: 'sip.crier.local',
    REGISTER_DIGEST_ALGORITHMS: 'MD5',
    // SIPp registers thousands of users from one address: the throttle must not count it (no failures expected anyway).
    REGISTER_FAIL_MAX: '1000000',
    RTP_PORT_MIN: '38000',
    RTP_PORT_MAX: '38099',
    LOG_LEVEL: 'error',
  }),
  { log: new Logger({}, 'error') },
);

const kamailio = spawn('taskset', ['-c', '0', 'kamailio', '-f', join(dir, 'kamailio.cfg'), '-DD', '-E', '-m', '128'], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
let kamailioLog = '';
kamailio.stderr?.on('data', (d: Buffer) => (kamailioLog = (kamailioLog + d.toString()).slice(-5000)));
await new Promise((r) => setTimeout(r, 1500));
if (kamailio.exitCode !== null) throw new Error(`kamailio exited: ${kamailioLog}`);

interface Run {
  target: string;
  ok: number;
  failed: number;
  seconds: number;
}

async function load(target: string, port: number): Promise<Run> {
  const args = ['-c', '1', 'sipp', '-sf', 'register-digest.xml', '-inf', 'users.csv', '-i', '127.0.0.1', '-p', String(SIPP_PORT), `127.0.0.1:${port}`];
  args.push('-m', String(registrations), '-l', String(outstanding), '-r', '100000', '-nostdin', '-trace_stat', '-fd', '1', '-stf', `stat-${target}.csv`, '-timeout', '120s', '-timeout_error', '-trace_err', '-error_file', `errors-${target}.log`);
  const started = performance.now();
  const child = spawn('taskset', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise((r) => child.once('exit', r));
  const seconds = (performance.now() - started) / 1000;
  const lines = readFileSync(join(dir, `stat-${target}.csv`), 'utf8').trim().split('\n');
  const head = lines[0]!.split(';');
  const last = lines.at(-1)!.split(';');
  const col = (name: string) => Number(last[head.indexOf(name)]);
  const run = { target, ok: col('SuccessfulCall(C)'), failed: col('FailedCall(C)'), seconds };
  if (run.failed > 0) {
    let first = '';
    try {
      first = readFileSync(join(dir, `errors-${target}.log`), 'utf8').slice(0, 800);
    } catch {
      first = err.slice(-500);
    }
    console.error(`${target}: ${run.failed} failed; first error: ${first}`);
  }
  return run;
}

const runs: Run[] = [];
for (let round = 0; round < rounds; round++) {
  runs.push(await load(`node-${round}`, NODE_PORT));
  runs.push(await load(`kamailio-${round}`, KAMAILIO_PORT));
}

console.log(`\nREGISTER with digest (MD5, qop=auth): ${registrations} registrations (2 transactions each) from ${users} users, ${outstanding} outstanding; registrar on core 0, SIPp on core 1`);
console.log(
  table(
    runs.map((r) => ({
      registrar: r.target.startsWith('node') ? `crier media node (round ${r.target.split('-')[1]})` : `kamailio ${kamailioVersion()} (round ${r.target.split('-')[1]})`,
      registrations_ok: r.ok,
      failed: r.failed,
      seconds: r.seconds.toFixed(2),
      'registrations/s': (r.ok / r.seconds).toFixed(0),
      'transactions/s': ((2 * r.ok) / r.seconds).toFixed(0),
    })),
  ),
);

function kamailioVersion(): string {
  try {
    return /kamailio (\S+)/.exec(execFileSync('kamailio', ['-v'], { encoding: 'utf8' }))?.[1] ?? '';
  } catch {
    return '';
  }
}

try {
  process.kill(-kamailio.pid!, 'SIGTERM');
} catch {
  // gone
}
await node.shutdown();
worker.kill('SIGTERM');
const counts = JSON.parse(((await workerOut.next()).value as string) ?? '{}') as { credential_lookups: number; registrations: number };
console.log(`the node's credential lookups: ${counts.credential_lookups} (one per user per 30 s, cached); registration changes reported: ${counts.registrations}`);
process.exit(0);
