// The learned engine's beep and greeting-end pieces on synthetic signals:
// dual-frequency and two-tone beeps the single-tone detector misses, speech
// never taken for one, and when a machine's message may start.
import { describe, expect, it } from 'vitest';
import { BeepDetector, MachineEnd, ToneRunDetector } from '../../../media-node/src/amd/index.ts';
import { buzz, concat, frames, mix, noise, silence, speech, tone } from './signals.ts';

const run = () => new ToneRunDetector({ minFrequencyHz: 350, maxFrequencyHz: 2100, minRunMs: 200, purity: 0.85, minToneRms: 200 });
const single = () => new BeepDetector({ minFrequencyHz: 350, maxFrequencyHz: 2100, minBeepMs: 160, tonePurity: 0.8, minToneRms: 200 });
const dual = (a: number, b: number, ms: number) => mix(tone(a, ms, 4000), tone(b, ms, 4000));

describe('ToneRunDetector', () => {
  it('hears a dual-frequency beep that the single-tone detector does not', () => {
    const pcm = concat(dual(950, 1400, 500), silence(100));
    expect([...frames(pcm)].map((f) => single().push(f)).some((f) => f.beepHeard)).toBe(false);
    const r = run();
    const out = [...frames(pcm)].map((f) => r.push(f));
    expect(out.some((f) => f.heard)).toBe(true);
    expect(out.findIndex((f) => f.ended)).toBe(25);
  });

  it('hears two short tones in a row as one beep', () => {
    const r = run();
    expect([...frames(concat(tone(800, 140), tone(1600, 140), silence(100)))].map((f) => r.push(f)).some((f) => f.heard)).toBe(true);
  });

  it('ignores speech, noise and a short blip', () => {
    const r = run();
    const out = [...frames(concat(speech(3000), buzz(1500), noise(1000, 1000, 4), tone(1000, 120), silence(200)))].map((f) => r.push(f));
    expect(out.some((f) => f.heard)).toBe(false);
  });
});

describe('tone purity over the line noise (ToneBank)', () => {
  // A 400 Hz beep under white noise of 60 % of its RMS: about 70 % of each frame, too little for the raw purity.
  const noisyBeep = () => concat(noise(1500, 1500, 7), mix(tone(400, 500, 3500), noise(500, 1500, 8)), noise(500, 1500, 9));
  const detectors = (purityOverNoise: boolean) => ({
    single: new BeepDetector({ minFrequencyHz: 350, maxFrequencyHz: 2100, minBeepMs: 160, tonePurity: 0.8, minToneRms: 200, purityOverNoise }),
    run: new ToneRunDetector({ minFrequencyHz: 350, maxFrequencyHz: 2100, minRunMs: 200, purity: 0.85, minToneRms: 200, purityOverNoise }),
  });

  it('hears a beep under loud noise that the raw share misses', () => {
    const raw = detectors(false);
    const over = detectors(true);
    const pcm = [...frames(noisyBeep())];
    expect(pcm.map((f) => raw.single.push(f)).some((f) => f.beepHeard)).toBe(false);
    expect(pcm.map((f) => over.single.push(f)).some((f) => f.beepHeard)).toBe(true);
  });

  it('still takes neither speech nor the noise alone for a beep', () => {
    const over = detectors(true);
    const pcm = [...frames(concat(noise(1500, 1500, 3), mix(speech(2000), noise(2000, 1500, 4)), noise(1000, 1500, 5), speech(1500), silence(300)))];
    expect(pcm.map((f) => over.single.push(f)).some((f) => f.beepHeard)).toBe(false);
    expect(pcm.map((f) => over.run.push(f)).some((f) => f.heard)).toBe(false);
  });
});

describe('MachineEnd', () => {
  const end = () => new MachineEnd({ greetingEndSilenceMs: 1500, maxWaitMs: 20_000 });
  const frame = (tMs: number, o: Partial<Parameters<MachineEnd['push']>[0]> = {}) => ({ tMs, voiced: false, beepRunning: false, beepEnded: false, heardVoice: false, silenceMs: 0, ...o });

  it('a beep after the greeting: ready when it ends', () => {
    const m = end();
    expect(m.push(frame(20, { voiced: true, heardVoice: true }))).toBeNull();
    expect(m.push(frame(40, { heardVoice: true, beepRunning: true }))).toBeNull();
    expect(m.push(frame(60, { heardVoice: true, beepEnded: true, silenceMs: 40 }))).toBe('beep');
  });

  it('a tone before any voice (information tones, a ring-back) is not the recording beep', () => {
    const m = end();
    expect(m.push(frame(20, { beepEnded: true }))).toBeNull();
    expect(m.push(frame(40, { voiced: true, heardVoice: true }))).toBeNull();
    expect(m.push(frame(1560, { heardVoice: true, silenceMs: 1500 }))).toBe('greeting_end');
  });

  it('silence before any voice never ends a greeting; the wait is bounded', () => {
    const m = end();
    expect(m.push(frame(5000, { silenceMs: 5000 }))).toBeNull();
    expect(m.push(frame(20_000, { silenceMs: 20_000 }))).toBe('timeout');
  });
});
