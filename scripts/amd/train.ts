/**
 * `npm run amd:train`: trains the learned AMD engine on the TUNING split of
 * every corpus (generating them on first use) and writes
 * media-node/src/amd/amd-model.json. The test splits are never read here.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AMD_MODEL_URL, FEATURE_NAMES } from '../../media-node/src/amd/index.ts';
import type { KeywordHit } from '../../media-node/src/amd/keyword-spotter.ts';
import { CORPUS_NAMES, loadNamedCorpus, readWav } from '../../test/fixtures/amd/corpora/index.ts';
import { scorePolicy, PERSON_TO_MACHINE_COST } from './policy-search.ts';
import { DEFAULT_SCHEDULE, trainAmdModel, type TrainingClip } from './train-model.ts';

/**
 * What groups the folds, so the out-of-fold figures are on voices the trees
 * never heard. Since round 4 (the committed model): accent AND variant
 * crossed, 3 accent folds × 4 variant folds, each clip predicted by trees
 * that heard neither its espeak-ng language nor its voice variant, because
 * the test split changes both (docs/amd-evaluation.md). For experiments,
 * AMD_TRAIN_GROUP=variant (rounds 2-3) or accent (tried in round 3).
 */
const GROUP_BY = process.env.AMD_TRAIN_GROUP ?? 'accent+variant';
if (!['accent+variant', 'variant', 'accent'].includes(GROUP_BY)) throw new Error(`AMD_TRAIN_GROUP must be accent+variant, variant or accent, not ${GROUP_BY}`);
/** A clip whose voice has no variant is a group of its own. */
function foldGroup(voice: string, id: string): string | string[] {
  const [accent, variant] = voice.split('+');
  if (variant === undefined) return id;
  return GROUP_BY === 'variant' ? variant : GROUP_BY === 'accent' ? accent! : [accent!, variant];
}
const FOLDS = GROUP_BY === 'accent+variant' ? [3, 4] : 4;

/**
 * Round 5: AMD_TRAIN_KEYWORDS=survey.json (scripts/amd/keyword-survey.ts --out) gives each clip the voicemail
 * phrases the spotter heard, and the out-of-fold replay and threshold search then apply the voicemail-word rule.
 */
const keywordHits = process.env.AMD_TRAIN_KEYWORDS
  ? new Map((JSON.parse(readFileSync(process.env.AMD_TRAIN_KEYWORDS, 'utf8')) as Array<{ id: string; hits: KeywordHit[] }>).map((r) => [r.id, r.hits]))
  : undefined;
const started = Date.now();
const clips: TrainingClip[] = [];
const categoryOf = new Map<string, string>();
const counts: Record<string, number> = {};
for (const name of CORPUS_NAMES) {
  const corpus = await loadNamedCorpus(name, 'tuning', { log: console.log });
  counts[name] = corpus.length;
  for (const c of corpus) categoryOf.set(c.id, `${c.category}${c.beep ? '' : ' (no beep)'}`);
  for (const c of corpus) clips.push({ id: c.id, group: foldGroup(c.details.split(' ')[0]!, c.id), label: c.label, pcm: readWav(c.file), keywordHits: keywordHits?.get(c.id) ?? (keywordHits ? [] : undefined) });
}
const only = process.env.AMD_TRAIN_FEATURES?.split(',');
const allowed = only ? only.map((n) => FEATURE_NAMES.indexOf(n as (typeof FEATURE_NAMES)[number])) : undefined;
// Experiments: AMD_TRAIN_FEATURES=a,b,c limits the features, AMD_TRAIN_BOOST='{"trees":300}' the booster.
const boost = { ...(JSON.parse(process.env.AMD_TRAIN_BOOST ?? '{}') as object), allowed };
const humanWeight = process.env.AMD_TRAIN_HUMAN_WEIGHT ? Number(process.env.AMD_TRAIN_HUMAN_WEIGHT) : undefined;
const secondCost = process.env.AMD_TRAIN_SECOND_COST ? Number(process.env.AMD_TRAIN_SECOND_COST) : undefined;
// The model being replaced, to score its policy on the same out-of-fold probabilities (read before it is overwritten).
const previous = existsSync(fileURLToPath(AMD_MODEL_URL))
  ? (JSON.parse(readFileSync(fileURLToPath(AMD_MODEL_URL), 'utf8')) as { policy?: Parameters<typeof scorePolicy>[0]; training?: { humanWeight?: number } })
  : undefined;
const { file, outOfFold, outOfFoldDecisions, replays } = trainAmdModel(clips, { folds: FOLDS, boost, humanWeight, secondCost, finalShare: process.env.AMD_TRAIN_FINAL_SHARE ? Number(process.env.AMD_TRAIN_FINAL_SHARE) : undefined, maxHumanToMachine: process.env.AMD_TRAIN_MAX_HM ? Number(process.env.AMD_TRAIN_MAX_HM) : undefined, schedule: process.env.AMD_TRAIN_LAST_MS ? { ...DEFAULT_SCHEDULE, lastDecisionMs: Number(process.env.AMD_TRAIN_LAST_MS) } : undefined, describe: { split: 'tuning', corpora: counts } });
// AMD_TRAIN_OUT: write the model elsewhere (experiments), leaving the committed one as it is.
const outFile = process.env.AMD_TRAIN_OUT ?? fileURLToPath(AMD_MODEL_URL);
writeFileSync(outFile, `${JSON.stringify(file)}\n`);
console.log(`trained on ${clips.length} tuning clips (${JSON.stringify(counts)}), ${file.training.rows} decision points, ${file.model.trees.length} trees`);
console.log(`policy: ${JSON.stringify(file.policy)}`);
const declared = (s: { humanToMachine: number; machineToHuman: number }) => `declared cost ${PERSON_TO_MACHINE_COST * s.humanToMachine + s.machineToHuman} (${PERSON_TO_MACHINE_COST}×${s.humanToMachine} + ${s.machineToHuman})`;
console.log(`folds grouped by ${GROUP_BY} (${JSON.stringify(FOLDS)}), person weight ${file.training.humanWeight}`);
console.log(`out-of-fold on tuning: ${outOfFold.humanToMachine} human→machine, ${outOfFold.machineToHuman} machine→human, ${declared(outOfFold)}, median human decision ${outOfFold.medianHumanMs} ms, median machine decision ${outOfFold.medianMachineMs} ms`);
if (previous?.policy) {
  // Only like for like when the previous model's trees were trained the same way (same person weight).
  const p = scorePolicy(previous.policy, replays);
  console.log(`previous model's policy on these out-of-fold probabilities (its person weight ${previous.training?.humanWeight}): ${p.humanToMachine} human→machine, ${p.machineToHuman} machine→human, ${declared(p)}, median human ${p.medianHumanMs} ms, machine ${p.medianMachineMs} ms`);
}
const byCategory = new Map<string, { n: number; right: number }>();
for (const d of outOfFoldDecisions) {
  const k = categoryOf.get(d.id)!;
  const e = byCategory.get(k) ?? { n: 0, right: 0 };
  e.n++;
  if (d.answeredBy === d.label) e.right++;
  byCategory.set(k, e);
}
// Each clip's out-of-fold decision and when, and its replay (probabilities and the detector's state at each point,
// without the features), for experiments layered on the policy (round 5's voicemail-word rule: scripts/amd/word-rule.ts).
if (process.env.AMD_TRAIN_DECISIONS_OUT) writeFileSync(process.env.AMD_TRAIN_DECISIONS_OUT, JSON.stringify(outOfFoldDecisions));
if (process.env.AMD_TRAIN_REPLAYS_OUT) {
  const ids = [...clips].map((c) => c.id).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const slim = replays.map((r, i) => ({ id: ids[i], category: categoryOf.get(ids[i]!), label: r.label, probabilities: r.probabilities, beepAtMs: r.trace.beepAtMs, points: r.trace.points.map((p) => ({ tMs: p.tMs, heardVoice: p.heardVoice, silenceMs: p.silenceMs })) }));
  writeFileSync(process.env.AMD_TRAIN_REPLAYS_OUT, JSON.stringify({ policy: file.policy, replays: slim }));
}
if (process.env.AMD_TRAIN_VERBOSE) for (const d of outOfFoldDecisions) if (d.answeredBy !== d.label) console.log(`  out-of-fold miss ${d.id} → ${d.answeredBy} at ${d.tMs} ms`);
console.log(`out-of-fold per category: ${[...byCategory].sort().map(([k, e]) => `${k} ${e.right}/${e.n}`).join(', ')}`);
console.log(`wrote ${outFile} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
