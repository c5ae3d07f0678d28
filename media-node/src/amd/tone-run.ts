/**
 * Beeps the single-tone detector (beep.ts) misses: a dual-frequency beep (two
 * tones at once, each with half the energy, so no single bin reaches its
 * purity) and a two-tone sequence whose tones are each shorter than a beep.
 * A frame is tonal when its two strongest bins (at least 100 Hz apart) hold
 * `purity` of its energy; a run of tonal frames, whatever their frequencies,
 * held `minRunMs` is a beep. Speech spreads its energy over many harmonics
 * and never stays this concentrated for that long. Used by the learned
 * engine's front end; the rules engine keeps its detector unchanged.
 */
import { blockPower, goertzelPower } from './goertzel.ts';

export interface ToneRunOptions {
  minFrequencyHz: number;
  maxFrequencyHz: number;
  minRunMs: number;
  purity: number;
  minToneRms: number;
}

export interface ToneRunFrame {
  tonal: boolean;
  /** A run long enough to be a beep is sounding now. */
  running: boolean;
  /** On the frame after such a run stopped. */
  ended: boolean;
  /** Any such run so far. */
  heard: boolean;
}

const FRAME_MS = 20;
const BIN_SPACING_HZ = 25;
const MIN_SEPARATION_HZ = 100;

export class ToneRunDetector {
  readonly #o: ToneRunOptions;
  readonly #bank: number[] = [];
  readonly #power: Float64Array;
  #runMs = 0;
  #heard = false;

  constructor(options: ToneRunOptions) {
    this.#o = options;
    for (let f = options.minFrequencyHz; f <= options.maxFrequencyHz; f += BIN_SPACING_HZ) this.#bank.push(f);
    this.#power = new Float64Array(this.#bank.length);
  }

  /** Share of the frame's energy in its two strongest bins at least 100 Hz apart (0 for a quiet frame). Pure but for a scratch buffer. */
  twoToneShare(pcm: Int16Array): number {
    const total = blockPower(pcm);
    if (total === 0 || Math.sqrt((2 * total) / (pcm.length * pcm.length)) < this.#o.minToneRms) return 0;
    let b1 = 0;
    for (let i = 0; i < this.#bank.length; i++) {
      this.#power[i] = goertzelPower(pcm, this.#bank[i]!);
      if (this.#power[i]! > this.#power[b1]!) b1 = i;
    }
    let p2 = 0;
    for (let i = 0; i < this.#bank.length; i++) {
      if (Math.abs(this.#bank[i]! - this.#bank[b1]!) >= MIN_SEPARATION_HZ && this.#power[i]! > p2) p2 = this.#power[i]!;
    }
    return (this.#power[b1]! + p2) / total;
  }

  push(pcm: Int16Array): ToneRunFrame {
    const tonal = this.twoToneShare(pcm) >= this.#o.purity;
    let ended = false;
    if (tonal) this.#runMs += FRAME_MS;
    else {
      if (this.#runMs >= this.#o.minRunMs) ended = true;
      this.#runMs = 0;
    }
    const running = this.#runMs >= this.#o.minRunMs;
    if (running) this.#heard = true;
    return { tonal, running, ended, heard: this.#heard };
  }
}
