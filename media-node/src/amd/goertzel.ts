/**
 * Goertzel single-bin power: the one piece of spectral analysis AMD needs. It
 * owns the maths only (no thresholds): the beep detector scans a bank of bins
 * with it, and tests check it against pure tones.
 */

/** Power of one frequency in a block of PCM: a one-bin DFT, cheap enough to run a bank of bins per 20 ms frame. */
export function goertzelPower(samples: Int16Array, frequency: number, sampleRate = 8000): number {
  const k = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const s0 = samples[i]! + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - k * s1 * s2;
}

/**
 * Total signal power of the block in the same units as goertzelPower
 * (N/2 · Σx²), so `goertzelPower / blockPower` is the share of the block's
 * energy in that bin: ≈1 for a pure on-bin tone, small for speech or noise.
 */
export function blockPower(samples: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return (sum * samples.length) / 2;
}

/** Root-mean-square amplitude of a block (16-bit units). */
export function frameRms(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / samples.length);
}
