/**
 * One clock for every leg's outgoing audio. The 20 ms frame period is cut into
 * ten 2 ms slots; each stream is pinned to the least-crowded slot, and a single
 * timer loop visits the slots in turn. No timer per call, load spread evenly
 * across the period, and after a short stall (GC, busy event loop) the loop
 * catches up tick by tick so every frame is still sent, in order, with its own
 * timestamp.
 * Incoming RTP arrives in bursts (a peer sending all its streams at once);
 * the receive path calls poll() between packets so a burst cannot hold a due
 * slot back until the timer's turn in the event loop.
 * Catch-up is bounded: frames more than MAX_LAG_MS overdue are not sent (the
 * far end's jitter buffer would discard them, and sending them would only make
 * the next ones late too). Without the bound, a node short of CPU spends each
 * turn of the loop replaying an ever longer backlog and starves SIP. A stream
 * sees the gap in `scheduledAt` and keeps its RTP and playback clocks.
 */
import { SendStats } from './send-stats.ts';

export const FRAME_MS = 20;
const SLOTS = 10;
const SLOT_MS = FRAME_MS / SLOTS;
/** Oldest overdue frame still sent after a stall: five frames, a common jitter-buffer depth. */
export const MAX_LAG_MS = 100;
const MAX_LAG_TICKS = MAX_LAG_MS / SLOT_MS;

export interface ScheduledStream {
  /** Sends one frame; `scheduledAt` is when it was due (clock time), `now` when it is being sent. */
  sendFrame(scheduledAt: number, now: number): void;
}

/** Time and timers, injectable so the scheduling decisions can be tested without waiting. */
export interface SchedulerClock {
  now(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

const realClock: SchedulerClock = {
  now: () => performance.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The first overdue tick worth running when tick `next` is the oldest not yet run and `due` the newest due. */
export function firstTickToRun(next: number, due: number): number {
  return Math.max(next, due - MAX_LAG_TICKS + 1);
}

export class FrameScheduler {
  readonly stats = new SendStats();
  readonly #clock: SchedulerClock;
  readonly #slots: Array<Set<ScheduledStream>> = Array.from({ length: SLOTS }, () => new Set());
  readonly #slotOf = new Map<ScheduledStream, number>();
  readonly #epoch: number;
  #tick: number;
  #timer: unknown = null;

  constructor(clock: SchedulerClock = realClock) {
    this.#clock = clock;
    this.#epoch = clock.now();
    this.#tick = 0;
  }

  get size(): number {
    return this.#slotOf.size;
  }

  has(stream: ScheduledStream): boolean {
    return this.#slotOf.has(stream);
  }

  /** The scheduler's clock (performance.now() unless a test injected one). */
  now(): number {
    return this.#clock.now();
  }

  add(stream: ScheduledStream): void {
    if (this.#slotOf.has(stream)) return;
    let best = 0;
    for (let i = 1; i < SLOTS; i++) if (this.#slots[i]!.size < this.#slots[best]!.size) best = i;
    this.#slots[best]!.add(stream);
    this.#slotOf.set(stream, best);
    if (this.#timer === null) {
      this.#tick = Math.floor((this.#clock.now() - this.#epoch) / SLOT_MS);
      this.#loop();
    }
  }

  remove(stream: ScheduledStream): void {
    const slot = this.#slotOf.get(stream);
    if (slot === undefined) return;
    this.#slots[slot]!.delete(stream);
    this.#slotOf.delete(stream);
    if (this.#slotOf.size === 0 && this.#timer !== null) {
      this.#clock.clearTimer(this.#timer);
      this.#timer = null;
    }
  }

  /** When `stream`'s next frame is due at the earliest, for the first-packet latency budget. */
  msUntilSlot(stream: ScheduledStream): number {
    const slot = this.#slotOf.get(stream) ?? 0;
    const now = this.#clock.now() - this.#epoch;
    const current = Math.floor(now / SLOT_MS);
    const ahead = (slot - (current % SLOTS) + SLOTS) % SLOTS;
    return (current + ahead) * SLOT_MS - now;
  }

  /** Runs any slot that is already due; cheap when none is. */
  poll(): void {
    if (this.#timer !== null && this.#clock.now() >= this.#epoch + this.#tick * SLOT_MS) this.#runDue();
  }

  #runDue(): void {
    const due = Math.floor((this.#clock.now() - this.#epoch) / SLOT_MS);
    this.#tick = firstTickToRun(this.#tick, due);
    while (this.#tick <= due) {
      const scheduledAt = this.#epoch + this.#tick * SLOT_MS;
      for (const stream of this.#slots[this.#tick % SLOTS]!) stream.sendFrame(scheduledAt, this.#clock.now());
      this.#tick++;
    }
  }

  #loop = (): void => {
    this.#runDue();
    if (this.#slotOf.size === 0) {
      this.#timer = null;
      return;
    }
    const wait = this.#epoch + this.#tick * SLOT_MS - this.#clock.now();
    // Timers fire on whole milliseconds, often late: aim a little early; an early wake-up just re-arms.
    this.#timer = this.#clock.setTimer(this.#loop, Math.max(0, wait - 0.3));
  };
}
