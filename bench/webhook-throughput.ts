/**
 * Webhook events per second delivered from one BroadcastSession to a local
 * receiver, through a local `wrangler dev`. A media-node stand-in accepts the
 * originates; the bench then reports every leg's five call events (signed, in
 * batches) and times until the receiver has them all plus the complete event.
 * Baseline in the same run: Node itself posting the same number of bodies to
 * the same receiver with the same concurrency (the receiver's ceiling).
 *   npx tsx bench/webhook-throughput.ts [--legs=1000]
 */
import { AUTH, signedPost, startBenchWorker, startRecorder, table } from './support/bench-stack.ts';

const legs = Number(process.argv.find((a) => a.startsWith('--legs='))?.split('=')[1] ?? 1000);
const worker = await startBenchWorker();
const seen = new Set<string>();
let received = 0;
let completeAt = 0;
const receiver = await startRecorder((_path, body) => {
  received++;
  const e = JSON.parse(body) as { state?: string };
  if (e.state === 'broadcastcall_complete') completeAt = performance.now();
  return { status: 200, json: { ok: true } };
});
const originates: Array<{ voice_id: string }> = [];
const node = await startRecorder((_path, body) => {
  const batch = JSON.parse(body) as { commands: Array<{ command_id: string; type: string; voice_id: string }> };
  for (const c of batch.commands) if (c.type === 'originate' && !seen.has(c.voice_id)) (seen.add(c.voice_id), originates.push(c));
  return { status: 200, json: { results: batch.commands.map((c) => ({ command_id: c.command_id, ok: true })) } };
});

try {
  const beat = () =>
    signedPost(worker.url, '/internal/media/v1/heartbeat', { node_id: 'bench-node', control_url: node.url, capacity: 100_000, live_calls: 0, draining: false, started_at: 'bench', version: 'bench' });
  await beat();
  const heart = setInterval(() => void beat(), 3000);
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
  console.error("originates received");

  const owner = { kind: 'broadcast', id: broadcast_id };
  const at = () => new Date().toISOString();
  const t0 = performance.now();
  const events = originates.flatMap((o) => [
    { type: 'ringing', voice_id: o.voice_id, owner, seq: 1, at: at(), channel_id: 'c' },
    { type: 'connected', voice_id: o.voice_id, owner, seq: 2, at: at() },
    { type: 'playstate', voice_id: o.voice_id, owner, seq: 3, at: at(), playstate: 'initiated', prompt_ref: 'p1' },
    { type: 'playstate', voice_id: o.voice_id, owner, seq: 4, at: at(), playstate: 'playfinished', prompt_ref: 'p1' },
    { type: 'disconnected', voice_id: o.voice_id, owner, seq: 5, at: at(), cause: 16, reason: 'Normal Clearing', duration_s: 1, hangup_by: 'remote' },
  ]);
  for (let i = 0; i < events.length; i += 500) {
    const r = await signedPost(worker.url, "/internal/media/v1/events", { node_id: "bench-node", events: events.slice(i, i + 500) });
    if (!r.ok) throw new Error(`events batch answered ${r.status}: ${await r.text()}`);
  }
  console.error(`events posted and applied in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  const expected = legs * 5 + 1;
  while (received < expected) await new Promise((r) => setTimeout(r, 20));
  const seconds = (completeAt - t0) / 1000;
  clearInterval(heart);

  // Baseline: the same number of POSTs straight from Node, 64 in flight.
  let next = 0;
  const b0 = performance.now();
  const sample = JSON.stringify(events[0]);
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next++ < expected) {
        // A keep-alive socket closed by the server mid-reuse is retried once, as any client would.
        const post = () => fetch(`${receiver.url}/hook`, { method: 'POST', body: sample, headers: { 'content-type': 'application/json' } });
        await (await post().catch(post)).arrayBuffer();
      }
    }),
  );
  const baseline = (performance.now() - b0) / 1000;
  console.log(`\nWebhook delivery from one BroadcastSession (${legs} legs, ${expected} events)\n`);
  console.log(
    table([
      { path: 'BroadcastSession outbox → receiver', events: expected, seconds: seconds.toFixed(2), 'events/s': Math.round(expected / seconds) },
      { path: 'baseline: Node fetch → receiver (64 in flight)', events: expected, seconds: baseline.toFixed(2), 'events/s': Math.round(expected / baseline) },
    ]),
  );
} finally {
  await Promise.all([receiver.close(), node.close()]);
  await worker.stop();
}
