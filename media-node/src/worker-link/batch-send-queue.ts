/**
 * The outbound queue behind every report the node makes to the Worker (call
 * events, registration changes): items leave in order, in batches, one batch
 * in flight at a time; a failed send is retried with backoff while the Worker
 * is unreachable, and an item is forgotten only when the sender says it is
 * done with it. What "done" means (acknowledged, a duplicate, refused for good)
 * is the sender's judgement; this module owns only the timing.
 *
 * The failure backoff measures how long the Worker has been unreachable, so
 * after a long outage the next try may be up to 30 s away although the Worker
 * is already back. Whoever learns that it is back (a heartbeat that got
 * through again) calls `resume()`: the send goes at once and the backoff
 * starts over (docs/media-protocol.md).
 */

export interface BatchResult<T> {
  /** Items of the batch the sender is finished with; the rest stay queued. */
  done: (item: T) => boolean;
  /** The Worker asked for some again (not a failure): come back soon, with a short backoff. */
  retrySoon?: boolean;
}

export interface BatchSendQueueOptions<T> {
  maxBatch: number;
  send: (batch: T[]) => Promise<BatchResult<T>>;
  /** Told of every failed send; the queue retries it after `retryInMs`. */
  onFailure: (error: Error, pending: number, retryInMs: number) => void;
}

/** Backoff bounds: a failure (network, 5xx) and a requested retry (a sequence gap the Worker noticed). */
const FAILURE_BACKOFF = { min: 500, max: 30_000 };
const RETRY_BACKOFF = { min: 200, max: 5_000 };

export class BatchSendQueue<T> {
  #queue: T[] = [];
  #sending = false;
  #backoffMs = 0;
  /** The last send failed (the backoff is the failure one, not a requested retry's). */
  #failing = false;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  readonly #idleWaiters: Array<() => void> = [];

  constructor(private readonly options: BatchSendQueueOptions<T>) {}

  get pending(): number {
    return this.#queue.length;
  }

  /** What is still queued, oldest first (read-only view). */
  get items(): readonly T[] {
    return this.#queue;
  }

  push(item: T): void {
    this.#queue.push(item);
    this.#schedule(0);
  }

  /** Resolves when everything queued has been sent and let go (SIGTERM waits on this). */
  flushed(): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** No more sends after the one in flight (the node is shutting down). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /**
   * The Worker answers again: a send waiting out a failure backoff goes now,
   * and a failure after this starts the backoff over from its minimum. Does
   * nothing while the last send succeeded (a requested retry's short backoff
   * is the Worker's own wish). A send in flight is left to finish.
   */
  resume(): void {
    if (!this.#failing || this.#stopped) return;
    this.#failing = false;
    this.#backoffMs = 0;
    if (this.#sending) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#queue.length > 0) this.#schedule(0);
  }

  #schedule(delayMs: number): void {
    if (this.#timer || this.#sending || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#send();
    }, delayMs);
  }

  async #send(): Promise<void> {
    if (this.#sending || this.#queue.length === 0) return;
    this.#sending = true;
    const batch = this.#queue.slice(0, this.options.maxBatch);
    try {
      const result = await this.options.send(batch);
      const sent = new Set(batch);
      this.#queue = this.#queue.filter((item) => !(sent.has(item) && result.done(item)));
      this.#failing = false;
      this.#backoffMs = result.retrySoon ? grow(this.#backoffMs, RETRY_BACKOFF) : 0;
    } catch (err) {
      this.#failing = true;
      this.#backoffMs = grow(this.#backoffMs, FAILURE_BACKOFF);
      this.options.onFailure(err instanceof Error ? err : new Error(String(err)), this.#queue.length, this.#backoffMs);
    } finally {
      this.#sending = false;
    }
    if (this.#queue.length > 0) this.#schedule(this.#backoffMs);
    else for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}

function grow(current: number, bounds: { min: number; max: number }): number {
  return Math.min(Math.max(current * 2, bounds.min), bounds.max);
}
