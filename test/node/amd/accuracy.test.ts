// Judges the AMD detector on the generated labelled set (≥ 40 human, ≥ 40
// machine; test/fixtures/amd/generate.ts): prints the confusion matrix,
// accuracy and median human decision time, asserts ≥ 95 % and < 2.5 s, and
// checks that MACHINE playback waits for the beep (or the greeting's end).
import { beforeAll, describe, expect, it } from 'vitest';
import { generateAmdFixtures, type AmdFixture } from '../../fixtures/amd/generate.ts';
import { classifyPcm, type AmdVerdict } from '../../../media-node/src/amd/index.ts';
import { decodeFileToPcm } from '../../../media-node/src/audio/ffmpeg-decode.ts';
import { formatAmdScore, scoreAmd } from '../../fixtures/amd/report.ts';

interface Result {
  sample: AmdFixture;
  verdict: AmdVerdict;
}

let results: Result[] = [];

beforeAll(async () => {
  const samples = await generateAmdFixtures({ perClass: 40, concurrency: 3 });
  const pcm = await Promise.all(samples.map((s) => decodeFileToPcm(s.file)));
  results = samples.map((sample, i) => ({ sample, verdict: classifyPcm(pcm[i]!) }));
}, 110_000);

describe('answering-machine detection on the generated fixture set', () => {
  it('is at least 95 % accurate with a median human decision under 2.5 s', () => {
    const score = scoreAmd(results);
    console.log(formatAmdScore(score, results.length));
    expect(results.filter((r) => r.sample.label === 'HUMAN').length).toBeGreaterThanOrEqual(40);
    expect(results.filter((r) => r.sample.label === 'MACHINE').length).toBeGreaterThanOrEqual(40);
    expect(score.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(score.medianHumanDecisionMs).toBeLessThan(2500);
  });

  it('says ready_to_play for a beeping machine just after the beep ends', () => {
    const beeping = results.filter((r) => r.sample.label === 'MACHINE' && r.sample.beep && r.verdict.answeredBy === 'MACHINE');
    expect(beeping.length).toBeGreaterThanOrEqual(15);
    for (const { sample, verdict } of beeping) {
      expect(verdict.readyToPlay, sample.file).toMatchObject({ reason: 'beep' });
      expect(verdict.readyToPlay!.atMs, sample.file).toBeGreaterThanOrEqual(sample.beep!.endMs);
      expect(verdict.readyToPlay!.atMs, sample.file).toBeLessThanOrEqual(sample.beep!.endMs + 200);
    }
  });

  it('waits for a silent machine’s greeting to end (or the bounded wait) before ready_to_play', () => {
    const quiet = results.filter((r) => r.sample.label === 'MACHINE' && !r.sample.beep && r.verdict.answeredBy === 'MACHINE');
    expect(quiet.length).toBeGreaterThanOrEqual(10);
    for (const { sample, verdict } of quiet) {
      const ready = verdict.readyToPlay!;
      if (sample.speechEndMs >= 20_000 - 1500) expect(ready, sample.file).toMatchObject({ reason: 'timeout', atMs: 20_000 });
      else {
        expect(ready.reason, sample.file).toBe('greeting_end');
        // speechEndMs includes espeak-ng's ~0.4 s of trailing silence.
        expect(ready.atMs, sample.file).toBeGreaterThanOrEqual(sample.speechEndMs);
        expect(ready.atMs, sample.file).toBeLessThanOrEqual(sample.speechEndMs + 2000);
      }
    }
  });
});
