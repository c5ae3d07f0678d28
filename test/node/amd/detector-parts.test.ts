// Pure unit tests of the AMD pieces on synthetic signals: Goertzel maths, the
// adaptive-floor VAD, the beep detector and each decision rule of AmdDetector.
import { describe, expect, it } from 'vitest';
import { BeepDetector, DEFAULT_AMD_PARAMETERS, EnergyVad, RulesAmdDetector as AmdDetector, blockPower, frameRms, goertzelPower, type AmdOutcome } from '../../../media-node/src/amd/index.ts';
import { buzz, concat, frames, mix, noise, silence, speech, tone } from './signals.ts';

const vad = () => new EnergyVad({ voiceToNoiseRatio: 3, minVoiceRms: 200, noiseWindowMs: 2000 });
const beeps = () => new BeepDetector({ minFrequencyHz: 350, maxFrequencyHz: 2100, minBeepMs: 160, tonePurity: 0.8, minToneRms: 200 });

function run(pcm: Int16Array, detector = new AmdDetector()): AmdOutcome[] {
  const out: AmdOutcome[] = [];
  for (const f of frames(pcm)) {
    const o = detector.pushFrame(f);
    if (o) out.push(o);
  }
  return out;
}

describe('Goertzel', () => {
  it('puts an on-bin tone’s power in its own bin and not in a distant one', () => {
    const t = tone(1000, 20);
    expect(goertzelPower(t, 1000) / blockPower(t)).toBeGreaterThan(0.95);
    expect(goertzelPower(t, 440) / blockPower(t)).toBeLessThan(0.02);
  });

  it('keeps most of an off-bin tone within 12.5 Hz (the bank’s 25 Hz spacing)', () => {
    const t = tone(962.5, 20);
    expect(goertzelPower(t, 950) / blockPower(t)).toBeGreaterThan(0.8);
  });

  it('measures RMS in 16-bit units', () => {
    expect(frameRms(tone(1000, 20, 10000))).toBeCloseTo(10000 / Math.SQRT2, -1);
    expect(frameRms(silence(20))).toBe(0);
  });
});

describe('EnergyVad (adaptive noise floor)', () => {
  it('calls speech voice and digital silence not', () => {
    const v = vad();
    const labels = [...frames(concat(silence(400), buzz(400), silence(400)))].map((f) => v.classify(f).voiced);
    expect(labels.slice(0, 20).some(Boolean)).toBe(false);
    expect(labels.slice(21, 40).filter(Boolean).length).toBeGreaterThan(16);
    expect(labels.slice(41).some(Boolean)).toBe(false);
  });

  it('learns a noisy line: hiss far above a fixed threshold is not voice, speech over it is', () => {
    const v = vad();
    const hiss = noise(3000, 700, 7); // well above Asterisk's fixed silence_threshold
    const labels = [...frames(concat(hiss.subarray(0, 8000), mix(hiss.subarray(8000, 11200), buzz(400, 9000)), hiss.subarray(11200)))].map((f) => v.classify(f));
    expect(labels.slice(1, 50).filter((f) => f.voiced).length).toBe(0);
    expect(labels[49]!.noiseFloor).toBeGreaterThan(500);
    expect(labels.slice(51, 70).filter((f) => f.voiced).length).toBeGreaterThan(14);
    expect(labels.slice(71).filter((f) => f.voiced).length).toBe(0);
  });

  it('follows noise that starts mid-call within the floor window', () => {
    const v = vad();
    const labels = [...frames(concat(silence(1000), noise(4000, 800, 3)))].map((f) => v.classify(f).voiced);
    // The first noisy frames look like voice (louder than the silence before); after 2 s the floor has caught up.
    expect(labels.slice(51, 60).every(Boolean)).toBe(true);
    expect(labels.slice(50 + 101).some(Boolean)).toBe(false);
  });
});

describe('BeepDetector', () => {
  it.each([440, 850, 1000, 962, 1400])('hears a sustained %i Hz tone after 160 ms and says when it ended', (hz) => {
    const b = beeps();
    const out = [...frames(concat(tone(hz, 400, 6000), silence(100)))].map((f) => b.push(f));
    expect(out[6]!.beepHeard).toBe(false);
    expect(out[8]!.beepHeard).toBe(true);
    expect(Math.abs(out[10]!.toneHz! - hz)).toBeLessThanOrEqual(25);
    const ended = out.findIndex((f) => f.beepEnded);
    expect(ended).toBe(20);
  });

  it('ignores speech, noise and a tone too short to be a beep', () => {
    const b = beeps();
    const out = [...frames(concat(buzz(1500), noise(500, 1000), tone(1000, 100), silence(200)))].map((f) => b.push(f));
    expect(out.some((f) => f.beepHeard)).toBe(false);
  });

  it('ignores a tone too faint to matter', () => {
    const b = beeps();
    expect([...frames(tone(1000, 500, 150))].map((f) => b.push(f)).some((f) => f.beepHeard)).toBe(false);
  });
});

describe('AmdDetector rules', () => {
  const p = DEFAULT_AMD_PARAMETERS;

  it('long initial silence → MACHINE at initial_silence', () => {
    expect(run(silence(3000))[0]).toEqual({ kind: 'decision', answeredBy: 'MACHINE', reason: 'initial_silence', decisionMs: p.initialSilence });
  });

  it('a short "hello?" then silence → HUMAN after after_greeting_silence', () => {
    const [decision, ...rest] = run(concat(silence(500), buzz(600), silence(3000)));
    expect(decision).toMatchObject({ kind: 'decision', answeredBy: 'HUMAN', reason: 'silence_after_greeting' });
    const ms = (decision as { decisionMs: number }).decisionMs;
    expect(ms).toBeGreaterThanOrEqual(1100 + p.afterGreetingSilence - 60);
    expect(ms).toBeLessThanOrEqual(1100 + p.afterGreetingSilence + 60);
    expect(rest).toEqual([]); // no ready_to_play for a person
  });

  it('a longer utterance needs the longer silence before HUMAN', () => {
    const [decision] = run(concat(silence(300), buzz(1400), silence(3000)));
    expect(decision).toMatchObject({ answeredBy: 'HUMAN' });
    expect((decision as { decisionMs: number }).decisionMs).toBeGreaterThanOrEqual(1700 + p.afterLongUtteranceSilence - 60);
  });

  it('speech going on past the greeting length → MACHINE (long_greeting or too_many_words)', () => {
    const [decision] = run(concat(silence(300), speech(6000), silence(3000)));
    expect(decision).toMatchObject({ kind: 'decision', answeredBy: 'MACHINE' });
    expect(['long_greeting', 'too_many_words']).toContain((decision as { reason: string }).reason);
    expect((decision as { decisionMs: number }).decisionMs).toBeLessThanOrEqual(300 + p.greeting + 40);
  });

  it('a beep before any decision → MACHINE, then ready_to_play when the beep ends', () => {
    const out = run(concat(silence(300), tone(1000, 500), silence(2000)));
    expect(out[0]).toMatchObject({ kind: 'decision', answeredBy: 'MACHINE', reason: 'beep' });
    expect(out[1]).toMatchObject({ kind: 'ready_to_play', reason: 'beep' });
    expect((out[1] as { atMs: number }).atMs).toBeGreaterThanOrEqual(800);
    expect((out[1] as { atMs: number }).atMs).toBeLessThanOrEqual(840);
  });

  it('for MACHINE, waits for the greeting to end: greeting_end after silence, beep if one comes first', () => {
    const noBeep = run(concat(silence(300), speech(7000), silence(3000)));
    expect(noBeep[1]).toMatchObject({ kind: 'ready_to_play', reason: 'greeting_end' });
    expect((noBeep[1] as { atMs: number }).atMs).toBeGreaterThanOrEqual(7300 + p.machineGreetingEndSilence - 40);
    const withBeep = run(concat(silence(300), speech(7000), silence(500), tone(850, 600), silence(3000)));
    expect(withBeep[1]).toMatchObject({ kind: 'ready_to_play', reason: 'beep' });
    expect((withBeep[1] as { atMs: number }).atMs).toBeGreaterThanOrEqual(8400);
    expect((withBeep[1] as { atMs: number }).atMs).toBeLessThanOrEqual(8440);
  });

  it('never waits longer than machine_max_wait', () => {
    const out = run(concat(silence(300), speech(25_000)));
    expect(out[1]).toEqual({ kind: 'ready_to_play', reason: 'timeout', atMs: p.machineMaxWait });
  });

  it('emits each outcome once', () => {
    const out = run(concat(silence(300), speech(7000), silence(500), tone(850, 600), silence(3000), tone(1000, 600), silence(3000)));
    expect(out.map((o) => o.kind)).toEqual(['decision', 'ready_to_play']);
  });

  it('takes its parameters by name', () => {
    const d = new AmdDetector({ initialSilence: 1000 });
    expect(run(silence(1500), d)[0]).toMatchObject({ reason: 'initial_silence', decisionMs: 1000 });
  });
});
