/**
 * Registers the node with the Worker and heart-beats its capacity and the legs
 * it holds; the Worker answers with calls to hang up (reconciliation). A beat
 * that gets through after one that failed is the node's news that the Worker
 * is back: `onReachableAgain` lets the event and registration queues send at
 * once instead of waiting out the backoff the outage grew. An ack asking for
 * the registrations (the Worker dropped this boot's bindings when it took the
 * node for lost) has every binding the node holds reported again.
 */
import { HeartbeatAckSchema, MediaPaths, type Heartbeat, type LegOwner } from '../../../worker/src/media-protocol/index.ts';
import type { Logger } from '../log/logger.ts';
import { postSignedJson } from './signed-post.ts';

/** What the node does with the Worker's answers. */
export interface HeartbeatHooks {
  /** The Worker has ended these calls (or never placed them here): hang them up. */
  onOrphans?: (voiceIds: string[]) => void;
  /** A beat got through after one that failed (or the first one): the Worker answers again. */
  onReachableAgain?: () => void;
  /** The Worker holds none of this boot's agent bindings (ack `report_registrations`): report them all again. */
  onRegistrationsWanted?: () => void;
}

export class HeartbeatClient {
  #timer: NodeJS.Timeout | null = null;
  #intervalMs = 5_000;
  /** The last beat got through (false at start, so the first success counts as the Worker being reached). */
  #reachable = false;

  constructor(
    private readonly workerUrl: string,
    private readonly secret: string,
    private readonly snapshot: () => Omit<Heartbeat, 'started_at' | 'version'>,
    private readonly log: Logger,
    /** This boot's identity: the Worker tells a restarted process from its predecessor by it. */
    readonly startedAt: string = new Date().toISOString(),
    private readonly hooks: HeartbeatHooks = {},
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
      if (ack.hangup_voice_ids?.length) this.hooks.onOrphans?.(ack.hangup_voice_ids);
      if (ack.report_registrations) this.hooks.onRegistrationsWanted?.();
      ok = true;
    } catch (err) {
      this.log.warn('heartbeat failed', { error: (err as Error).message });
    }
    const back = ok && !this.#reachable;
    this.#reachable = ok;
    if (back) this.hooks.onReachableAgain?.();
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
