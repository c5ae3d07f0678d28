/**
 * What the control-plane benchmarks share: a local Worker on a free port with
 * its own state directory, a counting webhook receiver, a media-node stand-in
 * that accepts commands, and signed calls to the internal media API.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessGroup } from '../../scripts/stack/child-processes.ts';
import { startLocalWorker } from '../../scripts/stack/local-worker.ts';
import { DEMO, seedLocal } from '../../scripts/seed-local.ts';
import { signMessage } from '../../worker/src/media-protocol/index.ts';

export const AUTH = `Basic ${Buffer.from(`${DEMO.appId}:${DEMO.appKey}`).toString('base64')}`;
const SECRET = 'dev-media-secret-change-me';

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

export interface BenchWorkerOptions {
  /** Extra Worker variables (e.g. PLATFORM_ADMIN_TOKEN for benches that use the operator API). */
  vars?: Record<string, string>;
  /** Runs on the fresh state directory (migrations applied, demo tenant seeded) before the Worker starts. */
  prepare?: (persistDir: string) => void | Promise<void>;
}

export async function startBenchWorker(options: BenchWorkerOptions = {}) {
  const group = new ProcessGroup();
  const state = mkdtempSync(join(tmpdir(), 'crier-bench-'));
  const port = await freePort();
  if (options.prepare) {
    seedLocal(state);
    await options.prepare(state);
  }
  const worker = await startLocalWorker(group, { port, persistDir: state, logFile: join(state, 'worker.log'), vars: options.vars });
  return {
    url: worker.url,
    persistDir: state,
    /** The wrangler process; workerd runs in its process group. */
    pid: worker.process.child.pid!,
    inspectorPort: worker.inspectorPort,
    async stop() {
      await group.stopAll();
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** An HTTP server that records request bodies; `onBody` decides the reply. */
export async function startRecorder(onBody: (path: string, body: string) => { status: number; json: unknown }) {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = onBody(req.url ?? '/', Buffer.concat(chunks).toString('utf8'));
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.json));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url, close: () => new Promise((r) => server.close(r)) };
}

export async function signedPost(workerUrl: string, path: string, value: unknown): Promise<Response> {
  const body = JSON.stringify(value);
  return fetch(workerUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(await signMessage(SECRET, body)) }, body });
}

/**
 * Signed posts the Worker must take, for benches that must not die on one reset
 * connection: a failed post is counted in `resets` and sent again, up to 5 tries
 * (node events are idempotent by seq, heartbeats by nature). Benches print `resets`.
 */
export class InsistentPoster {
  resets = 0;
  constructor(private readonly workerUrl: string) {}

  async post(path: string, value: unknown): Promise<Response> {
    for (let tries = 1; ; tries++) {
      try {
        return await signedPost(this.workerUrl, path, value);
      } catch (err) {
        this.resets++;
        if (tries >= 5) throw err;
      }
    }
  }
}

export function table(rows: Array<Record<string, string | number>>): string {
  const cols = Object.keys(rows[0] ?? {});
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i]!)).join('  ');
  return [line(cols), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join('\n');
}
