// The learned engine: the committed model loads and is checked, it decides on
// a person and on a machine, and AmdDetector picks the engine the way the
// call engine expects (default model, AMD_ENGINE=rules for the rules).
import { describe, expect, it } from 'vitest';
import {
  AmdDetector,
  ModelAmdDetector,
  RulesAmdDetector,
  amdEngineFromEnv,
  defaultAmdModel,
  machineProbability,
  parseAmdModel,
  FEATURE_NAMES,
  decide,
  type AmdOutcome,
  type DecisionPolicy,
} from '../../../media-node/src/amd/index.ts';
import { concat, frames, silence, speech, tone } from './signals.ts';

function run(pcm: Int16Array, detector: { pushFrame(f: Int16Array): AmdOutcome | null }): AmdOutcome[] {
  const out: AmdOutcome[] = [];
  for (const f of frames(concat(pcm, silence(25_000)))) {
    const o = detector.pushFrame(f);
    if (o) out.push(o);
  }
  return out;
}

describe('the committed AMD model', () => {
  it('loads, matches the features this code computes, and gives a probability', () => {
    const m = defaultAmdModel();
    expect(m.features).toEqual([...FEATURE_NAMES]);
    expect(m.model.trees.length).toBeGreaterThan(0);
    expect(m.policy.machineAbove).toBeGreaterThan(m.policy.humanBelow);
    const p = machineProbability(m.model, new Float64Array(FEATURE_NAMES.length));
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
  });

  it('refuses a model trained on other features', () => {
    const text = JSON.stringify({ ...defaultAmdModel(), features: ['has_voice', 't_ms'] });
    expect(() => parseAmdModel(text)).toThrow(/other features/);
    // A model trained before features were appended still loads: it reads only the inputs it knows.
    expect(parseAmdModel(JSON.stringify({ ...defaultAmdModel(), features: ['t_ms', 'has_voice'] })).features).toHaveLength(2);
    expect(() => parseAmdModel(JSON.stringify({ format: 'x' }))).toThrow(/format/);
  });
});

describe('ModelAmdDetector', () => {
  it('decides exactly once, within its last decision point, and a person gets no ready_to_play', () => {
    const out = run(concat(silence(400), speech(500), silence(6000)), new ModelAmdDetector());
    const decisions = out.filter((o) => o.kind === 'decision');
    expect(decisions).toHaveLength(1);
    const d = decisions[0]!;
    expect(d.kind === 'decision' && d.decisionMs).toBeLessThanOrEqual(defaultAmdModel().policy.lastDecisionMs);
    if (d.kind === 'decision' && d.answeredBy === 'HUMAN') expect(out).toHaveLength(1);
  });

  it('takes a beep for a machine and says ready_to_play when a beep after the greeting ends', () => {
    const out = run(concat(silence(300), speech(3000), silence(400), tone(1000, 500), silence(2000)), new ModelAmdDetector());
    expect(out[0]).toMatchObject({ kind: 'decision', answeredBy: 'MACHINE' });
    expect(out[1]).toMatchObject({ kind: 'ready_to_play', reason: 'beep' });
    expect((out[1] as { atMs: number }).atMs).toBeGreaterThanOrEqual(4200);
    expect((out[1] as { atMs: number }).atMs).toBeLessThanOrEqual(4240);
  });

  it('does not start the message at a tone heard before any voice (special information tones)', () => {
    const sit = concat(tone(913.8, 330), tone(1370.6, 330), tone(1776.7, 330));
    const out = run(concat(sit, silence(200), speech(4000), silence(3000)), new ModelAmdDetector());
    expect(out[0]).toMatchObject({ kind: 'decision', answeredBy: 'MACHINE', reason: 'beep' });
    expect(out[1]).toMatchObject({ kind: 'ready_to_play', reason: 'greeting_end' });
    expect((out[1] as { atMs: number }).atMs).toBeGreaterThan(1200 + 4000);
  });
});

describe('decide (the learned engine\'s policy)', () => {
  const policy: DecisionPolicy = { evaluateEveryMs: 100, firstDecisionMs: 300, lastDecisionMs: 10000, machineAbove: 0.99, humanBelow: 0.4, humanSilenceMs: 800, finalMachineAbove: 0.5 };
  const at = (machineProbability: number, silenceMs: number, p: DecisionPolicy = policy) => decide(p, { tMs: 2000, machineProbability, heardVoice: true, silenceMs })?.answeredBy ?? null;

  it('says HUMAN after a short silence only when the quicker rule is set and the trees are sure', () => {
    expect(at(0.05, 400)).toBeNull();
    expect(at(0.05, 800)).toBe('HUMAN');
    const fast = { ...policy, humanFastBelow: 0.1, humanFastSilenceMs: 400 };
    expect(at(0.05, 400, fast)).toBe('HUMAN');
    expect(at(0.3, 400, fast)).toBeNull();
    expect(at(0.05, 200, fast)).toBeNull();
    expect(at(0.995, 400, fast)).toBe('MACHINE');
  });
});

describe('AmdDetector (engine choice)', () => {
  it('reads AMD_ENGINE: model by default, rules on request, anything else refused', () => {
    expect(amdEngineFromEnv({})).toBe('model');
    expect(amdEngineFromEnv({ AMD_ENGINE: 'rules' })).toBe('rules');
    expect(amdEngineFromEnv({ AMD_ENGINE: ' Model ' })).toBe('model');
    expect(() => amdEngineFromEnv({ AMD_ENGINE: 'magic' })).toThrow(/AMD_ENGINE/);
  });

  it('keeps the per-frame API: the rules engine through AmdDetector says what RulesAmdDetector says', () => {
    const pcm = concat(silence(300), speech(7000), silence(500), tone(850, 600), silence(3000));
    expect(run(pcm, new AmdDetector({}, 'rules'))).toEqual(run(pcm, new RulesAmdDetector()));
    expect(run(pcm, new AmdDetector({}, 'model'))).toEqual(run(pcm, new ModelAmdDetector()));
    expect(new AmdDetector({}, 'rules').engine).toBe('rules');
  });
});
