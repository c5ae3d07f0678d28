/**
 * One clock for every leg's outgoing audio. The 20 ms frame period is cut into
 * ten 2 ms slots; each stream is pinned to the least-crowded slot, and a single
 * timer loop visits the slots in turn. No timer per call, load spread evenly
 * across the period, and after a stall (GC, busy event loop) the loop catches
 * up tick by tick so every frame is still sent, in order, with its own timestamp.
 * Incoming RTP arrives in bursts (a peer sending all its streams at once);
 * the receive path calls poll() between packets so a burst cannot hold a due
 * slot back until the timer's turn in the event loop.
 */
import { SendStats } from './send-stats.ts';

export const FRAME_MS = 20;
const SLOTS = 10;
const SLOT_MS = FRAME_MS / SLOTS;

export interface ScheduledStream {
  /** Sends one frame; `scheduledAt` is when it was due (performance.now() time). */
  sendFrame(scheduledAt: number, now: number): void;
}

export class FrameScheduler {
  readonly stats = new SendStats();
  readonly #slots: Array<Set<ScheduledStream>> = Array.from({ length: SLOTS }, () => new Set());
  readonly #slotOf = new Map<ScheduledStream, number>();
  readonly #epoch = performance.now();
  #tick = Math.floor((performance.now() - this.#epoch) / SLOT_MS);
  #timer: NodeJS.Timeout | null = null;

  get size(): number {
    return this.#slotOf.size;
  }

  add(stream: ScheduledStream): void {
    if (this.#slotOf.has(stream)) return;
    let best = 0;
    for (let i = 1; i < SLOTS; i++) if (this.#slots[i]!.size < this.#slots[best]!.size) best = i;
    this.#slots[best]!.add(stream);
    this.#slotOf.set(stream, best);
    if (!this.#timer) {
      this.#tick = Math.floor((performance.now() - this.#epoch) / SLOT_MS);
      this.#loop();
    }
  }

  remove(stream: ScheduledStream): void {
    const slot = this.#slotOf.get(stream);
    if (slot === undefined) return;
    this.#slots[slot]!.delete(stream);
    this.#slotOf.delete(stream);
    if (this.#slotOf.size === 0 && this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  /** When `stream`'s next frame is due at the earliest, for the first-packet latency budget. */
  msUntilSlot(stream: ScheduledStream): number {
    const slot = this.#slotOf.get(stream) ?? 0;
    const now = performance.now() - this.#epoch;
    const current = Math.floor(now / SLOT_MS);
    const ahead = (slot - (current % SLOTS) + SLOTS) % SLOTS;
    return (current + ahead) * SLOT_MS - now;
  }

  /** Runs any slot that is already due; cheap when none is. */
  poll(): void {
    if (this.#timer && performance.now() >= this.#epoch + this.#tick * SLOT_MS) this.#runDue();
  }

  #runDue(): void {
    const due = Math.floor((performance.now() - this.#epoch) / SLOT_MS);
    while (this.#tick <= due) {
      const scheduledAt = this.#epoch + this.#tick * SLOT_MS;
      for (const stream of this.#slots[this.#tick % SLOTS]!) stream.sendFrame(scheduledAt, performance.now());
      this.#tick++;
    }
  }

  #loop = (): void => {
    this.#runDue();
    if (this.#slotOf.size === 0) {
      this.#timer = null;
      return;
    }
    const wait = this.#epoch + this.#tick * SLOT_MS - performance.now();
    this.#timer = setTimeout(this.#loop, Math.max(0, wait - 0.3));
  };
}
