/**
 * The local Crier stack on 127.0.0.1: `wrangler dev` (local D1, Durable
 * Objects, R2; migrations applied, demo tenant seeded), one media node, and a
 * simulated carrier (SIPp, outcome chosen by the dialled number's last digit:
 * test/sipp/carrier.xml). Used by `npm run stack`, the demo and the e2e tests.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessGroup, killGroup, waitUntil, tail, type Running } from './child-processes.ts';
import { startLocalWorker } from './local-worker.ts';
import { assertPortsFree, type NeededPort } from './free-ports.ts';
import { startSipp, type SippHandle } from '../../test/sipp/sipp-process.ts';

export interface StackPorts {
  worker: number;
  carrier: number;
  carrierMedia: number;
  mediaSip: number;
  mediaControl: number;
  rtpMin: number;
  rtpMax: number;
}

export const DEFAULT_PORTS: StackPorts = {
  worker: Number(process.env.CRIER_WORKER_PORT ?? 8787),
  carrier: Number(process.env.CRIER_CARRIER_PORT ?? 5080),
  carrierMedia: Number(process.env.CRIER_CARRIER_MEDIA_PORT ?? 6000),
  mediaSip: Number(process.env.CRIER_MEDIA_SIP_PORT ?? 5062),
  mediaControl: Number(process.env.CRIER_MEDIA_CONTROL_PORT ?? 7070),
  rtpMin: Number(process.env.CRIER_RTP_PORT_MIN ?? 20000),
  rtpMax: Number(process.env.CRIER_RTP_PORT_MAX ?? 23999),
};

export interface StackOptions {
  ports?: Partial<StackPorts>;
  /** Where logs and local state live. */
  stateDir?: string;
  /** The trunk the node dials; the simulated carrier unless you point it at a real one. */
  trunkUri?: string;
  /** Extra Worker vars (e.g. shorter heartbeat timeouts in tests). */
  workerVars?: Record<string, string>;
  mediaEnv?: Record<string, string>;
}

export interface Stack {
  url: string;
  /** The SIP trunk the media node dials: the simulated carrier or SIP_TRUNK_URI. */
  trunkUri: string;
  ports: StackPorts;
  logDir: string;
  media: Running;
  carrier: SippHandle | null;
  /** The running `wrangler dev` (workerd) process. */
  worker: Running;
  /** Starts a (new) media node process, e.g. after killing the first. */
  startMediaNode(): Running;
  /**
   * Kills the Worker as a crash or a deploy would (SIGKILL of the whole
   * workerd process group: every Durable Object's memory, timers and pending
   * promises gone; D1, Durable Object storage and alarms persisted), waits
   * `downMs`, starts it again on the same port and persist dir, and resolves
   * once it answers and counts a live media node again.
   */
  restartWorker(opts?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

const MEDIA_SECRET = 'dev-media-secret-change-me';

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const ports = { ...DEFAULT_PORTS, ...opts.ports };
  const stateDir = opts.stateDir ?? join(process.cwd(), '.wrangler', 'stack');
  const logDir = join(stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const group = new ProcessGroup();
  let carrier: SippHandle | null = null;
  const simulatedCarrier = !opts.trunkUri && !process.env.SIP_TRUNK_URI;
  await assertPortsFree(neededPorts(ports, simulatedCarrier));
  try {
    const trunkUri = opts.trunkUri ?? process.env.SIP_TRUNK_URI ?? `sip:127.0.0.1:${ports.carrier};transport=udp`;
    if (simulatedCarrier) carrier = await startSipp({ port: ports.carrier, mediaPort: ports.carrierMedia });
    const workerOptions = {
      port: ports.worker,
      persistDir: join(stateDir, 'state'),
      logFile: join(logDir, 'worker.log'),
      vars: { MEDIA_SHARED_SECRET: MEDIA_SECRET, ...opts.workerVars },
    };
    const worker = await startLocalWorker(group, workerOptions);
    let workerRuns = 1;
    let generation = 0;
    const startMediaNode = () =>
      group.start({
        name: 'media-node',
        command: join(process.cwd(), 'node_modules', '.bin', 'tsx'),
        args: ['media-node/src/main.ts'],
        logFile: join(logDir, `media-node-${generation++}.log`),
        env: {
          NODE_ID: 'local-media-1',
          WORKER_URL: worker.url,
          MEDIA_SHARED_SECRET: MEDIA_SECRET,
          CONTROL_HOST: '127.0.0.1',
          CONTROL_PORT: String(ports.mediaControl),
          SIP_BIND_HOST: '127.0.0.1',
          SIP_BIND_PORT: String(ports.mediaSip),
          SIP_TRUNK_URI: trunkUri,
          MEDIA_ADVERTISE_ADDRESS: '127.0.0.1',
          RTP_PORT_MIN: String(ports.rtpMin),
          RTP_PORT_MAX: String(ports.rtpMax),
          CALL_CAPACITY: '1000',
          ALLOW_PRIVATE_AUDIO_URLS: 'true',
          AUDIO_CACHE_DIR: join(stateDir, 'audio-cache'),
          ...opts.mediaEnv,
        },
      });
    const media = startMediaNode();
    const mediaNodeLive = async () => ((await (await fetch(`${worker.url}/healthz`)).json()) as { live_media_nodes: number }).live_media_nodes > 0;
    await waitUntil(mediaNodeLive, 30_000, 'the media node to register', media);
    const stack: Stack = {
      url: worker.url,
      trunkUri,
      ports,
      logDir,
      media,
      carrier,
      worker: worker.process,
      startMediaNode,
      async restartWorker({ downMs = 0 } = {}) {
        const old = stack.worker;
        killGroup(old, 'SIGKILL');
        await old.exited;
        if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
        const again = await startLocalWorker(group, { ...workerOptions, seed: false, logFile: join(logDir, `worker-${workerRuns++}.log`) });
        stack.worker = again.process;
        await waitUntil(mediaNodeLive, 30_000, 'the media node to be live again after the Worker restart', again.process);
      },
      async stop() {
        await group.stopAll();
        await carrier?.stop();
      },
    };
    return stack;
  } catch (err) {
    await group.stopAll();
    await carrier?.stop();
    throw err;
  }
}

/** Every fixed port the stack binds (the RTP range is taken port by port as calls need it). */
function neededPorts(ports: StackPorts, simulatedCarrier: boolean): NeededPort[] {
  return [
    { port: ports.worker, protocol: 'tcp', what: 'the Worker API', setting: 'CRIER_WORKER_PORT' },
    { port: ports.worker + 10_000, protocol: 'tcp', what: "the Worker's inspector (API port + 10000)", setting: 'CRIER_WORKER_PORT' },
    { port: ports.mediaControl, protocol: 'tcp', what: "the media node's control API", setting: 'CRIER_MEDIA_CONTROL_PORT' },
    { port: ports.mediaSip, protocol: 'udp', what: "the media node's SIP", setting: 'CRIER_MEDIA_SIP_PORT' },
    ...(simulatedCarrier
      ? [
          { port: ports.carrier, protocol: 'udp', what: 'the simulated carrier (SIPp)', setting: 'CRIER_CARRIER_PORT' } as const,
          { port: ports.carrierMedia, protocol: 'udp', what: "the simulated carrier's media", setting: 'CRIER_CARRIER_MEDIA_PORT' } as const,
        ]
      : []),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  let stack: Stack;
  try {
    stack = await startStack();
  } catch (err) {
    console.error(`crier stack failed to start: ${(err as Error).message}`);
    process.exit(1);
  }
  console.log(
    `Crier stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s: API ${stack.url} (APP_ID demo-app, APP_KEY demo-key-5b9e7c1d2a), ` +
      `${stack.carrier ? 'simulated carrier' : 'carrier'} ${stack.trunkUri}, media node http://127.0.0.1:${stack.ports.mediaControl}, logs ${stack.logDir}. Ctrl-C stops everything.`,
  );
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stack.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  void stack.media.exited.then((code) => {
    if (stopping) return;
    console.error(`media node exited (${code}):\n${tail(stack.media.logFile)}`);
    void stop(1);
  });
}
