/**
 * Cheap spectral shape of one 20 ms frame, for the learned AMD engine: the
 * zero-crossing rate and the first-difference energy ratio (a spectral
 * centroid proxy: Σ(x[n]−x[n−1])² / 2Σx² = 1 − lag-1 autocorrelation, ≈0 for
 * a low hum, ≈1 for white noise, up to 2 near 4 kHz). One pass, no FFT.
 */
export interface FrameShape {
  /** Zero crossings per sample (0–1). */
  zcr: number;
  /** First-difference energy over twice the energy (0–2); 0 for a silent frame. */
  tilt: number;
}

export function frameShape(pcm: Int16Array): FrameShape {
  let energy = 0;
  let diff = 0;
  let crossings = 0;
  let prev = pcm.length ? pcm[0]! : 0;
  energy += prev * prev;
  for (let i = 1; i < pcm.length; i++) {
    const v = pcm[i]!;
    energy += v * v;
    const d = v - prev;
    diff += d * d;
    if ((v >= 0) !== (prev >= 0)) crossings++;
    prev = v;
  }
  return {
    zcr: pcm.length > 1 ? crossings / (pcm.length - 1) : 0,
    tilt: energy > 0 ? diff / (2 * energy) : 0,
  };
}
