/**
 * Where mediasoup's C++ worker binary is: MEDIASOUP_WORKER_BIN, else the one
 * scripts/build-mediasoup.sh cached for the installed mediasoup version. When it is
 * missing, `reason` carries what the build script wrote (its FAILED file), so a
 * caller or a skipped test can say why.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const ROOT = new URL('../../..', import.meta.url).pathname;

export type WorkerBinary = { ok: true; path: string; version: string } | { ok: false; reason: string };

export function mediasoupVersion(): string | null {
  try {
    // mediasoup's exports map hides package.json: find it from the entry point (node/lib/index.js).
    const entry = createRequire(import.meta.url).resolve('mediasoup');
    return (JSON.parse(readFileSync(join(dirname(entry), '../../package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

export function findWorkerBinary(env: NodeJS.ProcessEnv = process.env): WorkerBinary {
  const version = mediasoupVersion();
  if (!version) return { ok: false, reason: 'the mediasoup package is not installed (npm ci)' };
  const fromEnv = env['MEDIASOUP_WORKER_BIN'];
  if (fromEnv && existsSync(fromEnv)) return { ok: true, path: fromEnv, version };
  const dir = join(ROOT, '.cache/mediasoup', version);
  const cached = join(dir, 'mediasoup-worker');
  if (existsSync(cached)) return { ok: true, path: cached, version };
  const failed = join(dir, 'FAILED');
  const why = existsSync(failed) ? readFileSync(failed, 'utf8').trim() : 'scripts/build-mediasoup.sh has not been run (or is still building)';
  return { ok: false, reason: `no mediasoup-worker ${version} binary at ${cached}: ${why}` };
}
