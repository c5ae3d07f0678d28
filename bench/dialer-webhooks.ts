/**
 * Dialer-API call.* webhooks raised by a broadcast's legs, through a local
 * `wrangler dev`: one tenant subscribes a receiver to call.initiated /
 * answered / completed, a broadcast of N legs is dialled to a media-node
 * stand-in, every leg rings, answers and hangs up (node events in signed
 * batches), and the bench times until the receiver holds all 3N events.
 * The same broadcast for a tenant without subscribers shows what raising
 * events nobody wants costs the session (applying the node events).
 * Baseline in the same run: Node posting 3N bodies to the same receiver,
 * 64 in flight (the receiver's ceiling). Compare ratios within one run: the
 * machine is shared. Both outboxes POST through WebhookSender objects of ≤ 6
 * connections each (Cloudflare's per-invocation cap; wrangler dev does not
 * enforce it, the Worker does); the receivers check that no more than
 * SENDER_SHARDS × 6 requests per outbox were ever open at once. Connection
 * resets are counted and reported, never fatal.
 *
 * An additional figure follows, labelled as such (docs/webhooks.md "Third
 * pass"): the dialer outbox delivering on its own. A third tenant's receiver
 * holds its replies from the first node event until the session has applied
 * every node event and the broadcast's own outbox has delivered (at most 8 s,
 * within the 10 s an attempt is given), so TenantEvents piles up a backlog;
 * then it answers, and the bench times the backlog's delivery with nothing
 * else on the isolate's thread: what TenantEvents and its senders deliver
 * when, as in production, the session is another object. Its enqueue is
 * not in that window (it happened while the replies were held).
 *   npx tsx bench/dialer-webhooks.ts [--legs=1000] [--profile[=file.cpuprofile]] [--profile-backlog[=file]] [--no-backlog]
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InsistentPoster, startBenchWorker, startRecorder, table } from './support/bench-stack.ts';
import { goalLine, nodeFetchBaseline, startWebhookReceiver } from './support/webhook-receiver.ts';
import { SENDER_SHARDS } from '../worker/src/webhooks/sender-shards.ts';
import { MAX_CONNECTIONS_PER_INVOCATION } from '../worker/src/webhooks/connection-cap.ts';
import { IsolateProfiler } from './support/isolate-profile.ts';
import { startLoadSample, type LoadSample } from './support/machine-load.ts';
import { processGroupPids, processName } from './support/webhook-receiver.ts';

const legs = Number(process.argv.find((a) => a.startsWith('--legs='))?.split('=')[1] ?? 1000);
/** --profile: a CPU profile of the Worker isolate while both outboxes deliver (where the time goes); --profile=FILE also keeps the whole profile. */
const profileArg = process.argv.find((a) => a === '--profile' || a.startsWith('--profile='));
const profiling = profileArg !== undefined;
const profileFile = profileArg?.split('=')[1];
/** --profile-backlog: the same for the backlog phase (the dialer outbox on its own); =FILE keeps it. */
const backlogProfileArg = process.argv.find((a) => a === '--profile-backlog' || a.startsWith('--profile-backlog='));
const PLATFORM_TOKEN = 'bench-platform-token-0123456789abcdef';
const worker = await startBenchWorker({ vars: { PLATFORM_ADMIN_TOKEN: PLATFORM_TOKEN, WEBHOOK_ALLOW_LOOPBACK: 'true', RATE_LIMIT_PER_MINUTE: '1000000' } });

const raw: string[] = [];
const sigs: string[] = [];
/** While set, the dialer receiver holds its replies on /held (the backlog phase below). */
let backlogHold: Promise<void> | undefined;
const dialer = await startWebhookReceiver(
  (_path, body, headers) => {
    if (_path === '/hook' && raw.length < 20) raw.push(body), sigs.push(String(headers['x-broadnet-signature']));
  },
  (path) => (path === '/held' ? backlogHold : undefined),
);
const broadcastHooks = await startWebhookReceiver();
const originates = new Map<string, Array<{ voice_id: string }>>();
const node = await startRecorder((_path, body) => {
  const batch = JSON.parse(body) as { commands: Array<{ command_id: string; type: string; voice_id: string; owner: { id: string } }> };
  for (const c of batch.commands) if (c.type === 'originate') (originates.get(c.owner.id) ?? originates.set(c.owner.id, []).get(c.owner.id)!).push(c);
  return { status: 200, json: { results: batch.commands.map((c) => ({ command_id: c.command_id, ok: true })) } };
});

/** Posts to the Worker as the node would; resets are counted and retried, never fatal. */
const poster = new InsistentPoster(worker.url);

async function json(res: Response): Promise<any> {
  if (!res.ok) throw new Error(`${res.url} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/** A tenant with an admin token and broadcast credentials, paced fast. */
async function tenant(name: string) {
  const email = `admin-${Math.random().toString(16).slice(2)}@bench.test`;
  const password = 'bench password 123';
  await json(await fetch(`${worker.url}/v1/platform/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${PLATFORM_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, admin: { email, full_name: 'Bench Admin', password } }),
  }));
  const { access_token } = await json(await fetch(`${worker.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) }));
  const bearer = { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' };
  const app = await json(await fetch(`${worker.url}/v1/apps`, { method: 'POST', headers: bearer, body: JSON.stringify({ name: 'bench' }) }));
  const basic = `Basic ${Buffer.from(`${app.app_id}:${app.app_key}`).toString('base64')}`;
  // Every leg passes the dial-time compliance gate whatever the hour: the caller ID is owned, AE is open around the clock.
  await json(await fetch(`${worker.url}/v1/cli-groups`, { method: 'POST', headers: bearer, body: JSON.stringify({ name: 'Bench CLIs', numbers: ['+12012774877'] }) }));
  const allWeek = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  await json(await fetch(`${worker.url}/v1/compliance/rules/AE`, {
    method: 'PUT',
    headers: bearer,
    body: JSON.stringify({ calling_windows: [{ days: allWeek, start: '00:00', end: '24:00' }], consent_required: false }),
  }));
  await json(await fetch(`${worker.url}/voice/v1/account/settings`, {
    method: 'PATCH',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: JSON.stringify({ calls_per_second: 1000, max_concurrent_calls: 100_000 }),
  }));
  return { bearer, basic };
}

/** Dials `legs` legs, then reports ring → answer → hang-up for each; returns when the first node event left and how long applying them took. */
async function runBroadcast(basic: string, tag: string, atT0: () => void | Promise<void> = () => {}): Promise<{ t0: number; applySeconds: number; deliveredByApplied: { dialer: number; broadcast: number } }> {
  const play = { type: 'tts', text: 'hi', voice: 'Female', language: 'en-US', prompt_ref: 'p1' };
  const dialStart = performance.now();
  const { broadcast_id } = await json(await fetch(`${worker.url}/voice/v1/broadcast`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: tag, owner_ref: tag, from: '12012774877',
      recipients: Array.from({ length: legs }, (_, i) => ({ to: `9715${String(i).padStart(8, '0')}`, play })),
      event_url: `${broadcastHooks.url}/${tag}`, call_handler_url: `${broadcastHooks.url}/${tag}`,
    }),
  }));
  while ((originates.get(broadcast_id)?.length ?? 0) < legs) await new Promise((r) => setTimeout(r, 50));
  // Not a figure of the goal: dialling (acceptance, the compliance gate, originate commands) happens before t0.
  console.log(`${tag}: ${legs} legs accepted and dialled in ${((performance.now() - dialStart) / 1000).toFixed(2)} s`);
  const owner = { kind: 'broadcast', id: broadcast_id };
  const at = () => new Date().toISOString();
  const events = originates.get(broadcast_id)!.flatMap((o) => [
    { type: 'ringing', voice_id: o.voice_id, owner, seq: 1, at: at(), channel_id: 'c' },
    { type: 'connected', voice_id: o.voice_id, owner, seq: 2, at: at() },
    { type: 'disconnected', voice_id: o.voice_id, owner, seq: 3, at: at(), cause: 16, reason: 'Normal Clearing', duration_s: 1, hangup_by: 'remote' },
  ]);
  await atT0();
  const t0 = performance.now();
  // --marks: CLOCK_MONOTONIC seconds, to cut a `perf record -k CLOCK_MONOTONIC` of workerd to the measured window.
  if (process.argv.includes('--marks')) console.log(`mark ${tag} t0 ${Number(process.hrtime.bigint()) / 1e9}`);
  for (let i = 0; i < events.length; i += 500) {
    const r = await poster.post('/internal/media/v1/events', { node_id: 'bench-node', events: events.slice(i, i + 500) });
    if (!r.ok) throw new Error(`events batch answered ${r.status}: ${await r.text()}`);
  }
  // What had arrived when the last batch was applied: the rest was delivered with the thread free of node events.
  return { t0, applySeconds: (performance.now() - t0) / 1000, deliveredByApplied: { dialer: dialer.count('/hook'), broadcast: broadcastHooks.count(`/${tag}`) } };
}

// wrangler dev's inspector proxy listens to every subrequest the Worker makes (DevTools' Network
// domain); production has no such listener. --devtools-network keeps it on to show its cost.
const devtools = process.argv.includes('--devtools-network') ? null : await IsolateProfiler.connect(worker.inspectorPort);
await devtools?.disableNetworkEvents();
console.log(devtools ? "wrangler dev's DevTools network reporting: off (production has none; --devtools-network keeps it)" : "wrangler dev's DevTools network reporting: on (--devtools-network)");

try {
  const beat = () =>
    poster.post('/internal/media/v1/heartbeat', { node_id: 'bench-node', control_url: node.url, capacity: 1_000_000, live_calls: 0, draining: false, started_at: 'bench', version: 'bench' });
  await beat();
  const heart = setInterval(() => void beat().catch(() => poster.resets++), 3000);

  const quiet = await tenant('no subscribers');
  const { applySeconds: quietApply } = await runBroadcast(quiet.basic, 'quiet');

  const busy = await tenant('subscribed');
  const sub = await json(await fetch(`${worker.url}/v1/webhooks`, {
    method: 'POST',
    headers: busy.bearer,
    body: JSON.stringify({ url: `${dialer.url}/hook`, event_types: ['call.initiated', 'call.answered', 'call.completed'] }),
  }));
  // One inspector session at a time answers: the profile shares the one that turned network reporting off.
  const profiler = profiling ? (devtools ?? (await IsolateProfiler.connect(worker.inspectorPort))) : null;
  let profileStarted = false;
  let beforeT0 = 0;
  const workerPids = processGroupPids(worker.pid);
  let load: (() => LoadSample) | null = null;
  const { t0, applySeconds: busyApply, deliveredByApplied } = await runBroadcast(busy.basic, 'busy', async () => {
    // From the first node event, like the figures: dialling (compliance, originate commands) is not what they measure.
    profileStarted = (await profiler?.start().then(() => true, (err: Error) => (console.error(`no CPU profile: ${err.message}`), false))) ?? false;
    beforeT0 = dialer.count('/hook');
    dialer.resetPeak();
    broadcastHooks.resetPeak();
    load = startLoadSample([process.pid, ...workerPids]);
  });
  const expected = legs * 3;
  const deadline = Date.now() + 600_000;
  const broadcastExpected = legs * 3 + 1;
  while ((dialer.count('/hook') < expected || broadcastHooks.count('/busy') < broadcastExpected) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (dialer.count('/hook') < expected) throw new Error(`only ${dialer.count('/hook')} of ${expected} dialer events arrived`);
  // call.initiated events leave while legs are dialled, before t0: count only what arrived after it.
  if (process.argv.includes('--marks')) console.log(`mark delivered ${Number(process.hrtime.bigint()) / 1e9}`);
  const seconds = (dialer.lastAt('/hook') - t0) / 1000;
  const broadcastSeconds = (broadcastHooks.lastAt('/busy') - t0) / 1000;
  const peaks = { dialer: dialer.peakOpen(), broadcast: broadcastHooks.peakOpen() };
  const sample = load!();
  const profile = !profileStarted ? undefined : await profiler?.stop(25, profileFile, profiler === devtools).catch((err: Error) => (console.error(`no CPU profile: ${err.message}`), undefined));
  clearInterval(heart);
  const verified = raw.every((body, i) => {
    const expectedSig = Buffer.from(`sha256=${createHmac('sha256', sub.secret).update(Buffer.from(body)).digest('hex')}`);
    const got = Buffer.from(sigs[i]!);
    return got.length === expectedSig.length && timingSafeEqual(got, expectedSig);
  });

  // Baseline: the same number of POSTs straight from Node, 64 in flight.
  const baselineLoad = startLoadSample([process.pid, ...workerPids]);
  const base = await nodeFetchBaseline(`${dialer.url}/baseline`, raw[0]!, expected, 64);
  const baselineSample = baselineLoad();
  const baseline = base.seconds;

  console.log(`\nDialer call.* webhooks from a broadcast of ${legs} legs (${expected} events; ${raw.length} sampled signatures verified: ${verified}).`);
  console.log('Counted from the first node event to the last delivery; call.initiated events delivered while dialling are left out.\n');
  console.log(
    table([
      { path: 'dialer: legs → TenantEvents outbox → receiver', events: expected - beforeT0, seconds: seconds.toFixed(2), 'events/s': Math.round((expected - beforeT0) / seconds) },
      { path: 'same run: the broadcast\'s own outbox → event_url', events: broadcastExpected, seconds: broadcastSeconds.toFixed(2), 'events/s': Math.round(broadcastExpected / broadcastSeconds) },
      { path: 'baseline: Node fetch → receiver (64 in flight)', events: expected, seconds: baseline.toFixed(2), 'events/s': Math.round(expected / baseline) },
    ]),
  );
  const dialerRate = (expected - beforeT0) / seconds;
  const baseRate = expected / baseline;
  const cap = SENDER_SHARDS * MAX_CONNECTIONS_PER_INVOCATION;
  console.log('');
  console.log(goalLine('dialer outbox vs baseline (same run)', dialerRate, baseRate));
  console.log(goalLine('broadcast outbox vs baseline (same run)', broadcastExpected / broadcastSeconds, baseRate));
  console.log(`connection cap: ${SENDER_SHARDS} sender objects × ${MAX_CONNECTIONS_PER_INVOCATION} = ${cap} per outbox; peak requests open at the receivers: dialer ${peaks.dialer}, broadcast ${peaks.broadcast}`);
  const byProcess = workerPids.map((pid) => `${processName(pid)} ${(sample.byPid.get(pid) ?? 0).toFixed(2)}`).join(', ');
  console.log(
    `CPU while both outboxes delivered (cores): ${byProcess}; this bench process (receivers) ${sample.byPid.get(process.pid)!.toFixed(2)}; everything else on the machine ${sample.otherCores.toFixed(2)} of 2`,
  );
  // The two phases run one after the other: a ratio is only fair when the rest of the machine took about the same in both.
  console.log(`CPU during the baseline: this bench process ${baselineSample.byPid.get(process.pid)!.toFixed(2)}; everything else on the machine ${baselineSample.otherCores.toFixed(2)} of 2`);
  // CPU per event moves far less with the machine's load than a rate does: the figure to compare between runs.
  const workerCpuMs = (workerPids.reduce((sum, pid) => sum + (sample.byPid.get(pid) ?? 0), 0) * sample.wallS * 1000) / ((expected - beforeT0) + broadcastExpected);
  const baselineCpuMs = (baselineSample.byPid.get(process.pid)! * baselineSample.wallS * 1000) / expected;
  console.log(
    `CPU per event: the Worker's processes ${workerCpuMs.toFixed(2)} ms per delivered event, both outboxes together (applying the node events included); the baseline's Node process ${baselineCpuMs.toFixed(2)} ms per POST (client and receiver)`,
  );
  // Connection reuse: a sender that gave up its connection after each reply would open one per delivery.
  console.log(`TCP connections accepted so far: dialer receiver ${dialer.connections()} (baseline's included), broadcast receiver ${broadcastHooks.connections()}`);
  console.log(`connection resets: dialer receiver ${dialer.resets()}, broadcast receiver ${broadcastHooks.resets()}, bench → worker ${poster.resets}, baseline ${base.resets}`);
  if (peaks.dialer > cap || peaks.broadcast > cap) throw new Error('a receiver saw more requests open at once than the senders\' connections: the per-invocation cap was not honoured');
  console.log(`\nApplying the ${expected} node events in the BroadcastSession (batches of 500):`);
  console.log(
    table([
      { tenant: 'no dialer subscribers (nothing recorded)', seconds: quietApply.toFixed(2) },
      { tenant: 'subscribed to call.* (recorded, handed over after each batch)', seconds: busyApply.toFixed(2) },
    ]),
  );
  console.log(
    `Delivered when the last batch had been applied (subscribed tenant): dialer ${deliveredByApplied.dialer - beforeT0} of ${expected - beforeT0}, broadcast ${deliveredByApplied.broadcast} of ${broadcastExpected}`,
  );
  if (profile) {
    console.log('\nWorker isolate CPU profile while both outboxes delivered (self time, top functions):');
    console.log(table(profile.map((p) => ({ function: p.fn, share: `${(p.share * 100).toFixed(1)} %` }))));
  }

  if (!process.argv.includes('--no-backlog')) {
    const lone = await tenant('backlog');
    await json(await fetch(`${worker.url}/v1/webhooks`, {
      method: 'POST',
      headers: lone.bearer,
      body: JSON.stringify({ url: `${dialer.url}/held`, event_types: ['call.initiated', 'call.answered', 'call.completed'] }),
    }));
    let release!: () => void;
    let heldFrom = 0;
    const { t0: loneT0, applySeconds: loneApply } = await runBroadcast(lone.basic, 'held', () => {
      heldFrom = dialer.count('/held');
      backlogHold = new Promise<void>((r) => (release = r));
    });
    // Held for less than the 10 s an attempt is given, so no attempt fails and nothing waits for a retry.
    while (broadcastHooks.count('/held') < broadcastExpected && performance.now() - loneT0 < 8_000) await new Promise((r) => setTimeout(r, 20));
    const competing = broadcastExpected - broadcastHooks.count('/held');
    const drainLoad = startLoadSample([process.pid, ...workerPids]);
    const backlogProfiler = backlogProfileArg === undefined ? null : (devtools ?? (await IsolateProfiler.connect(worker.inspectorPort)));
    const backlogProfiling = (await backlogProfiler?.start().then(() => true, (err: Error) => (console.error(`no CPU profile: ${err.message}`), false))) ?? false;
    dialer.resetPeak();
    const released = performance.now();
    backlogHold = undefined;
    release();
    const drainDeadline = Date.now() + 300_000;
    while (dialer.count('/held') < expected && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 20));
    if (dialer.count('/held') < expected) throw new Error(`backlog phase: only ${dialer.count('/held')} of ${expected} dialer events arrived`);
    const drainSample = drainLoad();
    const backlogProfile = !backlogProfiling
      ? undefined
      : await backlogProfiler?.stop(25, backlogProfileArg?.split('=')[1], backlogProfiler === devtools).catch((err: Error) => (console.error(`no CPU profile: ${err.message}`), undefined));
    if (dialer.peakOpen() > cap) throw new Error('backlog phase: the receiver saw more requests open at once than the senders\' connections');
    const drained = expected - heldFrom;
    const drainSeconds = (dialer.lastAt('/held') - released) / 1000;
    console.log(`\nAdditional figure, not the end-to-end one above: the dialer outbox delivering a backlog on its own (another tenant, the same ${legs}-leg broadcast).`);
    console.log(
      `Replies held from the first node event until the session had applied them all (${loneApply.toFixed(2)} s) and the broadcast's own outbox had delivered (${competing === 0 ? 'it had' : `${competing} of its events still to go`}); timed from the release to the last delivery.\n`,
    );
    console.log(table([{ path: 'dialer backlog: TenantEvents outbox → receiver', events: drained, seconds: drainSeconds.toFixed(2), 'events/s': Math.round(drained / drainSeconds) }]));
    console.log('');
    console.log(goalLine('dialer outbox on its own vs baseline', drained / drainSeconds, baseRate));
    const drainWorkerCpuMs = (workerPids.reduce((sum, pid) => sum + (drainSample.byPid.get(pid) ?? 0), 0) * drainSample.wallS * 1000) / drained;
    console.log(
      `CPU while the backlog was delivered: the Worker's processes ${drainWorkerCpuMs.toFixed(2)} ms per delivered event; this bench process ${drainSample.byPid.get(process.pid)!.toFixed(2)} cores; everything else on the machine ${drainSample.otherCores.toFixed(2)} of 2; peak open at the receiver ${dialer.peakOpen()}`,
    );
    if (backlogProfile) {
      console.log('\nWorker isolate CPU profile while the backlog was delivered (self time, top functions):');
      console.log(table(backlogProfile.map((p) => ({ function: p.fn, share: `${(p.share * 100).toFixed(1)} %` }))));
    }
  }
} finally {
  devtools?.close();
  await Promise.all([dialer.close(), broadcastHooks.close(), node.close()]);
  await worker.stop();
}
