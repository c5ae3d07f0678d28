/**
 * What compliance costs, through a local `wrangler dev` (real workerd,
 * Miniflare D1 / Durable Objects), each figure beside a baseline from the
 * same run:
 *  1. POST /v1/compliance/check latency (sequential requests) beside GET
 *     /v1/tenant — the same bearer auth, rate limit and a one-row D1 read.
 *  2. Importing 50,000 numbers into a national registry beside Node parsing
 *     the same 50,000 with libphonenumber-js (work any import must do).
 *  3. A broadcast's dispatch through the dial-time gate: time until a
 *     stand-in node has every originate (every leg checked and audited, then
 *     dialled), beside the same broadcast refused by the gate (every leg
 *     checked, audited and ended, none dialled — but each refused leg sends a
 *     `disconnected` webhook, so this path is bounded by webhook delivery).
 *   npm run bench:compliance [-- --checks=300 --legs=2000]
 */
import { parseE164 } from '../worker/src/phone/e164.ts';
import { AUTH, signedPost, startBenchWorker, startRecorder, table } from './support/bench-stack.ts';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const checks = arg('checks', 300);
const legs = arg('legs', 2000);
const PLATFORM_TOKEN = `bench-platform-token-${crypto.randomUUID()}`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const worker = await startBenchWorker({ vars: { PLATFORM_ADMIN_TOKEN: PLATFORM_TOKEN, RATE_LIMIT_PER_MINUTE: '100000' } });
const receiver = await startRecorder(() => ({ status: 200, json: { ok: true } }));
const originated = new Set<string>();
const node = await startRecorder((_path, body) => {
  const batch = JSON.parse(body) as { commands: Array<{ command_id: string; type: string; voice_id: string }> };
  for (const c of batch.commands) if (c.type === 'originate') originated.add(c.voice_id);
  return { status: 200, json: { results: batch.commands.map((c) => ({ command_id: c.command_id, ok: true })) } };
});

try {
  const api = (path: string, init: { method?: string; token?: string; body?: unknown } = {}) =>
    fetch(`${worker.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });

  // A dialer tenant and its admin, through the operator API; rules open every hour in AE so checks run every check.
  const email = `bench-${crypto.randomUUID().slice(0, 8)}@bench.test`;
  const created = await api('/v1/platform/tenants', { method: 'POST', token: PLATFORM_TOKEN, body: { name: 'Bench', admin: { email, full_name: 'Bench Admin', password: 'bench password 1' } } });
  if (created.status !== 201) throw new Error(`tenant creation answered ${created.status}: ${await created.text()}`);
  const { access_token: token } = (await (await api('/v1/auth/login', { method: 'POST', body: { email, password: 'bench password 1' } })).json()) as { access_token: string };
  const always = { calling_windows: [{ days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], start: '00:00', end: '24:00' }], consent_required: false };
  await api('/v1/compliance/rules/AE', { method: 'PUT', token, body: always });

  // 1. Check latency beside the baseline route.
  const time = async (n: number, request: (i: number) => Promise<Response>) => {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const res = await request(i);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`answered ${res.status}`);
      ms.push(performance.now() - t0);
    }
    return ms;
  };
  await time(20, () => api('/v1/tenant', { token })); // warm-up
  const baselineMs = await time(checks, () => api('/v1/tenant', { token }));
  const checkMs = await time(checks, (i) => api('/v1/compliance/check', { method: 'POST', token, body: { phone: `+97150${String(1_000_000 + i).padStart(7, '0')}` } }));

  // 2. Registry import beside Node's own parsing of the same numbers.
  const phones = Array.from({ length: 50_000 }, (_, i) => `+97152${String(i).padStart(7, '0')}`);
  const p0 = performance.now();
  for (const p of phones) parseE164(p);
  const parseMs = performance.now() - p0;
  const i0 = performance.now();
  const imported = await api('/v1/platform/dnc-registries/TDRA/numbers', { method: 'POST', token: PLATFORM_TOKEN, body: { phones } });
  const importBody = (await imported.json()) as { added: number };
  const importMs = performance.now() - i0;
  if (importBody.added !== 50_000) throw new Error(`import added ${importBody.added}`);

  // 3. Dispatch through the gate: dialled (the demo tenant owns 12012774877) beside refused (a caller ID it does not own).
  const beat = () => signedPost(worker.url, '/internal/media/v1/heartbeat', { node_id: 'bench-node', control_url: node.url, capacity: 100_000, live_calls: 0, draining: false, started_at: 'bench', version: 'bench' });
  await beat();
  const heart = setInterval(() => void beat(), 3000);
  await fetch(`${worker.url}/voice/v1/account/settings`, { method: 'PATCH', headers: { authorization: AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ calls_per_second: 1000, max_concurrent_calls: 100_000 }) });
  const broadcast = async (from: string, offset: number) => {
    const play = { type: 'tts', text: 'hi', voice: 'Female', language: 'en-US', prompt_ref: 'p1' };
    const res = await fetch(`${worker.url}/voice/v1/broadcast`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'bench', owner_ref: 'bench', from,
        recipients: Array.from({ length: legs }, (_, i) => ({ to: `9715${String(offset + i).padStart(8, '0')}`, play })),
        event_url: `${receiver.url}/hook`, call_handler_url: `${receiver.url}/hook`,
      }),
    });
    if (res.status !== 200) throw new Error(`broadcast answered ${res.status}`);
    return ((await res.json()) as { broadcast_id: string }).broadcast_id;
  };
  const legStates = async (id: string) => ((await (await fetch(`${worker.url}/voice/v1/broadcast/${id}`, { headers: { authorization: AUTH } })).json()) as { legs: Record<string, number> }).legs;

  const d0 = performance.now();
  await broadcast('12012774877', 0);
  while (originated.size < legs) await new Promise((r) => setTimeout(r, 20));
  const dialMs = performance.now() - d0;

  const r0 = performance.now();
  const refusedId = await broadcast('12025550199', legs);
  while (((await legStates(refusedId)).failed ?? 0) < legs) await new Promise((r) => setTimeout(r, 50));
  const refuseMs = performance.now() - r0;
  clearInterval(heart);

  console.log(`\nCompliance costs (wrangler dev, local D1/DO; ${checks} sequential requests, ${legs}-leg broadcasts)\n`);
  console.log(
    table([
      { measure: 'POST /v1/compliance/check', p50: `${percentile(checkMs, 50).toFixed(1)} ms`, p95: `${percentile(checkMs, 95).toFixed(1)} ms`, baseline: `GET /v1/tenant p50 ${percentile(baselineMs, 50).toFixed(1)} ms, p95 ${percentile(baselineMs, 95).toFixed(1)} ms` },
      { measure: 'import 50,000 into TDRA', p50: `${importMs.toFixed(0)} ms`, p95: '-', baseline: `Node parses the 50,000: ${parseMs.toFixed(0)} ms` },
      { measure: `dispatch ${legs} legs through the gate`, p50: `${dialMs.toFixed(0)} ms (${Math.round(legs / (dialMs / 1000))} legs/s)`, p95: '-', baseline: `same broadcast, every leg refused (+ one webhook each): ${refuseMs.toFixed(0)} ms (${Math.round(legs / (refuseMs / 1000))} legs/s)` },
    ]),
  );
} finally {
  await Promise.all([receiver.close(), node.close()]);
  await worker.stop();
}
