/**
 * Runs the Worker locally with `wrangler dev` (real workerd, Miniflare D1 /
 * Durable Objects / R2), migrations applied and the demo tenant seeded.
 * The binary is started directly (not through npx) so stopping its process
 * group really stops workerd.
 */
import { join } from 'node:path';
import { DEMO, seedLocal } from '../seed-local.ts';
import { ProcessGroup, waitUntil, type Running } from './child-processes.ts';

export interface LocalWorkerOptions {
  port: number;
  /** Miniflare state directory; separate runs (tests, benches) use their own. */
  persistDir: string;
  logFile: string;
  vars?: Record<string, string>;
  /** Apply migrations and seed the demo tenant first (default). A restart on the same persist dir skips it. */
  seed?: boolean;
}

export interface LocalWorker {
  url: string;
  process: Running;
  /** wrangler's DevTools inspector for the Worker (benches read the isolate's heap there). */
  inspectorPort: number;
}

export async function startLocalWorker(group: ProcessGroup, opts: LocalWorkerOptions): Promise<LocalWorker> {
  if (opts.seed !== false) seedLocal(opts.persistDir);
  const url = `http://127.0.0.1:${opts.port}`;
  // Local receivers (demo, e2e, benches) listen on 127.0.0.1: the outbound-URL policy's development setting.
  const vars = { PUBLIC_BASE_URL: url, PLATFORM_ADMIN_TOKEN: DEMO.platformToken, WEBHOOK_ALLOW_LOOPBACK: 'true', ...opts.vars };
  const inspectorPort = opts.port + 10_000;
  const proc = group.start({
    name: 'worker',
    command: join(process.cwd(), 'node_modules', '.bin', 'wrangler'),
    args: [
      'dev',
      '--ip', '127.0.0.1',
      '--port', String(opts.port),
      '--persist-to', opts.persistDir,
      '--show-interactive-dev-session=false',
      '--inspector-port', String(inspectorPort),
      ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
    ],
    env: { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' },
    logFile: opts.logFile,
  });
  await waitUntil(async () => (await fetch(`${url}/healthz`)).ok, 60_000, 'the Worker to answer /healthz', proc);
  return { url, process: proc, inspectorPort };
}
