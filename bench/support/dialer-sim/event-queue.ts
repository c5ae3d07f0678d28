/**
 * The simulation's future: a binary min-heap of timed events. Ties keep
 * insertion order (a sequence number), so runs are deterministic.
 */
export interface Timed {
  at: number;
}

export class EventQueue<E extends Timed> {
  #heap: Array<{ e: E; seq: number }> = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(e: E): void {
    const h = this.#heap;
    h.push({ e, seq: this.#seq++ });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  pop(): E | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined) return undefined;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#before(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.#before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top.e;
  }

  #before(a: { e: E; seq: number }, b: { e: E; seq: number }): boolean {
    return a.e.at < b.e.at || (a.e.at === b.e.at && a.seq < b.seq);
  }
}
