// A tshark capture on the loopback wire, for tests that check what really went
// over it: starts dumpcap with a capture filter, waits until it is really
// capturing, and on stop reads the chosen fields of every packet back out of
// the pcap (one row of strings per packet). Shared by the RTP checks of the
// media-node suite and the INVITE timing of the end-to-end suite.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CaptureSpec {
  /** BPF capture filter, e.g. `udp dst port 5080`. */
  filter: string;
  /** dumpcap stops by itself after this long, so a test that dies leaves nothing running for ever. */
  maxSeconds: number;
  /** Passed to `tshark -r`: decode-as rules and an optional display filter, e.g. ['-d', 'udp.port==5080,sip', '-Y', '…']. */
  readArgs: string[];
  /** Fields to print per packet, in order. */
  fields: string[];
}

export interface WireCapture {
  /** Stops capturing (after the last packets reached the file) and returns one row of field values per packet. */
  stop(): Promise<string[][]>;
}

/** Starts tshark on `lo`; resolves once it says it is capturing (on a loaded machine that takes far longer than usual). */
export async function startWireCapture(spec: CaptureSpec): Promise<WireCapture> {
  const dir = mkdtempSync(join(tmpdir(), 'crier-wire-'));
  const pcap = join(dir, 'capture.pcap');
  const child = spawn('tshark', ['-i', 'lo', '-f', spec.filter, '-a', `duration:${spec.maxSeconds}`, '-w', pcap], { stdio: ['ignore', 'ignore', 'pipe'] });
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
        const out = execFileSync('tshark', ['-r', pcap, ...spec.readArgs, '-T', 'fields', '-E', 'separator=/t', ...spec.fields.flatMap((f) => ['-e', f])], {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        });
        return out
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => line.split('\t'));
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
