/**
 * Voicemail beep detection: a sustained single tone. Each 20 ms frame is
 * scanned with a bank of Goertzel bins (tone-bank.ts); a frame is "tonal"
 * when one bin holds most of its energy, and a beep is the same tone (within
 * one bin of drift) held for `minBeepMs`. Speech never concentrates its
 * energy in one bin for that long, so the rule needs no knowledge of the
 * greeting.
 */
import { SustainedRun } from './sustained-run.ts';
import { ToneBank, type ToneSpectrum } from './tone-bank.ts';

export interface BeepOptions {
  /** Lowest and highest tone scanned (voicemail beeps are 400–2000 Hz; 440, 850 and 1000 Hz are common). */
  minFrequencyHz: number;
  maxFrequencyHz: number;
  /** A beep is one tone held at least this long. */
  minBeepMs: number;
  /** Share of the frame's energy one bin must hold for the frame to count as a tone. */
  tonePurity: number;
  /** Quieter frames are never tones (a faint hum on the line is not a beep). */
  minToneRms: number;
  /**
   * Judge purity on the frame's energy above the line's noise (tone-bank.ts),
   * so a beep under loud noise still counts. The learned engine's choice; the
   * rules engine keeps the raw share it was tuned with.
   */
  purityOverNoise?: boolean;
}

export interface BeepFrame {
  /** Frequency of the tone in this frame, or null. */
  toneHz: number | null;
  /** How long the current tone has held, including this frame. */
  toneMs: number;
  /** True on the frame after a tone of at least minBeepMs stopped: the beep is over. */
  beepEnded: boolean;
  /** True once any beep has been heard (running or ended). */
  beepHeard: boolean;
}

/** Consecutive tonal frames count as one tone if they stay within this drift. */
const SAME_TONE_HZ = 60;

export class BeepDetector {
  readonly #o: BeepOptions;
  readonly #bank: ToneBank;
  readonly #run: SustainedRun;
  #toneHz: number | null = null;

  constructor(options: BeepOptions) {
    this.#o = options;
    this.#bank = new ToneBank({ minFrequencyHz: options.minFrequencyHz, maxFrequencyHz: options.maxFrequencyHz, minToneRms: options.minToneRms });
    this.#run = new SustainedRun(options.minBeepMs);
  }

  /** Feed one 20 ms frame, scanned by this detector's own bank. */
  push(pcm: Int16Array): BeepFrame {
    return this.pushScan(this.#bank.analyse(pcm));
  }

  /** Feed a frame another bank with the same range and floor already scanned (the learned engine's front end). */
  pushScan(s: ToneSpectrum): BeepFrame {
    const tone = s.loud && (this.#o.purityOverNoise ? s.oneToneShareOverNoise : s.oneToneShare) >= this.#o.tonePurity ? s.strongestHz : null;
    // Drift is measured from the tone's first frame, so a slow sweep is not one beep.
    const continues = tone !== null && this.#toneHz !== null && Math.abs(tone - this.#toneHz) <= SAME_TONE_HZ;
    if (!continues) this.#toneHz = tone;
    const run = this.#run.push(continues, tone !== null);
    return { toneHz: this.#toneHz, toneMs: run.ms, beepEnded: run.ended, beepHeard: run.heard };
  }
}
