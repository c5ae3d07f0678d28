/**
 * The legs one batch of node events touches, read once for the batch instead
 * of once per event, changed in memory while the batch is applied, and
 * written back in one statement at its end (docs/webhooks.md "Fourth pass":
 * the per-event read and the per-leg end were a tenth of the isolate's time
 * in the dialer bench). Also which of them had an open connect when the batch
 * began, so ending a leg without one needs no look-up.
 *
 * The rows here are the truth for the batch: every change the fast paths
 * make goes into them (and the per-state counts through LegStore.move). The
 * fast paths wait on nothing but their own synchronous SQLite calls, so no
 * other request runs between them and these rows cannot go stale; the
 * write-back happens before the batch's first real wait (the calls
 * history's flush), and all of it commits with the batch, as before.
 * A path that writes a leg by itself (a connect's progress, a stream's end,
 * a leg ended with its connect open) runs "aside": everything is written
 * back first, and afterwards every leg is read again (with its open-connect
 * flag) before its next event here. None of those paths waits on I/O today,
 * but one that did would let other requests change legs meanwhile; reading
 * again means the batch can never write an old copy over their changes.
 */
import type { ConnectStore } from './connect-store.ts';
import type { LegRow, LegStore } from './leg-store.ts';

export class LegBatch {
  readonly #rows = new Map<string, LegRow | null>();
  readonly #dirty = new Set<LegRow>();
  readonly #openConnects: Set<string>;
  /** Since the last aside (null: none yet), the legs read again; every other cached row may be stale. */
  #readSinceAside: Set<string> | null = null;

  constructor(
    private readonly legs: LegStore,
    private readonly connects: ConnectStore,
    voiceIds: readonly string[],
  ) {
    const distinct = [...new Set(voiceIds)];
    for (const id of distinct) this.#rows.set(id, null);
    for (const row of legs.byVoices(distinct)) this.#rows.set(row.voice_id!, row);
    this.#openConnects = connects.openAmong(distinct);
  }

  /** The leg's row as this batch has it (null: no such leg). */
  find(voiceId: string): LegRow | null {
    const known = this.#rows.get(voiceId);
    if (known !== undefined && (this.#readSinceAside === null || this.#readSinceAside.has(voiceId))) return known;
    this.write();
    const row = this.legs.byVoice(voiceId);
    this.#rows.set(voiceId, row);
    if (this.#readSinceAside !== null) {
      this.#readSinceAside.add(voiceId);
      if (this.connects.openFor(voiceId) !== null) this.#openConnects.add(voiceId);
      else this.#openConnects.delete(voiceId);
    }
    return row;
  }

  /** The row was changed in memory: write it back with the batch. */
  changed(row: LegRow): void {
    this.#dirty.add(row);
  }

  /** Whether the leg had an open connect when the batch began, or when it was last read (a connect closed since still says true: ending it then takes the general path, which looks). */
  mayHaveOpenConnect(voiceId: string): boolean {
    return this.#openConnects.has(voiceId);
  }

  /**
   * Runs a path that reads and writes the leg by itself: the batch's changes
   * are written first, and every leg is read again before its next event.
   */
  async aside<T>(run: () => T | Promise<T>): Promise<T> {
    this.write();
    try {
      return await run();
    } finally {
      this.#readSinceAside = new Set();
    }
  }

  /** Writes every changed row back, in one statement. */
  write(): void {
    if (this.#dirty.size === 0) return;
    const rows = [...this.#dirty];
    this.#dirty.clear();
    this.legs.writeBack(rows);
  }
}
