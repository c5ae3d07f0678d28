// Fuzz over both OpenAPI documents (issue 16): every operation, every body
// field mutated, hostile path and query parameters, with valid credentials for
// each API. No answer may be a 5xx, and every 4xx is problem+json whose
// `status` is the response's. Seeded: FUZZ_SEED=<n> replays a run (the seed is
// printed); FUZZ_ROUNDS=<n> runs more seeds; FUZZ_FULL=1 sends every
// generated request instead of a seeded sample per operation (several minutes).
import { SELF, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, seedTenant, type SeededTenant } from '../helpers/tenant.ts';
import { PLATFORM_TOKEN, seedDialerTenant } from '../helpers/dialer.ts';
import { operationsOf, requestsFor, rng, type FuzzRequest, type Operation } from './openapi-generator.ts';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const PER_REQUEST_TIMEOUT_MS = 15_000;
const IN_FLIGHT = 6;

interface Failure {
  op: string;
  mutation: string;
  status: number;
  why: string;
  body: string;
}

/** The Authorization header each security scheme needs; a fresh tenant per operation so nothing one does (logout, deletes, rate limits) touches the next. */
async function credentials(op: Operation): Promise<Record<string, string>> {
  switch (op.security) {
    case 'basicAuth': {
      const t: SeededTenant = await seedTenant({ allowedCountries: [] });
      return { authorization: t.auth };
    }
    case 'bearerAuth':
      return { authorization: `Bearer ${(await seedDialerTenant()).admin.token}` };
    case 'platformToken':
      return { authorization: `Bearer ${PLATFORM_TOKEN}` };
    default:
      return {};
  }
}

async function send(req: FuzzRequest, auth: Record<string, string>): Promise<Failure | null> {
  const headers: Record<string, string> = { ...auth };
  if (req.contentType) headers['content-type'] = req.contentType;
  const res = await SELF.fetch(req.url, { method: req.op.method, headers, body: req.body, signal: AbortSignal.timeout(PER_REQUEST_TIMEOUT_MS) });
  const type = res.headers.get('content-type') ?? '';
  // Streams (event feeds) are not read to their end.
  const text = type.startsWith('text/event-stream') ? (await res.body?.cancel(), '') : await res.text();
  const fail = (why: string): Failure => ({ op: `${req.op.method} ${req.op.path}`, mutation: req.mutation, status: res.status, why, body: text.slice(0, 300) });
  if (res.status >= 500) return fail('5xx');
  if (res.status >= 400) {
    if (type !== 'application/problem+json') return fail(`4xx with content-type ${type || 'none'}`);
    let status: unknown;
    try {
      status = (JSON.parse(text) as { status?: unknown }).status;
    } catch {
      return fail('4xx body is not JSON');
    }
    if (status !== res.status) return fail(`problem status ${String(status)} ≠ ${res.status}`);
  }
  return null;
}

/**
 * Keeps the suite under two minutes on a busy two-core machine: the plausible
 * request and a seeded sample of the mutations, PER_OPERATION in all (each
 * seed samples differently). FUZZ_FULL=1 sends every generated request.
 */
const PER_OPERATION = 10;
function sized(list: FuzzRequest[], random: () => number, sample: boolean): FuzzRequest[] {
  if (!sample || process.env.FUZZ_FULL || list.length <= PER_OPERATION) return list;
  const [first, ...rest] = list;
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  return [first!, ...rest.slice(0, PER_OPERATION - 1)];
}

async function fuzzDocument(docPath: string, seed: number, sample: boolean): Promise<{ requests: number; failures: Failure[] }> {
  const doc = (await (await SELF.fetch(`${BASE}${docPath}`)).json()) as Parameters<typeof operationsOf>[0];
  const ops = operationsOf(doc);
  expect(ops.length).toBeGreaterThan(5);
  const ctx = { doc, random: rng(seed), safeUrl: `${env.RECEIVER_URL}/hooks/fuzz` };
  const failures: Failure[] = [];
  let requests = 0;
  for (const op of ops) {
    const started = Date.now();
    const auth = await credentials(op);
    const list = sized(requestsFor(ctx, op, BASE), ctx.random, sample);
    // A few in flight at once: each request mostly waits on D1 and Durable Objects.
    let next = 0;
    const lane = async () => {
      while (next < list.length) {
        const req = list[next++]!;
        const failure = await send(req, auth);
        if (failure) failures.push(failure);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    requests += list.length;
    if (process.env.FUZZ_VERBOSE) console.log(`${op.method} ${op.path}: ${list.length} requests in ${Date.now() - started} ms`);
  }
  return { requests, failures };
}

const rounds = Number(process.env.FUZZ_ROUNDS ?? 1);

// The broadcast API answers in milliseconds and gets every request; the dialer API's
// ~70 operations (a rate limiter and a user lookup per request) get the sample.
describe.each([
  ['broadcast API', '/voice/v1/openapi.json', false],
  ['dialer API', '/v1/openapi.json', true],
])('fuzz: %s', (_name, docPath, sample) => {
  it(`no 5xx, every 4xx problem+json (seed ${SEED}; replay with FUZZ_SEED=${SEED})`, async () => {
    for (let round = 0; round < rounds; round++) {
      const seed = SEED + round;
      const { requests, failures } = await fuzzDocument(docPath, seed, sample);
      console.log(`fuzz ${docPath}: seed ${seed}, ${requests} requests, ${failures.length} failures`);
      expect(failures, `seed ${seed}: replay with FUZZ_SEED=${seed}`).toEqual([]);
    }
  }, process.env.FUZZ_FULL ? 1_800_000 : 150_000);
});
