/**
 * What AMD asks of a keyword spotter (round 5, "the words"): it is fed the
 * call's 8 kHz audio frame by frame as it arrives and reports the voicemail
 * phrases it heard, with when. The recognizer itself is I/O (a pocketsphinx
 * process: pocketsphinx-spotter.ts); tests use a double. This module also
 * owns reading pocketsphinx's `-time yes` output into hits, which is pure.
 */

export interface KeywordHit {
  phrase: string;
  /** From the start of the audio fed, ms. */
  startMs: number;
  endMs: number;
}

export interface KeywordSpotter {
  /** One frame of 8 kHz 16-bit PCM, in order. */
  push(frame: Int16Array): void;
  /** Hits reported so far (a recognizer reports an utterance's hits when it has ended). */
  readonly hits: readonly KeywordHit[];
  /** No more audio: resolves with every hit once the recognizer has finished. */
  close(): Promise<KeywordHit[]>;
}

/** "leave a message  1.570 2.320 0.920987": a phrase, start and end in seconds, a confidence. */
const TIMED_HIT = /^(\S.*?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s*$/;

/**
 * Reads pocketsphinx_continuous's stdout in `-kws … -time yes` mode chunk by
 * chunk: each utterance prints its phrases on one line, then one timed line
 * per hit; only the timed lines are hits (the first line cannot tell
 * "leave a message" from "leave" + "a message").
 */
export class KwsOutputReader {
  #partial = '';

  push(chunk: string): KeywordHit[] {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    const hits: KeywordHit[] = [];
    for (const line of lines) {
      const m = TIMED_HIT.exec(line);
      if (m) hits.push({ phrase: m[1]!, startMs: Math.round(Number(m[2]) * 1000), endMs: Math.round(Number(m[3]) * 1000) });
    }
    return hits;
  }

  /** Whatever was left without a newline at the end of the stream. */
  end(): KeywordHit[] {
    const rest = this.#partial;
    this.#partial = '';
    return rest ? this.push(`${rest}\n`) : [];
  }
}
