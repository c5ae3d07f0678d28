/** Registers the node with the Worker and heart-beats its capacity and live calls. */
import { HeartbeatAckSchema, MediaPaths, signMessage, type Heartbeat } from '../../../worker/src/media-protocol/index.ts';
import type { Logger } from '../log/logger.ts';

export class HeartbeatClient {
  #timer: NodeJS.Timeout | null = null;
  #intervalMs = 5_000;
  readonly #startedAt = new Date().toISOString();

  constructor(
    private readonly workerUrl: string,
    private readonly secret: string,
    private readonly snapshot: () => Omit<Heartbeat, 'started_at' | 'version'>,
    private readonly log: Logger,
    /** The Worker already ended these calls (we were declared lost): hang them up. */
    private readonly onOrphans: (voiceIds: string[]) => void = () => undefined,
  ) {}

  start(): void {
    void this.beat();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async beat(): Promise<boolean> {
    if (this.#timer) clearTimeout(this.#timer);
    let ok = false;
    try {
      const body = JSON.stringify({ ...this.snapshot(), started_at: this.#startedAt, version: '0.1.0' } satisfies Heartbeat);
      const res = await fetch(this.workerUrl.replace(/\/+$/, '') + MediaPaths.heartbeat, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await signMessage(this.secret, body)) },
        body,
        signal: AbortSignal.timeout(5_000),
      });
      if (!res.ok) throw new Error(`Worker answered ${res.status}`);
      const ack = HeartbeatAckSchema.parse(await res.json());
      this.#intervalMs = ack.interval_s * 1000;
      if (ack.hangup_voice_ids?.length) this.onOrphans(ack.hangup_voice_ids);
      ok = true;
    } catch (err) {
      this.log.warn('heartbeat failed', { error: (err as Error).message });
    }
    this.#timer = setTimeout(() => void this.beat(), ok ? this.#intervalMs : 1_000);
    return ok;
  }
}
