/**
 * Deliveries not tried yet, kept in memory from their enqueue with their
 * body, so a first attempt needs no read of the outbox (one SELECT with a
 * join per attempt before; docs/webhooks.md "Third pass"). Only a cache: the
 * rows are stored first, a delivery missing here is read from storage, and
 * an object that restarts simply has none. Bounded, so a subscriber with a
 * large backlog cannot fill the object's memory with bodies.
 */
import type { PendingDelivery } from './delivery-store.ts';

/** About 4 MB of bodies at a typical call.* envelope's 1 KB. */
export const FIRST_ATTEMPTS_KEPT = 4_096;

export class FirstAttempts {
  #byId = new Map<number, PendingDelivery>();

  constructor(private readonly limit = FIRST_ATTEMPTS_KEPT) {}

  keep(delivery: PendingDelivery): void {
    if (delivery.attempts === 0 && this.#byId.size < this.limit) this.#byId.set(delivery.id, delivery);
  }

  /** The delivery as enqueued, handed out once: after its first attempt, storage has its state. */
  take(id: number): PendingDelivery | undefined {
    const delivery = this.#byId.get(id);
    if (delivery) this.#byId.delete(id);
    return delivery;
  }

  /** Its delivery was settled or changed without an attempt from here. */
  forget(id: number): void {
    this.#byId.delete(id);
  }

  /** A subscription's pending work was cancelled: none of it may be tried. */
  forgetSubscription(subscriptionId: string): void {
    for (const [id, d] of this.#byId) if (d.subscriptionId === subscriptionId) this.#byId.delete(id);
  }

  get size(): number {
    return this.#byId.size;
  }
}
