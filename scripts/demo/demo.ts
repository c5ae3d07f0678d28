/**
 * `npm run demo`: the local stack, end to end, in two acts.
 * 1. A broadcast (broadcast-act.ts): 24 recipients, all four play types, AMD.
 * 2. A campaign with agents (campaign-act.ts): 300 contacts, predictive, three
 *    baresip agents, shown live, closed with the campaign's summary.
 * Starts the stack if it is not running (and stops it at the end); exits 0
 * only if both acts passed. Whatever the demo started (softphones, receivers,
 * subscriptions, the stack) is stopped on success, failure, Ctrl-C or SIGTERM.
 */
import { DEFAULT_PORTS, startStack, type Stack } from '../stack/stack.ts';
import type { ActContext } from './act-context.ts';
import { runBroadcastAct } from './broadcast-act.ts';
import { runCampaignAct } from './campaign-act.ts';

const API = `http://127.0.0.1:${DEFAULT_PORTS.worker}`;
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

async function stackIsUp(): Promise<boolean> {
  try {
    const res = await fetch(`${API}/healthz`, { signal: AbortSignal.timeout(1000) });
    return res.ok && ((await res.json()) as { live_media_nodes: number }).live_media_nodes > 0;
  } catch {
    return false;
  }
}

const stops: Array<() => Promise<void>> = [];
let cleaning: Promise<void> | null = null;

/** Runs every deferred stop once, newest first; one that fails does not keep the others from running. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const stop of stops.reverse()) await stop().catch((err: Error) => console.error(`cleanup: ${err.message}`));
  })();
  return cleaning;
}

async function main(): Promise<number> {
  // Every signal, not only the first: Ctrl-C reaches this process from the terminal and again relayed by
  // npm and tsx, and a second SIGINT left to its default would kill the demo half-way through its cleanup.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (cleaning) return;
      console.log(`\n${signal}: stopping what the demo started…`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
  let stack: Stack | null = null;
  if (!(await stackIsUp())) {
    console.log('Starting the local stack (wrangler dev, media node, SIPp carrier)…');
    // baresip 1.x answers MD5 digest challenges only (docs/agents-sip.md).
    stack = await startStack({ mediaEnv: { REGISTER_DIGEST_ALGORITHMS: 'MD5' } });
    const started = stack;
    stops.push(() => started.stop());
    console.log(`[${elapsed()}] stack ready`);
  }
  const ctx: ActContext = {
    api: API,
    mediaSipPort: stack?.ports.mediaSip ?? DEFAULT_PORTS.mediaSip,
    tty: process.stdout.isTTY === true,
    elapsed,
    defer: (stop) => void stops.push(stop),
  };
  try {
    console.log(`\n== Act 1: a broadcast to 24 numbers ==`);
    const broadcast = await runBroadcastAct(ctx);
    console.log(`\n== Act 2: a predictive campaign, 300 contacts, three agents ==`);
    const campaign = await runCampaignAct(ctx);
    console.log('');
    console.log(`broadcast act ${broadcast ? 'passed' : 'FAILED'}, campaign act ${campaign ? 'passed' : 'FAILED'}; demo took ${elapsed()}.`);
    console.log(broadcast && campaign ? 'Demo passed.' : 'Demo FAILED.');
    return broadcast && campaign ? 0 : 1;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    console.error(`demo failed: ${(err as Error).message}`);
    await cleanUp();
    process.exit(1);
  },
);
