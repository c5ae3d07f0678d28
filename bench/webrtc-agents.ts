/**
 * What browser agents cost the media node's mediasoup worker, beside plain RTP:
 *  1. Concurrent calls: N browser-agent calls (RTCPeerConnections in one headless
 *     Chromium page, each against its own WebRtcTransport from WebRtcGateway, PCMU both
 *     ways at 50 packets/s) and the worker's CPU per call. Baseline, same worker, same
 *     packet rates: N plain calls relayed PlainTransport ⇄ PlainTransport (no ICE, DTLS,
 *     SRTP). The plain side of every call is a UDP socket here, standing in for the leg's
 *     RtpStream (the node's bridge costs the same either way: docs/benchmarks.md).
 *  2. Added latency: a burst of 1 kHz sent from the plain side into one browser call whose
 *     page sends what it hears straight back (remote track → Web Audio → its sender), timed
 *     until it returns; baseline: the same through a plain relay with an instant RTP echo.
 * The browser loop holds one receive path (SRTP, NetEq jitter buffer, playout into Web
 * Audio) and one send path (capture, encode, SRTP): about what an agent's mouth-to-ear
 * adds on top of a desk phone's network path, minus their sound card.
 *   npm run bench:webrtc -- --calls=1,5,10,20 --seconds=10
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import { chromium, type Page } from 'playwright-core';
import { Logger } from '../media-node/src/log/logger.ts';
import { WebRtcGateway, type WebRtcAgentMedia } from '../media-node/src/webrtc/webrtc-gateway.ts';
import { decodeG711, encodeG711 } from '../media-node/src/codec/g711.ts';
import { CHROMIUM } from '../test/peers/browser-softphone.ts';
import { table } from './support/bench-stack.ts';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const STEPS = arg('calls', '1,5,10,20').split(',').map(Number);
const SECONDS = Number(arg('seconds', '10'));
const BURSTS = Number(arg('bursts', '10'));
const PORT_MIN = 42_000;
const PORT_MAX = 42_999;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const SILENCE = new Uint8Array(160).fill(0xff);
const TONE = encodeG711('PCMU', Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000))));

/** One call's plain side: a UDP socket sending PCMU every 20 ms and counting what comes back. */
class PlainEnd {
  readonly socket: Socket;
  readonly ssrc = (Math.random() * 0xffffffff) >>> 0;
  peer: { address: string; port: number } | null = null;
  received = 0;
  onPacket: ((payload: Uint8Array, at: number) => void) | null = null;
  #seq = 0;
  #ts = 0;
  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('message', (msg) => {
      if (msg.length < 12 || (msg[1]! & 0x7f) !== 0) return; // RTP, PCMU only (mediasoup's RTCP is ignored)
      this.received++;
      // The payload after any CSRCs and header extension, without padding.
      let at = 12 + 4 * (msg[0]! & 0x0f);
      if (msg[0]! & 0x10) at += 4 + 4 * msg.readUInt16BE(at + 2);
      const end = msg[0]! & 0x20 ? msg.length - msg[msg.length - 1]! : msg.length;
      this.onPacket?.(msg.subarray(at, end), performance.now());
    });
  }
  static async open(): Promise<PlainEnd> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    return new PlainEnd(s);
  }
  get port(): number {
    return this.socket.address().port;
  }
  send(payload: Uint8Array): void {
    if (!this.peer) return;
    const b = Buffer.alloc(12 + payload.length);
    b[0] = 0x80;
    b[1] = 0;
    b.writeUInt16BE(this.#seq++ & 0xffff, 2);
    b.writeUInt32BE((this.#ts += 160) >>> 0, 4);
    b.writeUInt32BE(this.ssrc, 8);
    b.set(payload, 12);
    this.socket.send(b, this.peer.port, this.peer.address);
  }
  close(): void {
    this.socket.close();
  }
}

const PAGE_SCRIPT = `
window.ctx = new AudioContext();
window.calls = [];
window.addCall = async (offer, echo) => {
  const ctx = window.ctx;
  const pc = new RTCPeerConnection({ iceServers: [] });
  const dest = ctx.createMediaStreamDestination();
  if (!echo) { const osc = ctx.createOscillator(); osc.frequency.value = 600; osc.connect(dest); osc.start(); }
  const track = dest.stream.getAudioTracks()[0];
  pc.addTrack(track, dest.stream);
  pc.ontrack = (e) => {
    const stream = new MediaStream([e.track]);
    // Chromium pulls remote audio only for a playing element; Web Audio then gets it too.
    const el = new Audio(); el.srcObject = stream; el.muted = true; el.play();
    if (echo) ctx.createMediaStreamSource(stream).connect(dest);
  };
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  window.calls.push(pc);
  return pc.localDescription.sdp;
};
window.closeAll = () => { for (const pc of window.calls) pc.close(); window.calls = []; };
`;

function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, clock ticks of 10 ms
}

/** Sends every end's next packet each 20 ms (silence unless `payloadFor` says otherwise). */
function pace(ends: PlainEnd[], payloadFor: (end: PlainEnd, frame: number) => Uint8Array = () => SILENCE): () => void {
  const t0 = performance.now();
  let frame = 0;
  let timer: NodeJS.Timeout;
  const loop = () => {
    const due = Math.floor((performance.now() - t0) / 20);
    for (; frame <= due; frame++) for (const e of ends) e.send(payloadFor(e, frame));
    timer = setTimeout(loop, Math.max(0, t0 + (frame * 20) - performance.now()));
  };
  loop();
  return () => clearTimeout(timer);
}

async function measureCpu(pid: number, ends: PlainEnd[], payloadFor?: (end: PlainEnd, frame: number) => Uint8Array) {
  const stop = pace(ends, payloadFor);
  await sleep(3000); // ICE, DTLS and the browser's jitter buffers settle
  const before = processCpuSeconds(pid);
  const received0 = ends.reduce((n, e) => n + e.received, 0);
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const cores = (processCpuSeconds(pid) - before) / ((performance.now() - t0) / 1000);
  const pps = (ends.reduce((n, e) => n + e.received, 0) - received0) / SECONDS;
  stop();
  return { cores, pps };
}

/** A plain call through the router: two PlainTransports, each producing what its end sends and consuming the other's. */
async function plainCall(router: ms.Router, a: PlainEnd, b: PlainEnd, caps: ms.RtpCapabilities): Promise<() => void> {
  const listenInfo = { protocol: 'udp' as const, ip: '127.0.0.1', portRange: { min: PORT_MIN, max: PORT_MAX } };
  const ta = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: false });
  const tb = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: false });
  await ta.connect({ ip: '127.0.0.1', port: a.port });
  await tb.connect({ ip: '127.0.0.1', port: b.port });
  const codec = { mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000, channels: 1, rtcpFeedback: [] };
  const pa = await ta.produce({ kind: 'audio', rtpParameters: { codecs: [codec], encodings: [{ ssrc: a.ssrc }] } });
  const pb = await tb.produce({ kind: 'audio', rtpParameters: { codecs: [codec], encodings: [{ ssrc: b.ssrc }] } });
  await tb.consume({ producerId: pa.id, rtpCapabilities: caps });
  await ta.consume({ producerId: pb.id, rtpCapabilities: caps });
  a.peer = { address: '127.0.0.1', port: ta.tuple.localPort };
  b.peer = { address: '127.0.0.1', port: tb.tuple.localPort };
  return () => {
    ta.close();
    tb.close();
  };
}

/**
 * Milliseconds from each 1 kHz burst's first packet leaving `from` to the first packet
 * carrying any of it (a sample above ~-12 dBFS) arriving back at `from`.
 */
async function burstLatency(from: PlainEnd, others: PlainEnd[]): Promise<number[]> {
  const results: number[] = [];
  let sentAt: number | null = null;
  from.onPacket = (payload, at) => {
    if (sentAt === null) return;
    const pcm = decodeG711('PCMU', payload);
    if (pcm.some((s) => Math.abs(s) > 2000)) {
      results.push(at - sentAt);
      sentAt = null;
    }
  };
  // Bursts of 5 frames (100 ms) every 1.5 s; everything else silence.
  const stop = pace([from, ...others], (end, frame) => {
    if (end !== from) return SILENCE;
    const f = frame % 75;
    if (f === 0 && frame >= 75) sentAt = performance.now();
    return f < 5 && frame >= 75 ? TONE : SILENCE;
  });
  await sleep((BURSTS + 1) * 1500 + 2000);
  stop();
  from.onPacket = null;
  return results;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};

async function main() {
  let workerPid = 0;
  let router: ms.Router | null = null;
  mediasoup.observer.on('newworker', (w: ms.Worker) => {
    workerPid = w.pid;
    w.observer.on('newrouter', (r: ms.Router) => (router = r));
  });
  const log = new Logger({ bench: 'webrtc' }, 'warn');
  const gateway = new WebRtcGateway({ listenIp: '127.0.0.1', portMin: PORT_MIN, portMax: PORT_MAX }, log);
  await gateway.ready();
  const r = router as ms.Router | null;
  if (!r || !workerPid) throw new Error('no mediasoup worker/router seen');
  const caps: ms.RtpCapabilities = { codecs: [{ kind: 'audio', mimeType: 'audio/PCMU', preferredPayloadType: 0, clockRate: 8000, channels: 1, rtcpFeedback: [] }], headerExtensions: [] };
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--autoplay-policy=no-user-gesture-required', '--allow-loopback-in-peer-connection'],
  });
  const page: Page = await browser.newPage();
  await page.setContent('<!doctype html><title>bench</title>');
  await page.addScriptTag({ content: PAGE_SCRIPT });
  await page.evaluate(() => (globalThis as any).ctx.resume());

  const openBrowserCalls = async (n: number, echo: boolean) => {
    const calls: Array<{ end: PlainEnd; media: WebRtcAgentMedia }> = [];
    for (let i = 0; i < n; i++) {
      const end = await PlainEnd.open();
      const media = await gateway.open({ port: end.port, ssrc: end.ssrc }, log);
      const answer = await page.evaluate(([offer, e]) => (globalThis as any).addCall(offer, e) as Promise<string>, [media.offer, echo] as const);
      end.peer = await media.accept(answer);
      calls.push({ end, media });
    }
    return {
      ends: calls.map((c) => c.end),
      close: async () => {
        await page.evaluate(() => (globalThis as any).closeAll());
        for (const c of calls) {
          c.media.close();
          c.end.close();
        }
      },
    };
  };

  const rows: Array<Record<string, string | number>> = [];
  const cost: Array<{ n: number; web: number; plain: number }> = [];
  for (const n of STEPS) {
    const web = await openBrowserCalls(n, false);
    const w = await measureCpu(workerPid, web.ends);
    await web.close();
    const plainEnds: PlainEnd[] = [];
    const closers: Array<() => void> = [];
    for (let i = 0; i < n; i++) {
      const a = await PlainEnd.open();
      const b = await PlainEnd.open();
      plainEnds.push(a, b);
      closers.push(await plainCall(r, a, b, caps));
    }
    const p = await measureCpu(workerPid, plainEnds);
    closers.forEach((c) => c());
    plainEnds.forEach((e) => e.close());
    rows.push({
      calls: n,
      'webrtc: worker cores': w.cores.toFixed(3),
      'webrtc: % core/call': ((100 * w.cores) / n).toFixed(2),
      'webrtc: RTP back pkt/s/call': (w.pps / n).toFixed(1),
      'plain (baseline): worker cores': p.cores.toFixed(3),
      'plain: % core/call': ((100 * p.cores) / n).toFixed(2),
      'plain: RTP back pkt/s/end': (p.pps / (2 * n)).toFixed(1),
    });
    cost.push({ n, web: w.cores, plain: p.cores });
    console.log(table(rows.slice(-1)));
  }

  // Latency: one echoing browser call vs. a plain relay with an instant echo.
  const echo = await openBrowserCalls(1, true);
  await sleep(2000);
  const viaBrowser = await burstLatency(echo.ends[0]!, []);
  await echo.close();
  const a = await PlainEnd.open();
  const b = await PlainEnd.open();
  b.onPacket = (payload) => b.send(payload); // the far end echoes at once
  const closePlain = await plainCall(r, a, b, caps);
  const viaPlain = await burstLatency(a, []);
  closePlain();
  a.close();
  b.close();

  await browser.close();
  await gateway.close();
  console.log('\nConcurrent calls, one mediasoup worker (CPU from /proc, steady window of %d s):', SECONDS);
  console.log(table(rows));
  if (cost.length > 1) {
    // The per-call slope between the smallest and the largest step: the fixed cost of an idle worker drops out.
    const lo = cost[0]!;
    const hi = cost[cost.length - 1]!;
    const slope = (k: 'web' | 'plain') => (hi[k] - lo[k]) / (hi.n - lo.n);
    console.log(
      `\nMarginal worker CPU per call (${lo.n} → ${hi.n} calls): WebRTC ${(100 * slope('web')).toFixed(2)} % of a core, plain ${(100 * slope('plain')).toFixed(2)} %;` +
        ` one worker (one core) ≈ ${Math.floor(1 / slope('web'))} browser-agent calls, ${Math.floor(1 / slope('plain'))} plain ones`,
    );
  }
  console.log('\nLoop latency, plain side → mediasoup → far end → back (first packet of a burst out to the first packet carrying it back, ms):');
  console.log(
    table([
      { path: 'browser (WebRTC: SRTP, NetEq, playout, capture, encode)', 'median ms': median(viaBrowser).toFixed(1), 'min ms': Math.min(...viaBrowser).toFixed(1), 'max ms': Math.max(...viaBrowser).toFixed(1), bursts: viaBrowser.length },
      { path: 'baseline: plain RTP relay, instant echo', 'median ms': median(viaPlain).toFixed(1), 'min ms': Math.min(...viaPlain).toFixed(1), 'max ms': Math.max(...viaPlain).toFixed(1), bursts: viaPlain.length },
    ]),
  );
  console.log(`Added by the WebRTC path, round trip (median): ${(median(viaBrowser) - median(viaPlain)).toFixed(1)} ms`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
