/**
 * Cheap spectral shape of one 20 ms frame, for the learned AMD engine: the
 * zero-crossing rate, the first-difference energy ratio (a spectral
 * centroid proxy: Σ(x[n]−x[n−1])² / 2Σx² = 1 − lag-1 autocorrelation, ≈0 for
 * a low hum, ≈1 for white noise, up to 2 near 4 kHz), and the RMS after
 * pre-emphasis (x[n] − 0.95·x[n−1]: −21 dB at 100 Hz, −2 dB at 1 kHz), the
 * energy the learned engine's voice detector uses so that low rumble (brown
 * noise, a car, wind) below the telephone band does not read as voice.
 * One pass, no FFT.
 */
export interface FrameShape {
  /** Zero crossings per sample (0–1). */
  zcr: number;
  /** First-difference energy over twice the energy (0–2); 0 for a silent frame. */
  tilt: number;
  /** RMS of the pre-emphasised frame (16-bit units). */
  emphasisedRms: number;
}

const PRE_EMPHASIS = 0.95;

export function frameShape(pcm: Int16Array): FrameShape {
  let energy = 0;
  let diff = 0;
  let crossings = 0;
  let emphasised = 0;
  let prev = pcm.length ? pcm[0]! : 0;
  energy += prev * prev;
  emphasised += prev * prev * (1 - PRE_EMPHASIS) ** 2;
  for (let i = 1; i < pcm.length; i++) {
    const v = pcm[i]!;
    energy += v * v;
    const d = v - prev;
    diff += d * d;
    const e = v - PRE_EMPHASIS * prev;
    emphasised += e * e;
    if ((v >= 0) !== (prev >= 0)) crossings++;
    prev = v;
  }
  return {
    zcr: pcm.length > 1 ? crossings / (pcm.length - 1) : 0,
    tilt: energy > 0 ? diff / (2 * energy) : 0,
    emphasisedRms: pcm.length ? Math.sqrt(emphasised / pcm.length) : 0,
  };
}
