// One in-process media node dialling one SIPp scenario, with the protocol-level
// Worker stand-in: what most media-node test files start in beforeAll. Also the
// originate/hangup commands those files send and the event shapes they read.
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../../media-node/src/config/env.ts';
import { startMediaNode, type MediaNode } from '../../../media-node/src/media-node.ts';
import { Logger } from '../../../media-node/src/log/logger.ts';
import type { AudioRenderer } from '../../../media-node/src/audio/renderer.ts';
import type { MediaEvent, OriginateCommand, PlaySpec } from '../../../worker/src/media-protocol/index.ts';
import { startSipp, type SippHandle, type SippOptions } from '../../sipp/sipp-process.ts';
import { startFakeWorker, TEST_SECRET, type FakeWorker } from './fake-worker.ts';

export interface NodeAgainstSipp {
  worker: FakeWorker;
  sipp: SippHandle;
  node: MediaNode;
  close(): Promise<void>;
}

export async function startNodeAgainstSipp(opts: {
  sipp: SippOptions;
  /** The node's SIP port; RTP takes [rtpMin, rtpMin + rtpPorts - 1]. */
  sipPort: number;
  rtpMin: number;
  /** 200 unless given (a connect takes two ports per call). */
  rtpPorts?: number;
  renderer?: AudioRenderer;
  env?: Record<string, string>;
  logLevel?: 'warn' | 'error';
}): Promise<NodeAgainstSipp> {
  const logLevel = opts.logLevel ?? 'warn';
  const worker = await startFakeWorker();
  const sipp = await startSipp(opts.sipp);
  const config = loadConfig({
    NODE_ID: `test-node-${opts.sipPort}`,
    CONTROL_PORT: '0',
    WORKER_URL: worker.url,
    MEDIA_SHARED_SECRET: TEST_SECRET,
    SIP_BIND_PORT: String(opts.sipPort),
    SIP_TRUNK_URI: `sip:127.0.0.1:${opts.sipp.port};transport=udp`,
    RTP_PORT_MIN: String(opts.rtpMin),
    RTP_PORT_MAX: String(opts.rtpMin + (opts.rtpPorts ?? 200) - 1),
    LOG_LEVEL: logLevel,
    ...opts.env,
  });
  const node = await startMediaNode(config, { ...(opts.renderer ? { renderer: opts.renderer } : {}), log: new Logger({}, logLevel) });
  return {
    worker,
    sipp,
    node,
    async close() {
      await node.shutdown();
      await sipp.stop();
      await worker.close();
    },
  };
}

/** A 440 Hz tone as long as the prompt_ref says ("tone-1500" = 1.5 s). */
export const toneRenderer: AudioRenderer = {
  async render(spec: PlaySpec) {
    const ms = Number(/tone-(\d+)/.exec(spec.prompt_ref)?.[1] ?? 1000);
    const pcm = Int16Array.from({ length: (ms / 1000) * 8000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
    return { pcm, durationMs: ms };
  },
};

export function originate(to: string, extra: Partial<Omit<OriginateCommand, 'type' | 'voice_id' | 'command_id'>> & { prompt_ref?: string } = {}) {
  const voice_id = randomUUID();
  const { prompt_ref, ...rest } = extra;
  const command: OriginateCommand = {
    type: 'originate',
    command_id: `${voice_id}:originate:1`,
    voice_id,
    owner: { kind: 'broadcast', id: 'b-test' },
    from: '12012774877',
    to,
    play: { type: 'tts', text: 'x', voice: 'Female', language: 'en-US', prompt_ref: prompt_ref ?? 'tone-1000' },
    amd: false,
    ring_timeout_s: 30,
    max_duration_s: 600,
    ...rest,
  };
  return { voice_id, command };
}

export const hangupCommand = (voice_id: string, cause = 16) => ({ type: 'hangup' as const, command_id: `${voice_id}:hangup:${randomUUID()}`, voice_id, cause });

/** A leg's events as short labels: "ringing", "playstate:initiated", ... */
export const labels = (w: FakeWorker, id: string) => w.eventsFor(id).map((e) => (e.type === 'playstate' ? `playstate:${e.playstate}` : e.type));

export type DisconnectedEvent = Extract<MediaEvent, { type: 'disconnected' }>;
export const disconnectedOf = (w: FakeWorker, id: string) => w.eventsFor(id).find((e): e is DisconnectedEvent => e.type === 'disconnected');
