/**
 * What a heard voicemail phrase does to the learned engine's decision (AMD
 * round 5): before the trees have decided, a phrase the spotter has
 * reported decides MACHINE (reason `voicemail_word`). Pure: the detector
 * asks `wordHeard` with the hits that have arrived; training and the bench
 * ask it with hits whose arrival is simulated from the recording
 * (`simulatedArrivalMs`), because offline the recognizer runs faster than
 * the call.
 */
import type { KeywordHit } from './keyword-spotter.ts';

/**
 * pocketsphinx_continuous reports an utterance's hits when its voice
 * detector has heard this much silence after it (its -vad_postspeech, 50
 * frames), plus its -kws_delay (10 frames) of lag.
 */
export const SPOTTER_UTTERANCE_END_MS = 500;
export const SPOTTER_DELAY_MS = 100;

/** The hits a detector may act on at `tMs`: those that have arrived (live: all reported so far). */
export function wordHeard(hits: readonly KeywordHit[], arrivedBy: (hit: KeywordHit) => number | null, tMs: number): boolean {
  return hits.some((h) => {
    const at = arrivedBy(h);
    return at !== null && at <= tMs;
  });
}

/**
 * When a hit found offline would have reached a live detector: the first
 * point, after the hit ended, at which the caller had been silent
 * SPOTTER_UTTERANCE_END_MS since a moment no earlier than the hit's end (the
 * recognizer's utterance is over), plus its lag; null if the line never fell
 * silent that long within the points given. `points` are the detector's
 * own (time, silence so far) at each decision point, in order.
 */
export function simulatedArrivalMs(hit: KeywordHit, points: ReadonlyArray<{ tMs: number; silenceMs: number }>): number | null {
  for (const p of points) {
    if (p.tMs < hit.endMs + SPOTTER_UTTERANCE_END_MS) continue;
    // Silent since at least the hit's end (20 ms of VAD hangover tolerated).
    if (p.silenceMs >= SPOTTER_UTTERANCE_END_MS && p.tMs - p.silenceMs >= hit.endMs - 100) return p.tMs + SPOTTER_DELAY_MS;
  }
  return null;
}
