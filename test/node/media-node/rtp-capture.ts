// RTP as it really went over the loopback wire, captured by tshark: which
// port sent each packet to which, its RTP header fields and its payload, so a
// test can check the wire and decode what a peer received instead of trusting
// the sender's own counters.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CapturedRtp {
  /** Seconds since the capture started. */
  time: number;
  srcPort: number;
  dstPort: number;
  payloadType: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  payload: Uint8Array;
}

export interface RtpCapture {
  /** Stops capturing and returns every RTP packet captured, in capture order. */
  stop(): Promise<CapturedRtp[]>;
}

/** UDP sent from ports [min, max] (what our legs send). */
export function captureRtpFrom(min: number, max: number): Promise<RtpCapture> {
  return captureRtp(min, max, 'from');
}

/** UDP sent from or to ports [min, max] (both directions of our legs). */
export function captureRtpBothWays(min: number, max: number): Promise<RtpCapture> {
  return captureRtp(min, max, 'both');
}

/**
 * Starts tshark on `lo` for UDP on ports [min, max]; resolves once it says it
 * is capturing (on a loaded machine that takes far longer than usual).
 */
async function captureRtp(min: number, max: number, direction: 'from' | 'both'): Promise<RtpCapture> {
  const dir = mkdtempSync(join(tmpdir(), 'crier-rtp-'));
  const pcap = join(dir, 'rtp.pcap');
  const filter = `udp ${direction === 'from' ? 'src ' : ''}portrange ${min}-${max}`;
  const child = spawn('tshark', ['-i', 'lo', '-f', filter, '-a', 'duration:120', '-w', pcap], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tshark did not start capturing within 15 s: ${stderr}`)), 15_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('Capturing on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tshark exited ${code}: ${stderr}`));
    });
  });
  // The line comes as the capture opens; give the kernel filter a moment to attach.
  await new Promise((r) => setTimeout(r, 300));
  return {
    async stop() {
      await settled(pcap);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      try {
        const fields = ['frame.time_relative', 'udp.srcport', 'udp.dstport', 'rtp.p_type', 'rtp.payload', 'rtp.seq', 'rtp.timestamp', 'rtp.ssrc', 'rtp.marker'];
        const out = execFileSync('tshark', ['-r', pcap, '-d', `udp.port==${min}-${max},rtp`, '-T', 'fields', '-E', 'separator=/t', ...fields.flatMap((f) => ['-e', f])], {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        });
        return out
          .trim()
          .split('\n')
          .map((line) => line.split('\t'))
          .filter((f) => f[3] && f[4])
          .map((f) => ({
            time: Number(f[0]),
            srcPort: Number(f[1]),
            dstPort: Number(f[2]),
            payloadType: Number(f[3]),
            payload: Uint8Array.from(Buffer.from(f[4]!.replace(/:/g, ''), 'hex')),
            seq: Number(f[5]),
            timestamp: Number(f[6]),
            ssrc: Number(f[7]),
            marker: f[8] === '1' || f[8] === 'True',
          }));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Waits until the capture file has stopped growing for a while (at most 5 s):
 * the kernel hands packets to dumpcap in blocks, and a SIGINT while the last
 * frames are still in an unreturned block loses them (a test's last ~60 ms).
 */
async function settled(pcap: string): Promise<void> {
  const size = () => {
    try {
      return statSync(pcap).size;
    } catch {
      return 0;
    }
  };
  const deadline = Date.now() + 5000;
  let last = size();
  let stableSince = Date.now();
  while (Date.now() < deadline && Date.now() - stableSince < 600) {
    await new Promise((r) => setTimeout(r, 50));
    const now = size();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    }
  }
}
