// RTP as it really crossed the loopback interface, captured by tshark (a peer we
// did not write): ports, RTP header fields and payload of every packet, so a
// test checks the wire instead of trusting the sender's own counters.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WirePacket {
  /** Seconds since the capture started. */
  time: number;
  srcPort: number;
  dstPort: number;
  payloadType: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  payload: Buffer;
}

export interface WireCapture {
  /** Stops tshark and decodes every UDP packet in the port range as RTP, in capture order. */
  stop(): Promise<WirePacket[]>;
}

/**
 * Captures UDP on `lo` to or from ports [min, max]. Resolves once tshark reports
 * "Capturing on", so nothing sent afterwards is missed (no fixed sleep).
 */
export async function captureUdp(min: number, max: number, timeoutMs = 15_000): Promise<WireCapture> {
  const dir = mkdtempSync(join(tmpdir(), 'crier-wire-'));
  const pcap = join(dir, 'capture.pcap');
  const child = spawn('tshark', ['-i', 'lo', '-f', `udp portrange ${min}-${max}`, '-a', 'duration:120', '-w', pcap], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tshark did not start capturing within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('Capturing on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tshark exited (${code}) before capturing: ${stderr}`));
    });
  });
  return {
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      try {
        const out = execFileSync(
          'tshark',
          ['-r', pcap, '-d', `udp.port==${min}-${max},rtp`, '-T', 'fields', '-E', 'separator=/t',
            '-e', 'frame.time_relative', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'rtp.p_type', '-e', 'rtp.seq', '-e', 'rtp.timestamp', '-e', 'rtp.ssrc', '-e', 'rtp.marker', '-e', 'rtp.payload'],
          { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
        );
        return out
          .trim()
          .split('\n')
          .map((line) => line.split('\t'))
          .filter((f) => f[3] !== undefined && f[3] !== '')
          .map((f) => ({
            time: Number(f[0]),
            srcPort: Number(f[1]),
            dstPort: Number(f[2]),
            payloadType: Number(f[3]),
            seq: Number(f[4]),
            timestamp: Number(f[5]),
            ssrc: Number(f[6]),
            marker: f[7] === '1' || f[7] === 'True',
            payload: Buffer.from((f[8] ?? '').replace(/:/g, ''), 'hex'),
          }));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Decodes raw G.711 with sox (A-law "al" or μ-law "ul") into 16-bit samples. */
export function decodeWithSox(payload: Buffer, law: 'al' | 'ul'): Int16Array {
  const out = execFileSync('sox', ['-t', law, '-r', '8000', '-c', '1', '-', '-t', 's16', '-e', 'signed-integer', '-b', '16', '-L', '-'], { input: payload, maxBuffer: 64 * 1024 * 1024 });
  return new Int16Array(out.buffer, out.byteOffset, Math.floor(out.byteLength / 2));
}

/** Share of the signal's energy at `hz` (Goertzel), 0..1. */
export function tonePurity(x: Int16Array, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / 8000);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const v of x) {
    [s1, s2] = [v + k * s1 - s2, s1];
    energy += v * v;
  }
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  return energy === 0 ? 0 : (2 * power) / (x.length * energy);
}
