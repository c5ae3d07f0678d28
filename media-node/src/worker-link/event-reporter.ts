/**
 * Reports call events to the Worker: per-leg sequence numbers, batches, HMAC
 * signatures, and a buffer that survives an unreachable Worker. Events leave
 * in order per leg; `retry` answers (a gap the Worker noticed) and network
 * errors are retried with backoff. Nothing is dropped silently: an event is
 * only forgotten once the Worker has said applied, duplicate or rejected
 * (the last is logged).
 */
import { EventBatchResultSchema, MediaPaths, type MediaEvent } from '../../../worker/src/media-protocol/index.ts';
import type { Logger } from '../log/logger.ts';
import { postSignedJson } from './signed-post.ts';
import { BatchSendQueue, type BatchResult } from './batch-send-queue.ts';

export type EventBody = MediaEvent extends infer E ? (E extends MediaEvent ? Omit<E, 'seq' | 'at'> : never) : never;

const MAX_BATCH = 200;

export class EventReporter {
  readonly #seq = new Map<string, number>();
  readonly #queue: BatchSendQueue<MediaEvent>;

  constructor(
    private readonly workerUrl: string,
    private readonly secret: string,
    private readonly nodeId: string,
    private readonly log: Logger,
    /** Sees every event as it is queued (the node's metrics count outcomes from them). */
    private readonly onReport?: (event: EventBody) => void,
  ) {
    this.#queue = new BatchSendQueue<MediaEvent>({
      maxBatch: MAX_BATCH,
      send: (batch) => this.#send(batch),
      onFailure: (error, pending, retryInMs) => this.log.warn('event delivery failed; will retry', { error: error.message, pending, retry_in_ms: retryInMs }),
    });
  }

  get pending(): number {
    return this.#queue.pending;
  }

  /** Queues an event; `at` is when it happened if that was before now (default: now). */
  report(event: EventBody, at: Date = new Date()): void {
    this.onReport?.(event);
    const seq = (this.#seq.get(event.voice_id) ?? 0) + 1;
    this.#seq.set(event.voice_id, seq);
    this.#queue.push({ ...event, seq, at: at.toISOString() } as MediaEvent);
  }

  /** Legs with events not yet acknowledged, with their owners: the node still holds them for reconciliation. */
  unacknowledgedLegs(): Array<{ voice_id: string; owner: MediaEvent['owner'] }> {
    const legs = new Map<string, MediaEvent['owner']>();
    for (const e of this.#queue.items) legs.set(e.voice_id, e.owner);
    return [...legs].map(([voice_id, owner]) => ({ voice_id, owner }));
  }

  /** Forgets a leg's counter once its last event is acknowledged (no growth over a long run). */
  forgetLeg(voiceId: string): void {
    if (!this.#queue.items.some((e) => e.voice_id === voiceId)) this.#seq.delete(voiceId);
  }

  /** The Worker answers again (a heartbeat got through): events waiting out a failure backoff go now. */
  workerReachable(): void {
    this.#queue.resume();
  }

  /** Resolves when everything queued has been acknowledged (SIGTERM waits on this). */
  flushed(): Promise<void> {
    return this.#queue.flushed();
  }

  /** Applied, duplicate and rejected events are done (the last logged); `retry` ones stay, and come back soon. */
  async #send(batch: MediaEvent[]): Promise<BatchResult<MediaEvent>> {
    const body = JSON.stringify({ node_id: this.nodeId, events: batch });
    const res = await postSignedJson(this.workerUrl, MediaPaths.events, this.secret, body, 10_000);
    if (!res.ok) throw new Error(`Worker answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    const { results } = EventBatchResultSchema.parse(await res.json());
    const done = new Set<string>();
    let retrySoon = false;
    for (const r of results) {
      if (r.status === 'retry') retrySoon = true;
      else {
        if (r.status === 'rejected') this.log.warn('event rejected by the Worker', { voice_id: r.voice_id, seq: r.seq });
        done.add(`${r.voice_id}#${r.seq}`);
      }
    }
    return { done: (e) => done.has(`${e.voice_id}#${e.seq}`), retrySoon };
  }
}
