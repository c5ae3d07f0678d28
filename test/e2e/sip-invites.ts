// When each INVITE really left for the carrier: tshark on the loopback wire,
// SIP sent to the carrier's port, first INVITE per Call-ID (retransmissions
// dropped). The kernel's capture time is the honest dial time for a calls-per-
// second check: the Worker's pacer grants a dial a moment before the media node
// sends it, and webhook timestamps trail the carrier's answer.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WireInvite {
  /** Capture time, ms since the epoch. */
  atMs: number;
  callId: string;
  /** The Request-URI's user part: the dialled number. */
  number: string;
}

export interface InviteCapture {
  /** Stops capturing; the first INVITE of each dialog, in wire order. */
  stop(): Promise<WireInvite[]>;
}

export async function captureInvites(carrierPort: number): Promise<InviteCapture> {
  const dir = mkdtempSync(join(tmpdir(), 'crier-invites-'));
  const pcap = join(dir, 'sip.pcap');
  const child = spawn('tshark', ['-i', 'lo', '-f', `udp dst port ${carrierPort}`, '-a', 'duration:600', '-w', pcap], { stdio: ['ignore', 'ignore', 'pipe'] });
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
        const out = execFileSync(
          'tshark',
          ['-r', pcap, '-d', `udp.port==${carrierPort},sip`, '-Y', 'sip.Method == "INVITE"', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'sip.Call-ID', '-e', 'sip.r-uri.user'],
          { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
        );
        const first = new Map<string, WireInvite>();
        for (const line of out.trim().split('\n')) {
          const [at, callId, number] = line.split('\t');
          if (!callId || first.has(callId)) continue;
          first.set(callId, { atMs: Number(at) * 1000, callId, number: (number ?? '').replace(/^\+/, '') });
        }
        return [...first.values()].sort((a, b) => a.atMs - b.atMs);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The most instants that fall in any half-open window [t, t + windowMs): the sliding-window count a CPS limit bounds. */
export function mostInAnyWindow(timesMs: readonly number[], windowMs = 1000): number {
  const t = [...timesMs].sort((a, b) => a - b);
  let worst = 0;
  for (let lo = 0, hi = 0; hi < t.length; hi++) {
    while (t[hi]! - t[lo]! >= windowMs) lo++;
    worst = Math.max(worst, hi - lo + 1);
  }
  return worst;
}
