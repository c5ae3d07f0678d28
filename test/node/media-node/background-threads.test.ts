// The media clock's thread keeps its priority; Node's other threads (here a
// worker thread and whatever V8/libuv started) get the configured nice value.
import { expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { deprioritizeBackgroundThreads } from '../../../media-node/src/process/background-threads.ts';

it.runIf(process.platform === 'linux')('raises the nice value of every thread but the main one, and only once', async () => {
  const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
  await new Promise((r) => worker.once('online', r));
  try {
    const mainBefore = getPriority(process.pid);
    expect(deprioritizeBackgroundThreads(19)).toBeGreaterThan(0);
    const others = readdirSync('/proc/self/task').map(Number).filter((tid) => tid !== process.pid);
    expect(others.length).toBeGreaterThan(1);
    for (const tid of others) expect(getPriority(tid)).toBe(19);
    expect(getPriority(process.pid)).toBe(mainBefore);
    expect(deprioritizeBackgroundThreads(19)).toBe(0); // nothing left to change
  } finally {
    await worker.terminate();
  }
});
