/**
 * Voicemail beep detection: a sustained single tone. Each 20 ms frame is
 * scanned with a bank of Goertzel bins; a frame is "tonal" when one bin holds
 * most of its energy, and a beep is the same tone (within one bin of drift)
 * held for `minBeepMs`. Speech never concentrates its energy in one bin for
 * that long, so the rule needs no knowledge of the greeting.
 */
import { blockPower, goertzelPower } from './goertzel.ts';

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

const FRAME_MS = 20;
/**
 * 20 ms at 8 kHz gives 50 Hz bins; a tone halfway between two bins 50 Hz
 * apart would lose 60 % of its power to the Goertzel window. 25 Hz spacing
 * keeps the worst case above 80 %, at ~65 bins × 160 samples per frame.
 */
const BIN_SPACING_HZ = 25;
/** Consecutive tonal frames count as one tone if they stay within this drift. */
const SAME_TONE_HZ = 60;

export class BeepDetector {
  readonly #o: BeepOptions;
  readonly #bank: number[] = [];
  #toneHz: number | null = null;
  #toneMs = 0;
  #heard = false;

  constructor(options: BeepOptions) {
    this.#o = options;
    for (let f = options.minFrequencyHz; f <= options.maxFrequencyHz; f += BIN_SPACING_HZ) this.#bank.push(f);
  }

  /** The strongest bank frequency in the frame if it is a near-pure tone, else null. Pure: no state. */
  toneOf(pcm: Int16Array): number | null {
    const total = blockPower(pcm);
    if (total === 0 || Math.sqrt((2 * total) / (pcm.length * pcm.length)) < this.#o.minToneRms) return null;
    let best = 0;
    let bestPower = 0;
    for (const f of this.#bank) {
      const p = goertzelPower(pcm, f);
      if (p > bestPower) {
        bestPower = p;
        best = f;
      }
    }
    return bestPower / total >= this.#o.tonePurity ? best : null;
  }

  push(pcm: Int16Array): BeepFrame {
    const tone = this.toneOf(pcm);
    let beepEnded = false;
    if (tone !== null && this.#toneHz !== null && Math.abs(tone - this.#toneHz) <= SAME_TONE_HZ) {
      this.#toneMs += FRAME_MS;
    } else {
      if (this.#toneMs >= this.#o.minBeepMs) beepEnded = true;
      this.#toneHz = tone;
      this.#toneMs = tone === null ? 0 : FRAME_MS;
    }
    if (this.#toneMs >= this.#o.minBeepMs) this.#heard = true;
    return { toneHz: this.#toneHz, toneMs: this.#toneMs, beepEnded, beepHeard: this.#heard };
  }
}
