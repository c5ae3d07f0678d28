/**
 * Reports agent binding changes to the Worker: POST /internal/media/v1/registrations,
 * signed, batched per tick, in order, retried with backoff while the Worker is
 * unreachable (like EventReporter). A change is forgotten only once the Worker
 * answered 200; a 4xx other than 429 means the batch itself is wrong: logged
 * and dropped, never retried forever.
 */
import { MediaPaths, RegistrationReportAckSchema, type RegistrationChange, type RegistrationReport } from '../../../worker/src/media-protocol/index.ts';
import type { Logger } from '../log/logger.ts';
import { postSignedJson } from './signed-post.ts';

const MAX_BATCH = 500;

export class RegistrationReporter {
  #queue: RegistrationChange[] = [];
  #sending = false;
  #backoffMs = 0;
  #timer: NodeJS.Timeout | null = null;
  readonly #idleWaiters: Array<() => void> = [];

  constructor(
    private readonly workerUrl: string,
    private readonly secret: string,
    private readonly nodeId: string,
    private readonly startedAt: string,
    private readonly log: Logger,
  ) {}

  get pending(): number {
    return this.#queue.length;
  }

  report(change: RegistrationChange): void {
    this.#queue.push(change);
    this.#schedule(0);
  }

  flushed(): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(delayMs: number): void {
    if (this.#timer || this.#sending) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#send();
    }, delayMs);
  }

  async #send(): Promise<void> {
    if (this.#sending || this.#queue.length === 0) return;
    this.#sending = true;
    const batch = this.#queue.slice(0, MAX_BATCH);
    try {
      const body = JSON.stringify({ node_id: this.nodeId, started_at: this.startedAt, changes: batch } satisfies RegistrationReport);
      const res = await postSignedJson(this.workerUrl, MediaPaths.registrations, this.secret, body, 10_000);
      if (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 401) {
        this.log.error('registration changes refused by the Worker: dropped', { status: res.status, body: (await res.text()).slice(0, 200), changes: batch.length });
      } else {
        if (!res.ok) throw new Error(`Worker answered ${res.status}`);
        RegistrationReportAckSchema.parse(await res.json());
      }
      this.#queue = this.#queue.slice(batch.length);
      this.#backoffMs = 0;
    } catch (err) {
      this.#backoffMs = Math.min(Math.max(this.#backoffMs * 2, 500), 30_000);
      this.log.warn('registration report failed; will retry', { error: (err as Error).message, pending: this.#queue.length, retry_in_ms: this.#backoffMs });
    } finally {
      this.#sending = false;
    }
    if (this.#queue.length > 0) this.#schedule(this.#backoffMs);
    else for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
