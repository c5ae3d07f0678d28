/**
 * The energy the learned engine's voice detector measures: RMS after a
 * second-order Butterworth high-pass at 200 Hz, state kept across frames.
 * Rumble below the telephone band (brown noise, a car, wind; a line without
 * a band-pass filter keeps it) otherwise reads as voice, while speech, white
 * noise and beeps lose almost nothing. A pre-emphasis filter would also
 * remove the rumble but costs speech ~8 dB against white noise.
 */
export class HighPassEnergy {
  readonly #b0: number;
  readonly #b1: number;
  readonly #b2: number;
  readonly #a1: number;
  readonly #a2: number;
  #x1 = 0;
  #x2 = 0;
  #y1 = 0;
  #y2 = 0;

  constructor(cutoffHz = 200, sampleRate = 8000) {
    const w0 = (2 * Math.PI * cutoffHz) / sampleRate;
    const alpha = Math.sin(w0) / Math.SQRT2; // Q = 1/√2
    const cos = Math.cos(w0);
    const a0 = 1 + alpha;
    this.#b0 = (1 + cos) / 2 / a0;
    this.#b1 = -(1 + cos) / a0;
    this.#b2 = this.#b0;
    this.#a1 = (-2 * cos) / a0;
    this.#a2 = (1 - alpha) / a0;
  }

  /** RMS of the frame after the filter (16-bit units). */
  rms(pcm: Int16Array): number {
    let sum = 0;
    for (let i = 0; i < pcm.length; i++) {
      const x = pcm[i]!;
      const y = this.#b0 * x + this.#b1 * this.#x1 + this.#b2 * this.#x2 - this.#a1 * this.#y1 - this.#a2 * this.#y2;
      this.#x2 = this.#x1;
      this.#x1 = x;
      this.#y2 = this.#y1;
      this.#y1 = y;
      sum += y * y;
    }
    return pcm.length ? Math.sqrt(sum / pcm.length) : 0;
  }
}
