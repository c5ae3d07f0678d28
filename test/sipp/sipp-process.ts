/**
 * Runs SIPp as a UAS (the carrier) on 127.0.0.1 from a scenario file, in the
 * directory holding its audio, in its own process group so a test or the
 * stack can always stop it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCarrierAudio } from './audio-fixtures.ts';

export interface SippOptions {
  port: number;
  /** Scenario file; defaults to the carrier. */
  scenario?: string;
  /** SIPp's media port; its RTP streams take the ports above it. */
  mediaPort?: number;
  extraArgs?: string[];
  maxCalls?: number;
}

export interface SippHandle {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export async function startSipp(opts: SippOptions): Promise<SippHandle> {
  const dir = ensureCarrierAudio();
  const scenario = opts.scenario ?? new URL('./carrier.xml', import.meta.url).pathname;
  const local = join(dir, `scenario-${opts.port}.xml`);
  copyFileSync(scenario, local);
  const media = opts.mediaPort ?? opts.port + 1000;
  const args = [
    '-sf', local, '-i', '127.0.0.1', '-p', String(opts.port), '-mi', '127.0.0.1', '-mp', String(media),
    '-bg', '-nostdin', '-trace_err', '-m', String(opts.maxCalls ?? 1_000_000), '-l', '5000',
    ...(opts.extraArgs ?? []),
  ];
  let out = '';
  const child = spawn('sipp', args.filter((a) => a !== '-bg'), { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  await new Promise((r) => setTimeout(r, 300));
  if (child.exitCode !== null) throw new Error(`sipp exited ${child.exitCode}: ${out}`);
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 2000))]);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    },
  };
}
