/**
 * Keeps the media clock's thread first in line for its core. Every RTP frame
 * is sent from the main thread; Node's other threads (V8's compiler and GC
 * helpers, libuv's pool) wake now and then, and when the node is pinned to one
 * core each wake-up can hold the main thread off the core for a scheduler
 * slice (4–14 ms measured, docs/benchmarks.md): the frames due meanwhile go
 * out late. Raising those threads' nice value lets them run in the main
 * thread's idle time instead. Not too far: the main thread waits for V8's GC
 * helpers in parallel phases, so on a machine shared with other busy
 * processes a high value starves the main thread too (hence a default of 5,
 * config/env.ts). Threads start lazily, so the set is re-read
 * periodically. Linux only (per-thread nice through /proc/self/task); a
 * no-op elsewhere.
 */
import { existsSync, readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

const TASKS = '/proc/self/task';

/** Sets every thread but the main one to `nice`; returns how many it changed. */
export function deprioritizeBackgroundThreads(nice: number): number {
  if (!existsSync(TASKS)) return 0;
  let changed = 0;
  for (const entry of readdirSync(TASKS)) {
    const tid = Number(entry);
    if (tid === process.pid) continue;
    try {
      if (getPriority(tid) === nice) continue;
      setPriority(tid, nice);
      changed++;
    } catch (err) {
      // A thread that ended between the listing and the call is not an error.
      if ((err as { info?: { code?: string } }).info?.code !== 'ESRCH') throw err;
    }
  }
  return changed;
}

/** Applies `nice` now and every `everyMs` (threads started later); returns the stop function. */
export function keepBackgroundThreadsDeprioritized(nice: number, everyMs = 5000): () => void {
  deprioritizeBackgroundThreads(nice);
  const timer = setInterval(() => deprioritizeBackgroundThreads(nice), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
