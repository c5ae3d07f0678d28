// Oversized request bodies on a real `wrangler dev` (workerd behind wrangler's
// dev proxy): a chunked body past the limit is refused with 413 and the
// runtime stays healthy for the next request (issue 16: it used to answer the
// next request 503 "worker restarted mid-request").
import { execSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Agent, get as httpGet, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessGroup } from '../../scripts/stack/child-processes.ts';
import { startLocalWorker, type LocalWorker } from '../../scripts/stack/local-worker.ts';
import { DEMO } from '../../scripts/seed-local.ts';

const PORT = 8979;
const stateDir = `${process.cwd()}/.wrangler/e2e-body-limits-${Date.now()}`;
const group = new ProcessGroup();
let worker: LocalWorker;
const auth = `Basic ${Buffer.from(`${DEMO.appId}:${DEMO.appKey}`).toString('base64')}`;

beforeAll(async () => {
  worker = await startLocalWorker(group, { port: PORT, persistDir: stateDir, logFile: `${stateDir}/worker.log` });
}, 120_000);

afterAll(async () => {
  await group.stopAll();
  if (process.env.KEEP_E2E_STATE) console.log(`state kept in ${stateDir}`);
  else rmSync(stateDir, { recursive: true, force: true });
});

/**
 * POSTs `mib` MiB as a chunked body (no Content-Length) on its own connection,
 * writing as long as the server reads, and resolves with the status it answers.
 */
function postChunked(path: string, mib: number, headers: Record<string, string>, agent: Agent | false = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${worker.url}${path}`, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } });
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    let sent = 0;
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    // Once the server has answered it may stop reading: the upload ends with an error there, which is expected.
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const write = () => {
      while (!answered && sent < mib) {
        sent++;
        if (!req.write(sent === 1 ? Buffer.concat([Buffer.from('{"name":"'), chunk]) : chunk)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

/** The same through fetch (undici): a streamed request body on a kept-alive connection. */
async function fetchChunked(path: string, mib: number, headers: Record<string, string>): Promise<number> {
  const chunk = new Uint8Array(1024 * 1024).fill(120);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < mib) controller.enqueue(chunk);
      else controller.close();
    },
  });
  try {
    const res = await fetch(`${worker.url}${path}`, { method: 'POST', body, duplex: 'half', headers: { 'content-type': 'application/json', ...headers } } as RequestInit);
    await res.arrayBuffer();
    return res.status;
  } catch (err) {
    return -1;
  }
}

/** curl uploading `mib` MiB from a pipe (chunked, no Content-Length), as the probe did; resolves with the status line's code. */
function curlChunked(path: string, mib: number, headers: Record<string, string>): string {
  const h = Object.entries({ 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...headers }).map(([k, v]) => `-H '${k}: ${v}'`).join(' ');
  return execSync(`head -c ${mib}M /dev/zero | tr '\\0' x | curl -s -o /dev/null -w '%{http_code}' -X POST ${h} --data-binary @- ${worker.url}${path}; true`, { encoding: 'utf8', shell: '/bin/bash' });
}

/**
 * GET on a fresh connection: a kept-alive one from before may have been closed by the dev
 * server's idle timeout, a race that has nothing to do with what is tested here.
 */
function getFresh(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpGet(`${worker.url}${path}`, { agent: false, headers: { authorization: auth } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

describe('body limits on wrangler dev', () => {
  it('a body just over the limit is drained: 413, and the same kept-alive connection serves the next request', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await postChunked('/voice/v1/broadcast', 33, { authorization: auth }, agent)).toBe(413);
      const status = await new Promise<number>((resolve, reject) => {
        httpGet(`${worker.url}/healthz`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        }).on('error', reject);
      });
      expect(status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('413 for a chunked body sent by curl, and the next requests are served', async () => {
    expect(curlChunked('/voice/v1/broadcast', 150, { authorization: auth })).toBe('413');
    for (let i = 0; i < 3; i++) expect(await getFresh('/healthz')).toBe(200);
  });


  it('413 for a chunked body sent with fetch, and the next requests are served', async () => {
    expect(await fetchChunked('/voice/v1/broadcast', 40, { authorization: auth })).toBe(413);
    for (let i = 0; i < 3; i++) expect(await getFresh('/healthz')).toBe(200);
  });


  it('413 for a chunked broadcast body over 32 MiB, and the next requests are served', async () => {
    expect(await postChunked('/voice/v1/broadcast', 40, { authorization: auth })).toBe(413);
    for (let i = 0; i < 3; i++) expect(await getFresh('/healthz')).toBe(200);
    expect(await getFresh('/voice/v1/broadcast/00000000-0000-0000-0000-000000000000')).toBe(404);
  });
});
