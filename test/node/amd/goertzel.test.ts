import { describe, expect, it } from 'vitest';
import { blockPower, goertzelPower } from '../../../media-node/src/amd/goertzel.ts';
import { AmdDetector } from '../../../media-node/src/amd/detector.ts';

const tone = (freq: number, n = 160, amp = 8000) => Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * freq * i) / 8000)));

describe('Goertzel', () => {
  it('puts a pure tone’s power in its own bin, not its neighbours', () => {
    const t = tone(1000);
    const total = blockPower(t);
    expect(goertzelPower(t, 1000) / total).toBeGreaterThan(0.9);
    expect(goertzelPower(t, 440) / total).toBeLessThan(0.05);
  });
});

describe('AMD detector rules', () => {
  const silence = new Int16Array(160);
  it('calls long initial silence a machine', () => {
    const d = new AmdDetector();
    let out = null;
    for (let i = 0; i < 200 && !out; i++) out = d.pushFrame(silence);
    expect(out).toMatchObject({ kind: 'decision', answeredBy: 'MACHINE', reason: 'initial_silence', decisionMs: 2500 });
  });
  it('calls a sustained tone a machine beep', () => {
    const d = new AmdDetector();
    let out = null;
    for (let i = 0; i < 100 && !out; i++) out = d.pushFrame(tone(850));
    expect(out).toMatchObject({ answeredBy: 'MACHINE', reason: 'beep' });
  });
});
