/**
 * The delivery loop both outboxes run inside their Durable Object's alarm:
 * keep up to `maxInFlight` attempts busy, never two of one lane at once (a
 * lane is whatever must stay in order: a broadcast leg, a subscriber's view of
 * one call), optionally at most `maxPerGroup` of one group (a subscriber, so a
 * slow one cannot take every slot), and start nothing new once the time budget
 * is spent. Which rows are due and what an attempt does are the caller's.
 */

export interface DeliverySource<R> {
  /** Due rows, oldest first, at most `limit`, none of whose lane is in `busyLanes`. */
  due(limit: number, busyLanes: ReadonlySet<string>): R[];
  laneOf(row: R): string;
  groupOf?(row: R): string;
  /** One attempt and its bookkeeping. Must not reject for a failed delivery, only for a bug. */
  attempt(row: R): Promise<void>;
}

export interface PumpOptions {
  maxInFlight: number;
  /** A number, or asked before each refill (a fair share that shrinks as more groups have work). */
  maxPerGroup?: number | (() => number);
  budgetMs: number;
  /** Resolves when new work may be due (an enqueue), so a pump waiting on slow attempts starts it at once. */
  wake?: () => Promise<void>;
  /** When the earliest row not yet due becomes due, so a retry is not held back by a slow attempt. */
  nextDueAt?: () => number | null;
  now?: () => number;
  /** Asked before each refill: true ends the run early, like a spent budget (the owner has other work waiting). */
  yieldWhen?: () => boolean;
  /**
   * While attempts are in flight, refill at most this often (ms): the
   * attempts that finish in between are collected by one refill. For an
   * owner whose refill writes the outcomes and reads what is due (a fixed
   * cost per refill, not per attempt), refilling after every finished batch
   * cost more than the attempts (docs/webhooks.md "Third pass"). A slot may
   * wait this long; a refill with nothing in flight is never held back.
   */
  refillEveryMs?: number;
}

/** Runs attempts until nothing is due or the budget is spent, then waits for those in flight. Returns how many were made. */
export async function pumpDeliveries<R>(source: DeliverySource<R>, options: PumpOptions): Promise<number> {
  const now = options.now ?? Date.now;
  const started = now();
  let attempts = 0;
  const inFlight = new Map<string, Promise<void>>();
  // One signal for "an attempt finished": racing every attempt's own promise on each wake-up
  // left a reaction on each of up to 66 long-lived promises per wake (one per enqueue).
  const finished = new Doorbell();
  const perGroup = new Map<string, number>();
  let queue: R[] = [];
  let lastRefill = -Infinity;
  for (;;) {
    const open = now() - started < options.budgetMs && !options.yieldWhen?.();
    /** When a paced refill may run (null: it may run now). */
    let pacedUntil: number | null = null;
    if (open) {
      if (queue.length === 0 && inFlight.size < options.maxInFlight) {
        const at = inFlight.size === 0 || !options.refillEveryMs ? -Infinity : lastRefill + options.refillEveryMs;
        if (now() >= at) {
          lastRefill = now();
          queue = source.due(options.maxInFlight * 4, new Set(inFlight.keys()));
        } else pacedUntil = at;
      }
      // Asked only when something may start: it can be a query, and the loop wakes once per finished attempt.
      const groupCap = queue.length === 0 ? undefined : typeof options.maxPerGroup === 'function' ? options.maxPerGroup() : options.maxPerGroup;
      while (queue.length > 0 && inFlight.size < options.maxInFlight) {
        const row = queue.shift()!;
        const lane = source.laneOf(row);
        if (inFlight.has(lane)) continue;
        const group = source.groupOf?.(row);
        if (group !== undefined && groupCap !== undefined && (perGroup.get(group) ?? 0) >= groupCap) continue;
        if (group !== undefined) perGroup.set(group, (perGroup.get(group) ?? 0) + 1);
        inFlight.set(
          lane,
          source.attempt(row).finally(() => {
            inFlight.delete(lane);
            if (group !== undefined) perGroup.set(group, (perGroup.get(group) ?? 1) - 1);
            finished.ring();
          }),
        );
        attempts++;
      }
    }
    if (inFlight.size === 0) break;
    const waits: Array<Promise<unknown>> = [finished.wait()];
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Every slot busy: nothing can start before an attempt finishes, so new or due work need not wake the loop.
    const canStart = open && inFlight.size < options.maxInFlight;
    if (canStart && options.wake) waits.push(options.wake());
    // A paced refill reads whatever is due by then, so it is the only time worth waking for.
    const dueAt = pacedUntil ?? (canStart && options.nextDueAt ? options.nextDueAt() : null);
    if (dueAt !== null) waits.push(new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, dueAt - now())))));
    try {
      await Promise.race(waits);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }
  return attempts;
}

/** A wake-up signal: every waiter of the current round resolves on ring(); one shared promise per round, so waiting often costs nothing. */
export class Doorbell {
  #round: Promise<void> | null = null;
  #resolve: (() => void) | null = null;

  wait(): Promise<void> {
    if (!this.#round) this.#round = new Promise<void>((resolve) => (this.#resolve = resolve));
    return this.#round;
  }

  ring(): void {
    this.#resolve?.();
    this.#round = null;
    this.#resolve = null;
  }
}
