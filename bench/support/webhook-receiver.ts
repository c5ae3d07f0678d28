/**
 * The webhook receiver the delivery benches post to: counts deliveries per
 * path, the most requests it ever had open at once (what the 6-connections-
 * per-invocation cap bounds), connections reset under it, and hands each body
 * to `onBody` (order checks, signature samples). It answers 200 at once.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface WebhookReceiver {
  url: string;
  /** Deliveries per request path. */
  count(path: string): number;
  /** performance.now() of the last delivery per path. */
  lastAt(path: string): number;
  /** Most requests open at once, over the whole run or since the last resetPeak(). */
  peakOpen(): number;
  resetPeak(): void;
  /** Client connections that errored (ECONNRESET and the like) instead of crashing the bench. */
  resets(): number;
  /** TCP connections accepted over the whole run: far fewer than deliveries while senders reuse their connections. */
  connections(): number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(
  onBody: (path: string, body: string, headers: IncomingHttpHeaders) => void = () => {},
  holdFor: (path: string) => Promise<void> | undefined = () => undefined,
): Promise<WebhookReceiver> {
  const counts = new Map<string, number>();
  const last = new Map<string, number>();
  let open = 0;
  let peak = 0;
  let resets = 0;
  const server = createServer((req, res) => {
    open++;
    if (open > peak) peak = open;
    const chunks: Buffer[] = [];
    let closed = false;
    const done = () => {
      if (!closed) (closed = true), open--;
    };
    req.on('error', () => (resets++, done()));
    res.on('close', done);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const answer = () => {
        counts.set(path, (counts.get(path) ?? 0) + 1);
        last.set(path, performance.now());
        onBody(path, Buffer.concat(chunks).toString('utf8'), req.headers);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      };
      const held = holdFor(path);
      if (held) void held.then(answer);
      else answer();
    });
  });
  server.on('clientError', (_err, socket) => {
    resets++;
    socket.destroy();
  });
  let connections = 0;
  server.on('connection', () => connections++);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    count: (path) => counts.get(path) ?? 0,
    lastAt: (path) => last.get(path) ?? 0,
    peakOpen: () => peak,
    resetPeak: () => void (peak = open),
    resets: () => resets,
    connections: () => connections,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/**
 * The baseline: Node itself POSTing `n` copies of `body` to `url`, `inFlight`
 * at once. A request that fails on the network (a reset keep-alive socket) is
 * counted and sent again, never thrown: the figure is for n delivered.
 */
export async function nodeFetchBaseline(url: string, body: string, n: number, inFlight: number): Promise<{ seconds: number; resets: number }> {
  let next = 0;
  let resets = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < n) {
        for (;;) {
          try {
            await (await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } })).arrayBuffer();
            break;
          } catch {
            resets++;
          }
        }
      }
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, resets };
}

/** Ratio line: what the goal (≥ 0.8 × baseline, same run) says about a figure. */
export function goalLine(label: string, rate: number, baselineRate: number): string {
  const ratio = rate / baselineRate;
  return `${label}: ${Math.round(rate)} / ${Math.round(baselineRate)} events/s = ${ratio.toFixed(2)} × baseline (goal ≥ 0.80: ${ratio >= 0.8 ? 'met' : 'NOT met'})`;
}

/** The processes of a process group (wrangler and the workerd it runs), for CPU accounting. */
export function processGroupPids(pgid: number): number[] {
  return execFileSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' })
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((pid) => pid > 0);
}

/** A process's command name, to label CPU figures. */
export function processName(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  } catch {
    return String(pid);
  }
}
