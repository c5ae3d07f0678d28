/**
 * How long a per-frame condition (a tone, a pair of tones) has held, for the
 * tone detectors: a run that reached `minMs` is a beep; `ended` on the frame
 * after such a run stopped (a recording starts when its beep ends, not when it
 * starts); `heard` once any run was long enough.
 */
const FRAME_MS = 20;

export interface RunFrame {
  /** How long the current run has held, including this frame (0: none). */
  ms: number;
  /** The current run is long enough. */
  running: boolean;
  /** A long-enough run stopped on this frame. */
  ended: boolean;
  /** A long-enough run has been heard. */
  heard: boolean;
}

export class SustainedRun {
  readonly #minMs: number;
  #ms = 0;
  #heard = false;

  constructor(minMs: number) {
    this.#minMs = minMs;
  }

  /**
   * `continues`: this frame carries on the current run; otherwise the run
   * stops, and `startsNew` says whether this frame begins another (a tone
   * that changed frequency).
   */
  push(continues: boolean, startsNew = false): RunFrame {
    let ended = false;
    if (continues) this.#ms += FRAME_MS;
    else {
      if (this.#ms >= this.#minMs) ended = true;
      this.#ms = startsNew ? FRAME_MS : 0;
    }
    const running = this.#ms >= this.#minMs;
    if (running) this.#heard = true;
    return { ms: this.#ms, running, ended, heard: this.#heard };
  }
}
