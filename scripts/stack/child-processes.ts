/**
 * Starts the stack's child processes each in its own process group, with its
 * output in a log file, and stops every group on exit, so Ctrl-C never leaves
 * an orphan (workerd, sipp, a media node) serving a port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  logFile: string;
  cwd?: string;
}

export interface Running {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

export class ProcessGroup {
  #running: Running[] = [];
  #stopping = false;

  start(opts: StartOptions): Running {
    mkdirSync(dirname(opts.logFile), { recursive: true });
    const log = createWriteStream(opts.logFile, { flags: 'w' });
    const child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      detached: true, // its own process group: we can kill it and everything it spawned
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const running = { name: opts.name, child, logFile: opts.logFile, exited };
    this.#running.push(running);
    return running;
  }

  /** SIGTERM every group, then SIGKILL what is still there after the grace period. */
  async stopAll(graceMs = 5_000): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    const alive = this.#running.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
    for (const r of alive.reverse()) signalGroup(r.child, 'SIGTERM');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    await Promise.race([Promise.all(alive.map((r) => r.exited)), timeout]);
    for (const r of alive) signalGroup(r.child, 'SIGKILL');
  }
}

/** Signals one started process's whole group (a crash of that process and everything it spawned). */
export function killGroup(running: Running, signal: NodeJS.Signals): void {
  signalGroup(running.child, signal);
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

export function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

export async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, what: string, failFast?: Running): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (failFast && failFast.child.exitCode !== null) {
      throw new Error(`${failFast.name} exited (${failFast.child.exitCode}) before ${what}:\n${tail(failFast.logFile)}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${failFast ? `:\n${tail(failFast.logFile)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
