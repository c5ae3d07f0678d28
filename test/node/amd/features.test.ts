// The learned AMD engine's inputs on synthetic signals: the per-frame
// spectral shape and the call features (voice timing, contour) it is built on.
import { describe, expect, it } from 'vitest';
import { AmdFrontEnd, CallFeatures, DEFAULT_AMD_PARAMETERS, FEATURE_NAMES, FeatureVad, HighPassEnergy, PitchTracker, frameShape } from '../../../media-node/src/amd/index.ts';
import { buzz, concat, frames, noise, silence, speech, tone } from './signals.ts';

const feature = (x: Float64Array, name: (typeof FEATURE_NAMES)[number]) => x[FEATURE_NAMES.indexOf(name)]!;

function featuresOf(pcm: Int16Array): Float64Array {
  const front = new AmdFrontEnd({ ...DEFAULT_AMD_PARAMETERS });
  for (const f of frames(pcm)) front.push(f);
  return front.features.snapshot();
}

describe('frameShape', () => {
  it('counts zero crossings: a 1000 Hz tone crosses 2000 times a second', () => {
    expect(frameShape(tone(1000, 20)).zcr).toBeCloseTo(0.25, 1);
    expect(frameShape(tone(200, 20)).zcr).toBeCloseTo(0.05, 1);
  });

  it('ranks spectral tilt: a low tone below white noise, silence at 0', () => {
    const low = frameShape(tone(200, 20)).tilt;
    const white = frameShape(noise(20, 3000, 3)).tilt;
    expect(low).toBeLessThan(0.05);
    expect(white).toBeGreaterThan(0.8);
    expect(frameShape(silence(20))).toEqual({ zcr: 0, tilt: 0 });
  });
});

describe('CallFeatures', () => {
  it('has one value per named feature and nothing heard in silence', () => {
    const x = featuresOf(silence(1000));
    expect(x).toHaveLength(FEATURE_NAMES.length);
    expect(feature(x, 'has_voice')).toBe(0);
    expect(feature(x, 'onset_ms')).toBe(1000);
    expect(feature(x, 'silence_ms')).toBe(1000);
  });

  it('times a "hello?": onset, first utterance length, the pause after it', () => {
    const x = featuresOf(concat(silence(500), buzz(600), silence(1000)));
    expect(feature(x, 'has_voice')).toBe(1);
    expect(Math.abs(feature(x, 'onset_ms') - 500)).toBeLessThanOrEqual(40);
    expect(feature(x, 'first_utterance_done')).toBe(1);
    expect(Math.abs(feature(x, 'first_utterance_ms') - 600)).toBeLessThanOrEqual(120);
    expect(feature(x, 'pause_after_first_ms')).toBeGreaterThanOrEqual(800);
    expect(feature(x, 'utterances')).toBe(1);
  });

  it('counts utterances separated by pauses, not the dips inside one', () => {
    const x = featuresOf(concat(silence(300), buzz(500), silence(700), buzz(800), silence(200)));
    expect(feature(x, 'utterances')).toBe(2);
    expect(Math.abs(feature(x, 'pause_after_first_ms') - 700)).toBeLessThanOrEqual(120);
    expect(feature(x, 'current_utterance_ms')).toBeGreaterThan(600);
  });

  it('does not take a short click for an utterance', () => {
    const x = featuresOf(concat(silence(500), tone(300, 20, 8000), silence(1000)));
    expect(feature(x, 'utterances')).toBe(0);
  });

  it('measures the energy contour against the floor', () => {
    const quiet = featuresOf(concat(noise(1000, 100, 2), buzz(800, 2000)));
    const loud = featuresOf(concat(noise(1000, 100, 2), buzz(800, 12000)));
    expect(feature(loud, 'snr_db') - feature(quiet, 'snr_db')).toBeGreaterThan(6);
  });

  it('measures the second utterance and counts sentence-long ones (a carrier says its sentence again)', () => {
    const x = featuresOf(concat(silence(300), speech(2000), silence(800), speech(2000), silence(600)));
    expect(feature(x, 'long_utterances')).toBe(2);
    expect(feature(x, 'second_utterance_ms')).toBeGreaterThan(1700);
    const hello = featuresOf(concat(silence(300), buzz(500), silence(800), buzz(700), silence(600)));
    expect(feature(hello, 'long_utterances')).toBe(0);
  });

  it('notices a tone that starts after a pause in the voice, not the voice itself', () => {
    const beepAfter = featuresOf(concat(silence(300), speech(1500), silence(400), tone(1000, 140, 4000), silence(800)));
    expect(feature(beepAfter, 'tone_after_pause_ms')).toBeGreaterThanOrEqual(100);
    expect(feature(featuresOf(concat(silence(300), speech(1500), silence(800))), 'tone_after_pause_ms')).toBe(0);
  });

  it('tells held notes (music on hold) from a gliding voice', () => {
    // A 200 Hz note with its harmonics, held: the pitch stays put frame after frame.
    const note = Int16Array.from({ length: 12000 }, (_, i) => Math.round([1, 2, 3, 4].reduce((v, h) => v + (3000 / h) * Math.sin((2 * Math.PI * 200 * h * i) / 8000), 0)));
    const held = featuresOf(concat(silence(300), note, silence(800)));
    const voice = featuresOf(concat(silence(300), buzz(1500), silence(800)));
    expect(feature(held, 'first_utterance_steady')).toBeGreaterThan(0.8);
    expect(feature(voice, 'first_utterance_steady')).toBeLessThan(feature(held, 'first_utterance_steady') - 0.3);
  });

  it('is a pure accumulator: a snapshot does not change it', () => {
    const c = new CallFeatures();
    c.push({ voiced: true, loud: true, rms: 1000, noiseFloor: 10, zcr: 0.1, tilt: 0.2, tonal: false, pitchHz: 0, toneShare: 0, toneHz: 0 });
    expect(Array.from(c.snapshot())).toEqual(Array.from(c.snapshot()));
  });
});

describe('HighPassEnergy (the learned engine’s voice detector input)', () => {
  const level = (hz: number) => {
    const f = new HighPassEnergy();
    let rms = 0;
    for (const frame of frames(tone(hz, 200, 8000))) rms = f.rms(frame);
    return 20 * Math.log10(rms / (8000 / Math.SQRT2));
  };

  it('keeps the voice band and drops rumble below it', () => {
    expect(level(1000)).toBeGreaterThan(-0.5);
    expect(level(400)).toBeGreaterThan(-1.5);
    expect(level(50)).toBeLessThan(-20);
  });
});

describe('FeatureVad (the learned engine’s voice detector)', () => {
  /** Voiced flags over line noise of RMS 300 in which a lost burst was concealed as a fade (each frame half the last) or decoded from A-law zeros (±8). */
  function voicedAfterGap(gap: Int16Array[]): boolean[] {
    const vad = new FeatureVad();
    const out: boolean[] = [];
    const line = [...frames(noise(3000, 300, 11))];
    const all = [...line.slice(0, 60), ...gap, ...line.slice(60)];
    for (const f of all) {
      let peak = 0;
      for (const v of f) peak = Math.max(peak, Math.abs(v));
      out.push(vad.push(Math.sqrt(f.reduce((a, v) => a + v * v, 0) / f.length), false, peak).voiced);
    }
    return out;
  }

  it('does not take line noise for voice after a concealed burst fades out', () => {
    const last = [...frames(noise(20, 300, 12))][0]!;
    const fade = [0.5, 0.25, 0.125, 0.0625].map((g) => Int16Array.from(last, (v) => Math.round(v * g)));
    expect(voicedAfterGap(fade).some(Boolean)).toBe(false);
  });

  it('takes A-law silence (±8) in a gap for a lost packet, not for the floor', () => {
    const alawZero = Int16Array.from({ length: 160 }, (_, i) => (i % 2 ? 8 : -8));
    expect(voicedAfterGap([alawZero, alawZero, alawZero]).some(Boolean)).toBe(false);
  });
});

describe('PitchTracker', () => {
  /** A voice-like buzz: a glide from `fromHz` to `toHz` with three harmonics. */
  function glide(fromHz: number, toHz: number, ms: number): Int16Array {
    const n = (ms * 8000) / 1000;
    const out = new Int16Array(n);
    let phase = 0;
    for (let i = 0; i < n; i++) {
      phase += (2 * Math.PI * (fromHz + ((toHz - fromHz) * i) / n)) / 8000;
      out[i] = Math.round(4000 * (Math.sin(phase) + 0.6 * Math.sin(2 * phase) + 0.3 * Math.sin(3 * phase)));
    }
    return out;
  }
  const pitches = (pcm: Int16Array) => {
    const t = new PitchTracker();
    return [...frames(pcm)].map((f) => t.push(f, true));
  };

  it('measures a voice-like buzz and says 0 for noise', () => {
    const steady = pitches(glide(150, 150, 400)).slice(2);
    for (const hz of steady) expect(hz).toBeGreaterThan(140), expect(hz).toBeLessThan(160);
    expect(pitches(noise(400, 3000, 5)).slice(2).filter((hz) => hz > 0).length).toBeLessThan(3);
  });

  it('gives a rising end to a question-like tune and a falling one to a statement', () => {
    const riseOf = (pcm: Int16Array) => {
      const x = featuresOf(concat(silence(300), pcm, silence(600)));
      return feature(x, 'pitch_end_rise');
    };
    expect(riseOf(concat(glide(120, 120, 500), glide(120, 170, 200)))).toBeGreaterThan(2);
    expect(riseOf(concat(glide(150, 150, 500), glide(150, 105, 200)))).toBeLessThan(-2);
  });
});
