/**
 * An exact sliding-window counter: the times of the requests it allowed in
 * the last window. A fixed-window counter would let 2× the limit through
 * across a window boundary; a log never lets more than `limit` requests into
 * any window-long interval. Memory is bounded by the limit.
 */

export interface WindowDecision {
  allowed: boolean;
  /** Requests still allowed in the current window after this one. */
  remaining: number;
  /** When refused: ms until the oldest counted request leaves the window. */
  retryAfterMs: number;
}

export class SlidingWindowLog {
  #times: number[] = [];
  #head = 0;

  hit(nowMs: number, limit: number, windowMs: number): WindowDecision {
    const times = this.#times;
    while (this.#head < times.length && times[this.#head]! <= nowMs - windowMs) this.#head++;
    // Compact now and then so the array does not grow with every request ever allowed.
    if (this.#head > 1024 && this.#head * 2 > times.length) {
      this.#times = times.slice(this.#head);
      this.#head = 0;
    }
    const inWindow = this.#times.length - this.#head;
    if (inWindow >= limit) {
      return { allowed: false, remaining: 0, retryAfterMs: Math.max(1, this.#times[this.#head]! + windowMs - nowMs) };
    }
    this.#times.push(nowMs);
    return { allowed: true, remaining: limit - inWindow - 1, retryAfterMs: 0 };
  }
}
