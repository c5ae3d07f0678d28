/**
 * Beeps the single-tone detector (beep.ts) misses: a dual-frequency beep (two
 * tones at once, each with half the energy, so no single bin reaches its
 * purity) and a two-tone sequence whose tones are each shorter than a beep.
 * A frame is tonal when its two strongest bins (at least 100 Hz apart) hold
 * `purity` of its energy (tone-bank.ts); a run of tonal frames, whatever
 * their frequencies, held `minRunMs` is a beep. Speech spreads its energy
 * over many harmonics and never stays this concentrated for that long. Used
 * by the learned engine's front end; the rules engine keeps its detector
 * unchanged.
 */
import { SustainedRun } from './sustained-run.ts';
import { ToneBank, type ToneSpectrum } from './tone-bank.ts';

export interface ToneRunOptions {
  minFrequencyHz: number;
  maxFrequencyHz: number;
  minRunMs: number;
  purity: number;
  minToneRms: number;
  /** Judge purity on the energy above the line's noise (see beep.ts). */
  purityOverNoise?: boolean;
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

export class ToneRunDetector {
  readonly #o: ToneRunOptions;
  readonly #bank: ToneBank;
  readonly #run: SustainedRun;

  constructor(options: ToneRunOptions) {
    this.#o = options;
    this.#bank = new ToneBank({ minFrequencyHz: options.minFrequencyHz, maxFrequencyHz: options.maxFrequencyHz, minToneRms: options.minToneRms });
    this.#run = new SustainedRun(options.minRunMs);
  }

  /** Feed one 20 ms frame, scanned by this detector's own bank. */
  push(pcm: Int16Array): ToneRunFrame {
    return this.pushScan(this.#bank.analyse(pcm));
  }

  /** Feed a frame another bank with the same range and floor already scanned (the front end's). */
  pushScan(s: ToneSpectrum): ToneRunFrame {
    const tonal = (this.#o.purityOverNoise ? s.twoToneShareOverNoise : s.twoToneShare) >= this.#o.purity;
    const { running, ended, heard } = this.#run.push(tonal);
    return { tonal, running, ended, heard };
  }
}
