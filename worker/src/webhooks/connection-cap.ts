/**
 * A counting semaphore over outgoing connections. Cloudflare lets one Worker
 * or Durable Object invocation hold at most 6 simultaneous outgoing
 * connections (a Durable Object shares one I/O context across all its
 * concurrent requests, so for an object the limit is per object); `wrangler
 * dev` does not enforce it. Every webhook POST goes through one of these, so
 * what is fast locally is what production can do (docs/webhooks.md).
 */

/** Cloudflare's documented "simultaneous open connections" per invocation. */
export const MAX_CONNECTIONS_PER_INVOCATION = 6;

export class ConnectionCap {
  #inUse = 0;
  #peak = 0;
  #waiting: Array<() => void> = [];

  constructor(readonly limit: number = MAX_CONNECTIONS_PER_INVOCATION) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`connection cap must be a positive integer, got ${limit}`);
  }

  get inUse(): number {
    return this.#inUse;
  }

  /** The most connections ever held at once: what tests and the bench check against the limit. */
  get peak(): number {
    return this.#peak;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `open` once a connection is free; the slot is released when it settles, whatever the outcome. */
  async run<T>(open: () => Promise<T>): Promise<T> {
    if (this.#inUse >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#inUse++;
    if (this.#inUse > this.#peak) this.#peak = this.#inUse;
    try {
      return await open();
    } finally {
      this.#inUse--;
      this.#waiting.shift()?.();
    }
  }
}
