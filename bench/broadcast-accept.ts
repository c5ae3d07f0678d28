/**
 * Time to accept a broadcast of 10,000 and 100,000 recipients through a local
 * `wrangler dev` (real workerd, D1, Durable Objects, R2), beside two baselines
 * measured in the same run: a 1-recipient broadcast (fixed cost per request)
 * and Node parsing + re-serialising the same JSON (the floor for any server).
 *   npm run bench:broadcast [-- --sizes 1000,10000]
 */
import { AUTH, startBenchWorker, table } from './support/bench-stack.ts';

const sizes = (process.argv.find((a) => a.startsWith('--sizes='))?.split('=')[1] ?? '10000,100000').split(',').map(Number);

function body(n: number): string {
  const play = { type: 'tts', text: 'Your appointment is tomorrow at nine.', voice: 'Female', language: 'en-US', prompt_ref: 'p1' };
  return JSON.stringify({
    name: 'bench',
    owner_ref: 'bench',
    from: '12012774877',
    recipients: Array.from({ length: n }, (_, i) => ({ to: `9715${String(i).padStart(8, '0')}`, play })),
    custom_data: { bench: true },
    event_url: 'http://127.0.0.1:9/event',
    call_handler_url: 'http://127.0.0.1:9/event',
  });
}

const worker = await startBenchWorker();
try {
  const rows: Array<Record<string, string | number>> = [];
  for (const n of [1, ...sizes]) {
    const text = body(n);
    const t0 = performance.now();
    JSON.stringify(JSON.parse(text));
    const nodeMs = performance.now() - t0;
    const t1 = performance.now();
    const res = await fetch(`${worker.url}/voice/v1/broadcast`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/json' }, body: text });
    await res.arrayBuffer();
    const ms = performance.now() - t1;
    if (res.status !== 200) throw new Error(`broadcast of ${n} answered ${res.status}`);
    rows.push({
      recipients: n,
      'request MB': (text.length / 1e6).toFixed(2),
      'accept ms': ms.toFixed(0),
      'recipients/s': n > 1 ? Math.round(n / (ms / 1000)) : '-',
      'baseline: Node JSON parse+stringify ms': nodeMs.toFixed(1),
    });
  }
  console.log('\nBroadcast acceptance (wrangler dev, local D1/DO/R2; 1 recipient = per-request baseline)\n');
  console.log(table(rows));
} finally {
  await worker.stop();
}
