/**
 * Webhook events per second delivered from one BroadcastSession to a local
 * receiver, through a local `wrangler dev`. A media-node stand-in accepts the
 * originates; the bench then reports every leg's five call events (signed, in
 * batches) and times until the receiver has them all plus the complete event.
 * Baseline in the same run: Node itself posting the same number of bodies to
 * the same receiver, 64 in flight (the receiver's ceiling). Compare the ratio,
 * not the absolute rates: the machine is shared.
 *
 * The 6-connections-per-invocation cap: wrangler dev does not enforce it, so
 * the Worker does (every POST goes through a WebhookSender object holding ≤ 6;
 * docs/webhooks.md), and this bench checks at the receiver that no more than
 * SENDER_SHARDS × 6 requests were ever open at once, and fails if so.
 * Connection resets are counted and reported, never fatal.
 *   npx tsx bench/webhook-throughput.ts [--legs=1000]
 */
import { AUTH, InsistentPoster, startBenchWorker, startRecorder, table } from './support/bench-stack.ts';
import { goalLine, nodeFetchBaseline, startWebhookReceiver } from './support/webhook-receiver.ts';
import { SENDER_SHARDS } from '../worker/src/webhooks/sender-shards.ts';
import { MAX_CONNECTIONS_PER_INVOCATION } from '../worker/src/webhooks/connection-cap.ts';
import { startLoadSample } from './support/machine-load.ts';
import { IsolateProfiler } from './support/isolate-profile.ts';
import { processGroupPids, processName } from './support/webhook-receiver.ts';

const legs = Number(process.argv.find((a) => a.startsWith('--legs='))?.split('=')[1] ?? 1000);
/** --profile: a CPU profile of the Worker isolate while the outbox delivers (where the time goes). */
const profiling = process.argv.includes('--profile');
const worker = await startBenchWorker();
const seen = new Set<string>();
let completeAt = 0;
const ORDER = ['ringing', 'connected', 'initiated', 'playfinished', 'disconnected'];
const progress = new Map<string, number>();
let outOfOrder = 0;
let duplicates = 0;
const eventIds = new Set<string>();
const receiver = await startWebhookReceiver((_path, body, headers) => {
  const id = String(headers["x-crier-event-id"]);
  if (_path !== '/hook') return;
  if (eventIds.has(id)) duplicates++;
  eventIds.add(id);
  const e = JSON.parse(body) as { state?: string; playstate?: string; voice_id?: string };
  if (e.state === 'broadcastcall_complete') return void (completeAt = performance.now());
  const step = ORDER.indexOf(e.playstate ?? e.state ?? '');
  const before = progress.get(e.voice_id!) ?? -1;
  if (step !== before + 1) outOfOrder++;
  progress.set(e.voice_id!, Math.max(before, step));
});
const originates: Array<{ voice_id: string }> = [];
const node = await startRecorder((_path, body) => {
  const batch = JSON.parse(body) as { commands: Array<{ command_id: string; type: string; voice_id: string }> };
  for (const c of batch.commands) if (c.type === 'originate' && !seen.has(c.voice_id)) (seen.add(c.voice_id), originates.push(c));
  return { status: 200, json: { results: batch.commands.map((c) => ({ command_id: c.command_id, ok: true })) } };
});

/** Posts to the Worker as the node would; resets are counted and retried, never fatal. */
const poster = new InsistentPoster(worker.url);

// wrangler dev's inspector proxy listens to every subrequest the Worker makes (DevTools' Network
// domain); production has no such listener. --devtools-network keeps it on to show its cost.
const devtools = process.argv.includes('--devtools-network') ? null : await IsolateProfiler.connect(worker.inspectorPort);
await devtools?.disableNetworkEvents();
console.log(devtools ? "wrangler dev's DevTools network reporting: off (production has none; --devtools-network keeps it)" : "wrangler dev's DevTools network reporting: on (--devtools-network)");

try {
  const beat = () =>
    poster.post('/internal/media/v1/heartbeat', { node_id: 'bench-node', control_url: node.url, capacity: 100_000, live_calls: 0, draining: false, started_at: 'bench', version: 'bench' });
  await beat();
  const heart = setInterval(() => void beat().catch(() => poster.resets++), 3000);
  await fetch(`${worker.url}/voice/v1/account/settings`, {
    method: 'PATCH',
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body: JSON.stringify({ calls_per_second: 1000, max_concurrent_calls: 100_000 }),
  });
  const play = { type: 'tts', text: 'hi', voice: 'Female', language: 'en-US', prompt_ref: 'p1' };
  const res = await fetch(`${worker.url}/voice/v1/broadcast`, {
    method: 'POST',
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'bench', owner_ref: 'bench', from: '12012774877',
      recipients: Array.from({ length: legs }, (_, i) => ({ to: `9715${String(i).padStart(8, '0')}`, play })),
      event_url: `${receiver.url}/hook`, call_handler_url: `${receiver.url}/hook`,
    }),
  });
  const { broadcast_id } = (await res.json()) as { broadcast_id: string };
  while (originates.length < legs) await new Promise((r) => setTimeout(r, 50));
  console.error('originates received');

  const owner = { kind: 'broadcast', id: broadcast_id };
  const at = () => new Date().toISOString();
  // One inspector session at a time answers: the profile shares the one that turned network reporting off.
  const profiler = profiling ? (devtools ?? (await IsolateProfiler.connect(worker.inspectorPort))) : null;
  // A profiler that cannot start is reported, not fatal: the figures stand without it.
  const profileStarted = await profiler?.start().then(() => true, (err: Error) => (console.error(`no CPU profile: ${err.message}`), false));
  const t0 = performance.now();
  const workerPids = processGroupPids(worker.pid);
  const load = startLoadSample([process.pid, ...workerPids]);
  const events = originates.flatMap((o) => [
    { type: 'ringing', voice_id: o.voice_id, owner, seq: 1, at: at(), channel_id: 'c' },
    { type: 'connected', voice_id: o.voice_id, owner, seq: 2, at: at() },
    { type: 'playstate', voice_id: o.voice_id, owner, seq: 3, at: at(), playstate: 'initiated', prompt_ref: 'p1' },
    { type: 'playstate', voice_id: o.voice_id, owner, seq: 4, at: at(), playstate: 'playfinished', prompt_ref: 'p1' },
    { type: 'disconnected', voice_id: o.voice_id, owner, seq: 5, at: at(), cause: 16, reason: 'Normal Clearing', duration_s: 1, hangup_by: 'remote' },
  ]);
  for (let i = 0; i < events.length; i += 500) {
    const r = await poster.post('/internal/media/v1/events', { node_id: 'bench-node', events: events.slice(i, i + 500) });
    if (!r.ok) throw new Error(`events batch answered ${r.status}: ${await r.text()}`);
  }
  const applySeconds = (performance.now() - t0) / 1000;
  console.error(`events posted and applied in ${applySeconds.toFixed(2)} s`);
  const expected = legs * 5 + 1;
  while (completeAt === 0) await new Promise((r) => setTimeout(r, 20));
  const seconds = (completeAt - t0) / 1000;
  const peak = receiver.peakOpen();
  const sample = load();
  // A profile the inspector cannot hand over is reported, not fatal: the figures stand without it.
  const profile = !profileStarted ? undefined : await profiler?.stop(25).catch((err: Error) => (console.error(`no CPU profile: ${err.message}`), undefined));
  clearInterval(heart);

  const baselineLoad = startLoadSample([process.pid, ...workerPids]);
  const baseline = await nodeFetchBaseline(`${receiver.url}/baseline`, JSON.stringify(events[0]), expected, 64);
  const baselineSample = baselineLoad();
  const rate = expected / seconds;
  const baseRate = expected / baseline.seconds;
  const cap = SENDER_SHARDS * MAX_CONNECTIONS_PER_INVOCATION;
  console.log(`\nWebhook delivery from one BroadcastSession (${legs} legs, ${expected} events)\n`);
  console.log(
    table([
      { path: 'BroadcastSession outbox → WebhookSender shards → receiver', events: expected, seconds: seconds.toFixed(2), 'events/s': Math.round(rate), 'peak open at receiver': peak },
      { path: 'baseline: Node fetch → receiver (64 in flight)', events: expected, seconds: baseline.seconds.toFixed(2), 'events/s': Math.round(baseRate), 'peak open at receiver': 64 },
    ]),
  );
  console.log(`\n${goalLine('outbox vs baseline (same run)', rate, baseRate)}`);
  console.log(`applying the ${legs * 5} node events took ${applySeconds.toFixed(2)} s of the outbox's time`);
  const byProcess = workerPids.map((pid) => `${processName(pid)} ${(sample.byPid.get(pid) ?? 0).toFixed(2)}`).join(', ');
  console.log(
    `CPU while the outbox delivered (cores): ${byProcess}; this bench process (receiver) ${sample.byPid.get(process.pid)!.toFixed(2)}; everything else on the machine ${sample.otherCores.toFixed(2)} of 2`,
  );
  // The two phases run one after the other: a ratio is only fair when the rest of the machine took about the same in both.
  console.log(`CPU during the baseline: this bench process ${baselineSample.byPid.get(process.pid)!.toFixed(2)}; everything else on the machine ${baselineSample.otherCores.toFixed(2)} of 2`);
  // CPU per event moves far less with the machine's load than a rate does: the figure to compare between runs.
  const workerCpuMs = (workerPids.reduce((sum, pid) => sum + (sample.byPid.get(pid) ?? 0), 0) * sample.wallS * 1000) / (expected);
  const baselineCpuMs = (baselineSample.byPid.get(process.pid)! * baselineSample.wallS * 1000) / expected;
  console.log(
    `CPU per event: the Worker's processes ${workerCpuMs.toFixed(2)} ms per delivered event (applying the node events included); the baseline's Node process ${baselineCpuMs.toFixed(2)} ms per POST (client and receiver)`,
  );
  console.log(`per-leg order violations: ${outOfOrder}; duplicate deliveries (at-least-once): ${duplicates}; deliveries received: ${receiver.count('/hook')}`);
  console.log(`connection cap: ${SENDER_SHARDS} sender objects × ${MAX_CONNECTIONS_PER_INVOCATION} = ${cap}; peak requests open at the receiver ${peak}`);
  console.log(`connection resets: receiver ${receiver.resets()}, bench → worker ${poster.resets}, baseline ${baseline.resets}`);
  if (profile) {
    console.log('\nWorker isolate CPU profile while delivering (self time, top functions):');
    console.log(table(profile.map((p) => ({ function: p.fn, share: `${(p.share * 100).toFixed(1)} %` }))));
  }
  if (peak > cap) throw new Error(`the receiver saw ${peak} requests open at once, more than ${cap}: the per-invocation cap was not honoured`);
  if (outOfOrder > 0) throw new Error(`${outOfOrder} events arrived out of their leg's order`);
} finally {
  devtools?.close();
  await Promise.all([receiver.close(), node.close()]);
  await worker.stop();
}
