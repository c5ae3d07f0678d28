/**
 * CPU per RTP packet for the media node's two socket implementations, side by
 * side in one run: Node's dgram (the baseline, and the fallback) and the udp-io
 * addon. N sockets (default 1,000) each send, or each receive, 50 packets a
 * second on loopback, paced in ten 2 ms slots like the frame scheduler. This
 * process is pinned to core 0 and measured from /proc (user and system time);
 * the peer (a sink, or a sender) runs in a child process pinned to core 1.
 *   npm run bench:rtp-socket -- --n=1000 --seconds=10
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { openDgramRtpSocket } from '../media-node/src/rtp/udp/dgram-rtp-socket.ts';
import { openNativeRtpSocket } from '../media-node/src/rtp/udp/native-rtp-socket.ts';
import { ipv4ToNumber } from '../media-node/src/rtp/udp/ipv4.ts';
import type { RtpSocket } from '../media-node/src/rtp/udp/rtp-socket.ts';
import { table } from './support/bench-stack.ts';
import { canPin, pinToCore } from './support/machine-load.ts';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const N = Number(arg('n', '1000'));
const SECONDS = Number(arg('seconds', '10'));
const SINK_PORT = 40_000;
const BASE_PORT = 41_000;
const LOOPBACK = ipv4ToNumber('127.0.0.1')!;
const PACKET = new Uint8Array(172).fill(0xff);
PACKET[0] = 0x80;

/** Calls `each(i)` for every index of one slot every 2 ms, like the frame scheduler, until stopped. */
function paced(count: number, each: (i: number) => void): () => void {
  const t0 = performance.now();
  let tick = 0;
  let timer: NodeJS.Timeout;
  const loop = () => {
    const due = Math.floor((performance.now() - t0) / 2);
    for (; tick <= due; tick++) for (let i = tick % 10; i < count; i += 10) each(i);
    timer = setTimeout(loop, Math.max(0, t0 + tick * 2 - performance.now() - 0.3));
  };
  loop();
  return () => clearTimeout(timer);
}

// Child roles: a sink that drains SINK_PORT, or a sender to BASE_PORT..+N.
if (process.argv[2] === '--role=sink') {
  const s = createSocket('udp4');
  s.on('message', () => {});
  s.bind(SINK_PORT, '127.0.0.1', () => process.send!('ready'));
} else if (process.argv[2] === '--role=sender') {
  const s = await openNativeRtpSocket('127.0.0.1', 0, () => {});
  process.send!('ready');
  paced(N, (i) => s.send(PACKET, LOOPBACK, BASE_PORT + i));
} else {
  await main();
}

function cpu(): { user: number; sys: number } {
  const f = readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(f[11]) / 100, sys: Number(f[12]) / 100 };
}

async function peer(role: 'sink' | 'sender'): Promise<ChildProcess> {
  const child = fork(new URL(import.meta.url).pathname, [`--role=${role}`, `--n=${N}`], { execArgv: ['--import', 'tsx'] });
  if (canPin) pinToCore(child.pid!, 1);
  await new Promise((r) => child.once('message', r));
  return child;
}

async function measure(count: () => number): Promise<{ pps: number; user: number; sys: number }> {
  await new Promise((r) => setTimeout(r, 2000));
  const c0 = cpu();
  const n0 = count();
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const wall = (performance.now() - w0) / 1000;
  const c1 = cpu();
  return { pps: (count() - n0) / wall, user: (c1.user - c0.user) / wall, sys: (c1.sys - c0.sys) / wall };
}

type Open = (host: string, port: number, receive: (p: Uint8Array) => void) => Promise<RtpSocket>;

async function run(name: string, open: Open, direction: 'send' | 'receive') {
  let packets = 0;
  const sockets: RtpSocket[] = [];
  for (let i = 0; i < N; i++) sockets.push(await open('127.0.0.1', BASE_PORT + i, () => packets++));
  const child = await peer(direction === 'send' ? 'sink' : 'sender');
  const stop = direction === 'send' ? paced(N, (i) => (sockets[i]!.send(PACKET, LOOPBACK, SINK_PORT), packets++)) : () => {};
  try {
    const m = await measure(() => packets);
    return {
      sockets: `${name}`,
      direction,
      'packets/s': m.pps.toFixed(0),
      'user (cores)': m.user.toFixed(3),
      'system (cores)': m.sys.toFixed(3),
      'µs CPU per packet': ((1e6 * (m.user + m.sys)) / m.pps).toFixed(2),
    };
  } finally {
    stop();
    child.kill();
    for (const s of sockets) s.close();
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main() {
  if (canPin) pinToCore(process.pid, 0);
  const rows = [];
  for (const direction of ['send', 'receive'] as const) {
    rows.push(await run('dgram (baseline)', openDgramRtpSocket, direction));
    rows.push(await run('udp-io addon', openNativeRtpSocket, direction));
  }
  console.log(`\nRTP socket cost: ${N} sockets × 50 packets/s of 172 bytes on loopback, ${SECONDS} s each; this process on core 0${canPin ? ', the peer on core 1' : ''}\n`);
  console.log(table(rows));
  process.exit(0);
}
