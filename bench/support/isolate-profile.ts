/**
 * A CPU profile of the Worker isolate under `wrangler dev`, over the same
 * inspector the heap figures use (Chrome DevTools Protocol, Profiler domain):
 * start, run the workload, stop, and sum self time per function, so a bench
 * can say where the Worker's JavaScript time went. Native work the runtime
 * does for a call (fetch, SQLite, RPC) shows under the JS function that made it
 * or as "(program)".
 *
 * It also turns off what only `wrangler dev` does: its inspector proxy enables
 * DevTools' Network domain on the Worker, so every subrequest (each webhook)
 * is reported to the proxy (a second workerd) and on to wrangler's Node
 * process. In the webhook bench those two used 1.2 cores while the Worker's
 * own isolate sat 34 % idle; production has no such listener.
 */
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export class IsolateProfiler {
  readonly #ws: WebSocket;
  #nextId = 0;
  readonly #waiting = new Map<number, (result: unknown) => void>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (msg.id !== undefined) this.#waiting.get(msg.id)?.(msg.result), this.#waiting.delete(msg.id);
    });
  }

  static async connect(inspectorPort: number): Promise<IsolateProfiler> {
    const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
    if (!targets[0]) throw new Error(`no inspector target on port ${inspectorPort}`);
    const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
    return new IsolateProfiler(ws);
  }

  #send(method: string, params?: Record<string, unknown>): Promise<unknown> {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector did not answer ${method}`)), 60_000);
      this.#waiting.set(id, (v) => (clearTimeout(timer), resolve(v)));
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Network.disable on the Worker; keep this connection open while measuring (a reconnecting proxy enables it again). */
  async disableNetworkEvents(): Promise<void> {
    await this.#send('Network.disable');
  }

  close(): void {
    this.#ws.close();
  }

  async start(): Promise<void> {
    await this.#send('Profiler.enable');
    await this.#send('Profiler.setSamplingInterval', { interval: 500 });
    await this.#send('Profiler.start');
  }

  /**
   * Stops and returns the top functions by self time (share of samples). With
   * `saveTo`, the whole profile is also written there (a .cpuprofile DevTools
   * opens), for time spent under a function, which self time does not show.
   * `keepOpen` leaves the connection open: it is also the one that keeps
   * network reporting off, and the bench measures on after the profile.
   */
  async stop(top = 15, saveTo?: string, keepOpen = false): Promise<Array<{ fn: string; share: number }>> {
    const { profile } = (await this.#send('Profiler.stop')) as { profile: { nodes: ProfileNode[] } };
    if (!keepOpen) this.#ws.close();
    if (saveTo) writeFileSync(saveTo, JSON.stringify(profile));
    const self = new Map<string, number>();
    let total = 0;
    for (const n of profile.nodes) {
      const hits = n.hitCount ?? 0;
      if (hits === 0) continue;
      const file = n.callFrame.url.split('/').slice(-2).join('/');
      const key = `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + hits);
      total += hits;
    }
    return [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, hits]) => ({ fn, share: hits / total }));
  }
}
