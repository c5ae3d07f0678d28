/**
 * What else the machine is doing while a benchmark measures: CPU time of given
 * processes and of the whole machine (from /proc), how long the calling
 * process's main thread sat runnable but not running (the run-queue delay
 * that shows up as late timers when the cores are shared), pinning processes
 * to cores, and waiting for other people's work to quieten before a
 * measurement. Linux only, like the rest of the telephony benchmarks.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const TICKS = 100; // /proc clock ticks per second (USER_HZ)

/** CPU seconds (user + system) a process has used, all threads. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** cpuSeconds, or null once the process has exited. */
function cpuSecondsIfRunning(pid: number): number | null {
  try {
    return cpuSeconds(pid);
  } catch {
    return null;
  }
}

export function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/** Busy and total CPU time of the whole machine, in seconds summed over cores. */
function machineSeconds(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0) / TICKS;
  const idle = (f[3]! + f[4]!) / TICKS; // idle + iowait
  return { busy: total - idle, total };
}

/** Nanoseconds this process's main thread has spent waiting for a CPU while runnable. */
function mainThreadRunDelayNs(): number {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').trim().split(' ')[1]);
}

export interface LoadSample {
  /** Wall seconds the sample covers. */
  wallS: number;
  /** Cores' worth of CPU used by each watched pid. */
  byPid: Map<number, number>;
  /** Cores' worth of CPU used by everything else on the machine. */
  otherCores: number;
  /** Milliseconds per second the calling process's main thread waited for a core. */
  runDelayMsPerS: number;
}

/** Starts measuring; call the returned function to get the sample since. */
export function startLoadSample(pids: number[]): () => LoadSample {
  const w0 = performance.now();
  const m0 = machineSeconds();
  // A process that exits during the sample (a helper of wrangler's) counts what it used until its last reading, instead of failing the bench.
  const readings = pids.map((pid) => cpuSecondsIfRunning(pid) ?? 0);
  const p0 = readings.slice();
  const d0 = mainThreadRunDelayNs();
  return () => {
    const wallS = (performance.now() - w0) / 1000;
    const m1 = machineSeconds();
    const byPid = new Map(pids.map((pid, i) => [pid, ((cpuSecondsIfRunning(pid) ?? readings[i]!) - p0[i]!) / wallS]));
    const ours = [...byPid.values()].reduce((a, b) => a + b, 0);
    const cores = m1.total - m0.total > 0 ? availableParallelism() * ((m1.busy - m0.busy) / (m1.total - m0.total)) : 0;
    return { wallS, byPid, otherCores: Math.max(0, cores - ours), runDelayMsPerS: (mainThreadRunDelayNs() - d0) / 1e6 / wallS };
  };
}

/**
 * Waits until processes other than `pids` use at most `maxOtherCores` over a
 * 3 s sample, or `timeoutS` has passed; returns the last sample's other load.
 */
export async function waitForQuietMachine(pids: number[], maxOtherCores: number, timeoutS: number): Promise<number> {
  const deadline = performance.now() + timeoutS * 1000;
  for (;;) {
    const end = startLoadSample(pids);
    await new Promise((r) => setTimeout(r, 3000));
    const { otherCores } = end();
    if (otherCores <= maxOtherCores || performance.now() >= deadline) return otherCores;
  }
}

/** Whether there are cores enough to give the system under test one of its own. */
export const canPin = availableParallelism() >= 2;

/** Pins every thread of `pid` (and threads it starts later) to `core`. */
export function pinToCore(pid: number, core: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}
