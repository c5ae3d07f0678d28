/**
 * Energy voice-activity detection with an adaptive noise floor: decides, one
 * 20 ms frame at a time, whether the callee is making speech-like sound.
 * A fixed threshold (Asterisk's silence_threshold 256) fails on noisy mobile
 * lines, where hiss alone exceeds it; following the floor keeps "silence"
 * meaning "nothing above the line's own background".
 *
 * The floor is the quietest frame of the last `noiseWindowMs` (minimum
 * statistics): speech always has gaps quieter than itself within a couple of
 * seconds, so it does not lift the floor, while noise that starts or grows
 * mid-call is fully learned one window later instead of sounding like an
 * endless greeting.
 */
import { frameRms } from './goertzel.ts';

export interface VadOptions {
  /** A frame is voice when its RMS exceeds noise floor × this ratio… */
  voiceToNoiseRatio: number;
  /** …and this absolute RMS (16-bit units), so near-digital silence is never voice. */
  minVoiceRms: number;
  /** How far back the floor looks for the quietest frame. */
  noiseWindowMs: number;
}

export interface VadFrame {
  rms: number;
  noiseFloor: number;
  voiced: boolean;
}

const FRAME_MS = 20;

export class EnergyVad {
  readonly #o: VadOptions;
  readonly #history: Float64Array;
  #count = 0;

  constructor(options: VadOptions) {
    this.#o = options;
    this.#history = new Float64Array(Math.max(1, Math.round(options.noiseWindowMs / FRAME_MS)));
  }

  /** Quietest frame RMS in the window so far (0 before the first frame). */
  get noiseFloor(): number {
    const n = Math.min(this.#count, this.#history.length);
    if (n === 0) return 0;
    let min = Infinity;
    for (let i = 0; i < n; i++) if (this.#history[i]! < min) min = this.#history[i]!;
    return min;
  }

  classify(pcm: Int16Array): VadFrame {
    const rms = frameRms(pcm);
    this.#history[this.#count % this.#history.length] = rms;
    this.#count++;
    // The current frame is part of the window, so a frame can only be voice
    // when something in the recent past was clearly quieter than it: the
    // first frame of a call is never voice, which costs 20 ms at most.
    const noiseFloor = this.noiseFloor;
    const voiced = rms > this.#o.minVoiceRms && rms > noiseFloor * this.#o.voiceToNoiseRatio;
    return { rms, noiseFloor, voiced };
  }
}
