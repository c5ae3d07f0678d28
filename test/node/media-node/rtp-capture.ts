// RTP as it really went over the loopback wire, captured by tshark: which
// port sent each packet to which, and its payload, so a test can decode what
// a peer received instead of trusting the sender's own counters.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CapturedRtp {
  time: number;
  srcPort: number;
  dstPort: number;
  payloadType: number;
  payload: Uint8Array;
}

export interface RtpCapture {
  /** Stops capturing and returns every RTP packet sent from the port range, in capture order. */
  stop(): Promise<CapturedRtp[]>;
}

/**
 * Starts tshark on `lo` for UDP sent from ports [min, max]; resolves once it
 * says it is capturing (on a loaded machine that takes far longer than usual).
 */
export async function captureRtpFrom(min: number, max: number): Promise<RtpCapture> {
  const dir = mkdtempSync(join(tmpdir(), 'crier-rtp-'));
  const pcap = join(dir, 'rtp.pcap');
  const child = spawn('tshark', ['-i', 'lo', '-f', `udp src portrange ${min}-${max}`, '-a', 'duration:120', '-w', pcap], { stdio: ['ignore', 'ignore', 'pipe'] });
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
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      try {
        const out = execFileSync('tshark', ['-r', pcap, '-d', `udp.port==${min}-${max},rtp`, '-T', 'fields', '-e', 'frame.time_relative', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'rtp.p_type', '-e', 'rtp.payload'], {
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
          }));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
