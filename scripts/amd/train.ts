/**
 * `npm run amd:train`: trains the learned AMD engine on the TUNING split of
 * every corpus (generating them on first use) and writes
 * media-node/src/amd/amd-model.json. The test splits are never read here.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AMD_MODEL_URL } from '../../media-node/src/amd/index.ts';
import { CORPUS_NAMES, loadNamedCorpus, readWav } from '../../test/fixtures/amd/corpora/index.ts';
import { trainAmdModel, type TrainingClip } from './train-model.ts';

const started = Date.now();
const clips: TrainingClip[] = [];
const counts: Record<string, number> = {};
for (const name of CORPUS_NAMES) {
  const corpus = await loadNamedCorpus(name, 'tuning', { log: console.log });
  counts[name] = corpus.length;
  for (const c of corpus) clips.push({ id: c.id, label: c.label, pcm: readWav(c.file) });
}
const { file, outOfFold } = trainAmdModel(clips, { describe: { split: 'tuning', corpora: counts } });
writeFileSync(fileURLToPath(AMD_MODEL_URL), `${JSON.stringify(file)}\n`);
console.log(`trained on ${clips.length} tuning clips (${JSON.stringify(counts)}), ${file.training.rows} decision points, ${file.model.trees.length} trees`);
console.log(`policy: ${JSON.stringify(file.policy)}`);
console.log(`out-of-fold on tuning: ${outOfFold.humanToMachine} human→machine, ${outOfFold.machineToHuman} machine→human, median human decision ${outOfFold.medianHumanMs} ms`);
console.log(`wrote ${fileURLToPath(AMD_MODEL_URL)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
