/**
 * Synthetic 8 kHz signals for the AMD unit tests: tones, seeded noise and a
 * speech-like harmonic buzz, each cut into 20 ms frames. Not a test file.
 */
export const RATE = 8000;
export const FRAME = 160;

export function tone(frequency: number, ms: number, amplitude = 8000, phaseSamples = 0): Int16Array {
  const n = Math.round((ms / 1000) * RATE);
  return Int16Array.from({ length: n }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * frequency * (i + phaseSamples)) / RATE)));
}

export function silence(ms: number): Int16Array {
  return new Int16Array(Math.round((ms / 1000) * RATE));
}

/** Seeded white noise with the given RMS. */
export function noise(ms: number, rms: number, seed = 1): Int16Array {
  let s = seed >>> 0;
  const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  // Uniform noise in [-a, a] has RMS a/√3.
  const a = rms * Math.sqrt(3);
  return Int16Array.from({ length: Math.round((ms / 1000) * RATE) }, () => Math.round(uniform() * a));
}

/**
 * Speech-like sound: syllables of a gliding 110–190 Hz harmonic buzz with a
 * syllable-rate envelope. Energy is spread over many harmonics and the pitch
 * moves, as in a voice, so it is voice to the VAD and never a beep.
 */
export function buzz(ms: number, amplitude = 6000, syllableMs = 220): Int16Array {
  const n = Math.round((ms / 1000) * RATE);
  const out = new Int16Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    const f0 = 150 + 40 * Math.sin(2 * Math.PI * 2.3 * t);
    phase += (2 * Math.PI * f0) / RATE;
    let v = 0;
    for (let h = 1; h <= 12; h++) v += Math.sin(h * phase) / h;
    const envelope = 0.25 + 0.75 * Math.abs(Math.sin((Math.PI * (i % ((syllableMs / 1000) * RATE))) / ((syllableMs / 1000) * RATE)));
    out[i] = Math.round(amplitude * 0.5 * v * envelope);
  }
  return out;
}

/** Words of buzz separated by short silent gaps, as running speech has: `ms` long in all. */
export function speech(ms: number, amplitude = 6000): Int16Array {
  const parts: Int16Array[] = [];
  let left = ms;
  for (let i = 0; left > 0; i++) {
    const word = Math.min(left, 280 + (i % 3) * 90);
    parts.push(buzz(word, amplitude));
    left -= word;
    const gap = Math.min(left, 80);
    if (gap > 0) parts.push(silence(gap));
    left -= gap;
  }
  return concat(...parts);
}

export function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Adds b into a (same length or shorter), clipping to 16 bits. */
export function mix(a: Int16Array, b: Int16Array): Int16Array {
  return Int16Array.from(a, (v, i) => Math.max(-32768, Math.min(32767, v + (b[i] ?? 0))));
}

export function* frames(pcm: Int16Array): Generator<Int16Array> {
  for (let i = 0; i + FRAME <= pcm.length; i += FRAME) yield pcm.subarray(i, i + FRAME);
}
