/**
 * One Goertzel scan of a 20 ms frame over the beep band, shared by the tone
 * detectors (beep.ts: one tone; tone-run.ts: two tones, at once or in a row):
 * the ~70 bins are computed once per frame however many detectors read them.
 * Owns the scan and the shares of energy the detectors judge by, including
 * the share over the line's own noise (a beep under loud noise holds 60–75 %
 * of the frame, its share of what is not noise is higher); the thresholds and
 * the run-length logic are the detectors'.
 */
import { blockPower, goertzelPower } from './goertzel.ts';

/**
 * 20 ms at 8 kHz gives 50 Hz bins; a tone halfway between two bins 50 Hz
 * apart would lose 60 % of its power to the Goertzel window. 25 Hz spacing
 * keeps the worst case above 80 %, at ~70 bins × 160 samples per frame.
 */
const BIN_SPACING_HZ = 25;
/** Two tones at once are told from one tone's spread when they are at least this far apart. */
const MIN_SEPARATION_HZ = 100;
/** The line's noise power is the quietest 60 ms average of the last 2 s, as in feature-vad.ts, of frames that are not lost packets. */
const NOISE_WINDOW_FRAMES = 100;
const LOST_PACKET_RMS = 4;
/** Taking the noise out may at most double a share: a tone must still hold half of the raw frame. */
const MAX_NOISE_SHARE = 0.5;

export interface ToneBankOptions {
  minFrequencyHz: number;
  maxFrequencyHz: number;
  /** Quieter frames are never tones (a faint hum on the line is not a beep). */
  minToneRms: number;
}

/** One frame's scan. Valid until the bank's next `analyse` (the powers are a scratch buffer). */
export interface ToneSpectrum {
  /** Loud enough to be a tone at all; when false the shares are 0. */
  loud: boolean;
  /** The strongest bin's frequency (the lowest, on a tie). */
  strongestHz: number;
  /** Share of the frame's energy in the strongest bin (≈1 for a pure on-bin tone). */
  oneToneShare: number;
  /** Share in the strongest bin and the strongest one at least 100 Hz from it. */
  twoToneShare: number;
  /** The same shares of the frame's energy above the line's noise. */
  oneToneShareOverNoise: number;
  twoToneShareOverNoise: number;
}

export class ToneBank {
  readonly #o: ToneBankOptions;
  readonly #frequencies: number[] = [];
  readonly #power: Float64Array;
  readonly #history = new Float64Array(NOISE_WINDOW_FRAMES);
  #historyCount = 0;
  readonly #recent = [0, 0, 0];
  #recentCount = 0;
  #noise = 0;

  constructor(options: ToneBankOptions) {
    this.#o = options;
    for (let f = options.minFrequencyHz; f <= options.maxFrequencyHz; f += BIN_SPACING_HZ) this.#frequencies.push(f);
    this.#power = new Float64Array(this.#frequencies.length);
  }


  analyse(pcm: Int16Array): ToneSpectrum {
    const total = blockPower(pcm);
    const rms = total > 0 ? Math.sqrt((2 * total) / (pcm.length * pcm.length)) : 0;
    // The noise known before this frame: a beep's own first frame is not its noise.
    const noise = this.#noise;
    this.#learnNoise(total, rms);
    if (total === 0 || rms < this.#o.minToneRms) return { loud: false, strongestHz: 0, oneToneShare: 0, twoToneShare: 0, oneToneShareOverNoise: 0, twoToneShareOverNoise: 0 };
    const f = this.#frequencies;
    let b1 = 0;
    for (let i = 0; i < f.length; i++) {
      this.#power[i] = goertzelPower(pcm, f[i]!);
      if (this.#power[i]! > this.#power[b1]!) b1 = i;
    }
    let p2 = 0;
    for (let i = 0; i < f.length; i++) if (Math.abs(f[i]! - f[b1]!) >= MIN_SEPARATION_HZ && this.#power[i]! > p2) p2 = this.#power[i]!;
    const p1 = this.#power[b1]!;
    const overNoise = Math.max(total - noise, total * MAX_NOISE_SHARE, p1 + p2);
    return { loud: true, strongestHz: f[b1]!, oneToneShare: p1 / total, twoToneShare: (p1 + p2) / total, oneToneShareOverNoise: p1 / overNoise, twoToneShareOverNoise: (p1 + p2) / overNoise };
  }

  #learnNoise(total: number, rms: number): void {
    if (rms < LOST_PACKET_RMS) return;
    this.#recent[this.#recentCount++ % 3] = total;
    const smooth = this.#recentCount >= 3 ? (this.#recent[0]! + this.#recent[1]! + this.#recent[2]!) / 3 : total;
    this.#history[this.#historyCount++ % NOISE_WINDOW_FRAMES] = smooth;
    let min = Infinity;
    for (let i = 0, n = Math.min(this.#historyCount, NOISE_WINDOW_FRAMES); i < n; i++) if (this.#history[i]! < min) min = this.#history[i]!;
    this.#noise = min;
  }
}
