/**
 * Reports agent binding changes to the Worker: POST /internal/media/v1/registrations,
 * signed, batched per tick, in order, retried with backoff while the Worker is
 * unreachable (the shared BatchSendQueue). A change is forgotten only once the Worker
 * answered 200; a 4xx other than 429 means the batch itself is wrong: logged
 * and dropped, never retried forever.
 */
import { MediaPaths, RegistrationReportAckSchema, type RegistrationChange, type RegistrationReport } from '../../../worker/src/media-protocol/index.ts';
import type { Logger } from '../log/logger.ts';
import { postSignedJson } from './signed-post.ts';
import { BatchSendQueue, type BatchResult } from './batch-send-queue.ts';

const MAX_BATCH = 500;

export class RegistrationReporter {
  readonly #queue: BatchSendQueue<RegistrationChange>;

  constructor(
    private readonly workerUrl: string,
    private readonly secret: string,
    private readonly nodeId: string,
    private readonly startedAt: string,
    private readonly log: Logger,
  ) {
    this.#queue = new BatchSendQueue<RegistrationChange>({
      maxBatch: MAX_BATCH,
      send: (batch) => this.#send(batch),
      onFailure: (error, pending, retryInMs) => this.log.warn('registration report failed; will retry', { error: error.message, pending, retry_in_ms: retryInMs }),
    });
  }

  get pending(): number {
    return this.#queue.pending;
  }

  report(change: RegistrationChange): void {
    this.#queue.push(change);
  }

  /** The Worker answers again (a heartbeat got through): changes waiting out a failure backoff go now. */
  workerReachable(): void {
    this.#queue.resume();
  }

  flushed(): Promise<void> {
    return this.#queue.flushed();
  }

  stop(): void {
    this.#queue.stop();
  }

  /** The whole batch is done on a 200, and on a 4xx that says the batch itself is wrong (logged, dropped). */
  async #send(batch: RegistrationChange[]): Promise<BatchResult<RegistrationChange>> {
    const body = JSON.stringify({ node_id: this.nodeId, started_at: this.startedAt, changes: batch } satisfies RegistrationReport);
    const res = await postSignedJson(this.workerUrl, MediaPaths.registrations, this.secret, body, 10_000);
    if (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 401) {
      this.log.error('registration changes refused by the Worker: dropped', { status: res.status, body: (await res.text()).slice(0, 200), changes: batch.length });
    } else {
      if (!res.ok) throw new Error(`Worker answered ${res.status}`);
      RegistrationReportAckSchema.parse(await res.json());
    }
    return { done: () => true };
  }
}
