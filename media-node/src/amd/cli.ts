/**
 * `npm run amd -- <audio file>`: decodes any recording ffmpeg can read to
 * 8 kHz mono s16le, runs the detector over it frame by frame and prints
 * exactly one JSON line {"answered_by":..., "decision_ms":...}. Exit 1 with a
 * one-line reason when the file cannot be read or decoded.
 */
import { access } from 'node:fs/promises';
import { decodeFileToPcm } from '../audio/ffmpeg-decode.ts';
import { classifyPcm } from './classify.ts';
import { amdWordsFromEnv } from './detector.ts';

async function main(argv: string[]): Promise<number> {
  const file = argv[0];
  // The live spotter reports hits as the call goes on; a file runs faster than that, so its hits would come too late.
  if (amdWordsFromEnv()) {
    process.stderr.write('amd: AMD_WORDS=on is for live calls; on recordings use npm run bench:amd -- --words\n');
    return 1;
  }
  if (!file || argv.length > 1) {
    process.stderr.write('usage: npm run amd -- <audio file>\n');
    return 1;
  }
  try {
    await access(file);
  } catch {
    process.stderr.write(`amd: cannot read ${file}: no such file or not readable\n`);
    return 1;
  }
  let pcm: Int16Array;
  try {
    pcm = await decodeFileToPcm(file);
  } catch (err) {
    process.stderr.write(`amd: cannot decode ${file}: ${(err as Error).message}\n`);
    return 1;
  }
  if (pcm.length === 0) {
    process.stderr.write(`amd: ${file} contains no audio\n`);
    return 1;
  }
  const verdict = classifyPcm(pcm);
  process.stdout.write(`${JSON.stringify({ answered_by: verdict.answeredBy, decision_ms: verdict.decisionMs })}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
