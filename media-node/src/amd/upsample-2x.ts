/**
 * 8 kHz → 16 kHz for a recognizer whose acoustic model was trained on 16 kHz
 * speech (pocketsphinx's en-us): zero-stuffing and a windowed-sinc half-band
 * low-pass, streamed frame by frame with its history kept, so nothing above
 * 4 kHz is invented (the images of the narrowband spectrum are removed).
 */

const TAPS = 31;
const HALF = (TAPS - 1) / 2;

/** Half-band low-pass at 4 kHz of a 16 kHz stream, gain 2 (zero-stuffing halves the level). */
const KERNEL = Float64Array.from({ length: TAPS }, (_, i) => {
  const n = i - HALF;
  const sinc = n === 0 ? 0.5 : Math.sin((Math.PI * n) / 2) / (Math.PI * n);
  const hann = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (TAPS - 1));
  return 2 * sinc * hann;
});

export class Upsampler2x {
  /** The last input samples the filter still needs (at 8 kHz). */
  #history = new Float64Array(TAPS);

  /** One block of 8 kHz samples in, twice as many 16 kHz samples out (delayed by the filter's half length). */
  push(input: Int16Array): Int16Array {
    const out = new Int16Array(input.length * 2);
    const h = this.#history;
    for (let i = 0; i < input.length; i++) {
      h.copyWithin(0, 1);
      h[TAPS - 1] = input[i]!;
      // Output pair for the zero-stuffed stream x[2k] = input, x[2k+1] = 0, centred HALF/2 inputs back.
      for (let phase = 0; phase < 2; phase++) {
        let acc = 0;
        for (let k = phase; k < TAPS; k += 2) acc += KERNEL[k]! * h[TAPS - 1 - ((k - phase) >> 1)]!;
        out[2 * i + phase] = Math.max(-32768, Math.min(32767, Math.round(acc)));
      }
    }
    return out;
  }
}
