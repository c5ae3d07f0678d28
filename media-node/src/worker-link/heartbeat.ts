/**
 * Registers the node with the Worker and heart-beats its capacity and the legs
 * it holds; the Worker answers with calls to hang up (reconciliation).
 */
import { HeartbeatAckSchema, MediaPaths, type Heartbeat, type LegOwner } from '../../../worker/src/media-protocol/index.ts';
import type { Logger } from '../log/logger.ts';
import { postSignedJson } from './signed-post.ts';

export class HeartbeatClient {
  #timer: NodeJS.Timeout | null = null;
  #intervalMs = 5_000;

  constructor(
    private readonly workerUrl: string,
    private readonly secret: string,
    private readonly snapshot: () => Omit<Heartbeat, 'started_at' | 'version'>,
    private readonly log: Logger,
    /** The Worker has ended these calls (or never placed them here): hang them up. */
    private readonly onOrphans: (voiceIds: string[]) => void = () => undefined,
    /** This boot's identity: the Worker tells a restarted process from its predecessor by it. */
    readonly startedAt: string = new Date().toISOString(),
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
      const body = JSON.stringify({ ...this.snapshot(), started_at: this.startedAt, version: '0.1.0' } satisfies Heartbeat);
      const res = await postSignedJson(this.workerUrl, MediaPaths.heartbeat, this.secret, body, 5_000);
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

/**
 * The heartbeat's `live_legs`: calls up, then legs whose events are still on
 * their way (an ended call stays listed until its `disconnected` is
 * acknowledged, so the Worker never takes it for lost), grouped by owner.
 */
export function liveLegsByOwner(...sources: Array<Iterable<{ voice_id: string; owner: LegOwner }>>): NonNullable<Heartbeat['live_legs']> {
  const groups = new Map<string, { owner: LegOwner; voice_ids: string[] }>();
  const seen = new Set<string>();
  for (const source of sources) {
    for (const { voice_id, owner } of source) {
      if (seen.has(voice_id)) continue;
      seen.add(voice_id);
      const key = `${owner.kind}:${owner.id}`;
      const group = groups.get(key) ?? { owner, voice_ids: [] };
      group.voice_ids.push(voice_id);
      groups.set(key, group);
    }
  }
  return [...groups.values()];
}
