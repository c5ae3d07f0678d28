/**
 * `npm run amd -- <audio file>`: runs the detector over any recording ffmpeg can
 * read and prints one JSON line {"answered_by":..., "decision_ms":...}.
 */
import { readFile } from 'node:fs/promises';
import { decodeToPcm } from '../audio/ffmpeg-decode.ts';
import { AmdDetector } from './detector.ts';

export function classify(pcm: Int16Array): { answered_by: 'HUMAN' | 'MACHINE'; decision_ms: number } {
  const detector = new AmdDetector();
  for (let i = 0; i + 160 <= pcm.length; i += 160) {
    const outcome = detector.pushFrame(pcm.subarray(i, i + 160));
    if (outcome?.kind === 'decision') return { answered_by: outcome.answeredBy, decision_ms: outcome.decisionMs };
  }
  // The recording ended before a rule fired: pad with silence, as a live call would continue.
  const silence = new Int16Array(160);
  for (let t = 0; t < 10_000; t += 20) {
    const outcome = detector.pushFrame(silence);
    if (outcome?.kind === 'decision') return { answered_by: outcome.answeredBy, decision_ms: outcome.decisionMs };
  }
  return { answered_by: 'HUMAN', decision_ms: Math.round((pcm.length / 8000) * 1000) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npm run amd -- <audio file>');
    process.exit(1);
  }
  try {
    const pcm = await decodeToPcm(await readFile(file));
    console.log(JSON.stringify(classify(pcm)));
  } catch (err) {
    console.error(`amd: cannot read ${file}: ${(err as Error).message}`);
    process.exit(1);
  }
}
