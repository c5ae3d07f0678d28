// Judges the AMD detector on the generated labelled set (40 human, 40 machine):
// prints the confusion matrix, asserts ≥ 95 % accuracy and a median human
// decision under 2.5 s, and checks that MACHINE playback waits for the beep.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateAmdFixtures, type Sample } from '../../fixtures/amd/generate.ts';
import { classify } from '../../../media-node/src/amd/cli.ts';
import { AmdDetector } from '../../../media-node/src/amd/detector.ts';
import { decodeToPcm } from '../../../media-node/src/audio/ffmpeg-decode.ts';

let samples: Sample[] = [];
const pcmOf = new Map<string, Int16Array>();

beforeAll(async () => {
  samples = await generateAmdFixtures(40);
  for (const s of samples) pcmOf.set(s.file, await decodeToPcm(readFileSync(s.file)));
}, 120_000);

describe('answering-machine detection on the fixture set', () => {
  it('is at least 95% accurate with a median human decision under 2.5 s', () => {
    const matrix = { HUMAN: { HUMAN: 0, MACHINE: 0 }, MACHINE: { HUMAN: 0, MACHINE: 0 } };
    const humanMs: number[] = [];
    for (const s of samples) {
      const r = classify(pcmOf.get(s.file)!);
      matrix[s.label][r.answered_by]++;
      if (s.label === 'HUMAN' && r.answered_by === 'HUMAN') humanMs.push(r.decision_ms);
    }
    const correct = matrix.HUMAN.HUMAN + matrix.MACHINE.MACHINE;
    const accuracy = correct / samples.length;
    humanMs.sort((a, b) => a - b);
    const median = humanMs[Math.floor(humanMs.length / 2)] ?? Infinity;
    console.log(
      [
        `AMD confusion matrix (${samples.length} samples)`,
        '              predicted HUMAN  predicted MACHINE',
        `actual HUMAN   ${String(matrix.HUMAN.HUMAN).padStart(15)}  ${String(matrix.HUMAN.MACHINE).padStart(17)}`,
        `actual MACHINE ${String(matrix.MACHINE.HUMAN).padStart(15)}  ${String(matrix.MACHINE.MACHINE).padStart(17)}`,
        `accuracy ${(accuracy * 100).toFixed(1)}%, median human decision ${median} ms`,
      ].join('\n'),
    );
    expect(samples.filter((s) => s.label === 'HUMAN').length).toBeGreaterThanOrEqual(40);
    expect(samples.filter((s) => s.label === 'MACHINE').length).toBeGreaterThanOrEqual(40);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    expect(median).toBeLessThan(2500);
  });

  it('says ready_to_play only after the beep has ended, for machines that beep', () => {
    const beeping = samples.filter((s) => s.label === 'MACHINE' && s.hasBeep);
    expect(beeping.length).toBeGreaterThan(10);
    for (const s of beeping) {
      const pcm = pcmOf.get(s.file)!;
      const detector = new AmdDetector();
      let ready: { reason: string; atMs: number } | null = null;
      for (let i = 0; i + 160 <= pcm.length && !ready; i += 160) {
        const o = detector.pushFrame(pcm.subarray(i, i + 160));
        if (o?.kind === 'ready_to_play') ready = o;
      }
      expect(ready, s.file).not.toBeNull();
      // The tail after the beep is 4 s of silence: readiness must come from the beep, inside the file.
      expect(ready!.reason, s.file).toBe('beep');
      expect(ready!.atMs).toBeLessThan((pcm.length / 8000) * 1000 - 3000);
    }
  });
});
