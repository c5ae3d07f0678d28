/**
 * Splits the legs handed to a BroadcastSession into RPC-sized batches. The
 * count bound (5,000) keeps each addLegs call short inside the object; the
 * size bound keeps a batch of long SSML documents far below the RPC message
 * limit (32 MiB) whatever the mix of plays.
 */
import type { PlayInput } from './play-schema.ts';

export const MAX_LEGS_PER_BATCH = 5_000;
export const MAX_BATCH_CHARS = 4 * 1024 * 1024;

export function* batchesOf<T>(items: readonly T[], sizeOf: (item: T) => number, maxItems = MAX_LEGS_PER_BATCH, maxChars = MAX_BATCH_CHARS): Generator<T[]> {
  let batch: T[] = [];
  let chars = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (batch.length > 0 && (batch.length >= maxItems || chars + size > maxChars)) {
      yield batch;
      batch = [];
      chars = 0;
    }
    batch.push(item);
    chars += size;
  }
  if (batch.length > 0) yield batch;
}

/** Serialised size of a leg, in characters, without serialising it: O(1) per leg. */
export function legSizeEstimate(leg: { to: string; play: PlayInput }): number {
  const p = leg.play;
  return 96 + leg.to.length + p.prompt_ref.length + (p.url?.length ?? 0) + (p.prompt_name?.length ?? 0) + (p.text?.length ?? 0) + (p.ssml?.length ?? 0) + (p.language?.length ?? 0) + (p.voice?.length ?? 0);
}
