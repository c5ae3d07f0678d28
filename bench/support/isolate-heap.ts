/**
 * The Worker isolate's own memory under `wrangler dev`, read over the
 * inspector (Chrome DevTools Protocol, Runtime.getHeapUsage) that wrangler
 * serves on the bench Worker's inspector port. workerd's RSS also holds the
 * local D1 and R2 simulators (SQLite page cache, blob files), so it cannot say
 * whether the Worker's code keeps memory bounded; the isolate's heap can.
 * Counted: V8 heap in use plus ArrayBuffer backing stores (where the export's
 * 5 MiB multipart buffers and the PDF bytes live). workerd does not answer
 * HeapProfiler.collectGarbage, but a heap snapshot starts with a full GC, so
 * `liveMb` takes one (and throws its chunks away) to read what is really live.
 * Samples taken while a request runs include garbage not yet collected, so a
 * peak is an upper bound of what was live.
 */
import WebSocket from 'ws';

interface HeapUsage {
  usedSize: number;
  backingStorageSize?: number;
}

export class IsolateHeap {
  readonly #ws: WebSocket;
  #nextId = 0;
  readonly #waiting = new Map<number, { resolve: (result: unknown) => void; reject: (err: Error) => void }>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('close', () => {
      for (const waiter of this.#waiting.values()) waiter.reject(new Error('inspector connection closed'));
      this.#waiting.clear();
    });
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (msg.id === undefined) return;
      const waiter = this.#waiting.get(msg.id);
      this.#waiting.delete(msg.id);
      if (msg.error) waiter?.reject(new Error(msg.error.message));
      else waiter?.resolve(msg.result);
    });
  }

  /** Connects to the first target wrangler's inspector proxy lists (the user Worker). */
  static async connect(inspectorPort: number): Promise<IsolateHeap> {
    const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
    if (!targets[0]) throw new Error(`no inspector target on port ${inspectorPort}`);
    const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new IsolateHeap(ws);
  }

  /** One DevTools call; an unanswered one fails after a minute rather than stalling the bench. */
  #send(method: string, params?: Record<string, unknown>): Promise<unknown> {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`inspector did not answer ${method}`));
      }, 60_000);
      const settle = { resolve: (v: unknown) => (clearTimeout(timer), resolve(v)), reject: (e: Error) => (clearTimeout(timer), reject(e)) };
      this.#waiting.set(id, settle);
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Heap in use + ArrayBuffer backing stores, in MB. */
  async usedMb(): Promise<number> {
    const u = (await this.#send('Runtime.getHeapUsage')) as HeapUsage;
    return (u.usedSize + (u.backingStorageSize ?? 0)) / 1e6;
  }

  /**
   * Heap in use right after a full GC, in MB. The snapshot's own reply is not
   * waited for (wrangler's proxy echoes the request instead); DevTools calls
   * are answered in order, so the usage read after it follows the GC.
   */
  async liveMb(): Promise<number> {
    this.#send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }).catch(() => undefined);
    return this.usedMb();
  }

  /** The isolate's live memory before `work`, its peak while it runs (sampled every `everyMs`) and what is live after it. */
  async during<T>(work: () => Promise<T>, everyMs = 25): Promise<{ value: T; beforeMb: number; peakMb: number; afterMb: number }> {
    const beforeMb = await this.liveMb();
    let peakMb = beforeMb;
    let running = true;
    const sampler = (async () => {
      while (running) {
        peakMb = Math.max(peakMb, await this.usedMb());
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
    try {
      const value = await work();
      running = false;
      await sampler;
      peakMb = Math.max(peakMb, await this.usedMb());
      return { value, beforeMb, peakMb, afterMb: await this.liveMb() };
    } finally {
      running = false;
      await sampler;
    }
  }

  close(): void {
    this.#ws.close();
  }
}
