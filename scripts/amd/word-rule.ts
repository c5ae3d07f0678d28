/**
 * Round 5: what the voicemail-word rule (voicemail-word.ts: a phrase the
 * spotter heard decides MACHINE before the trees have) would do, out of fold
 * on the TUNING split: reads the out-of-fold replays `npm run amd:train`
 * writes with AMD_TRAIN_REPLAYS_OUT and the spotter's hits from
 * keyword-survey.ts --out, simulates when each hit would have reached a live
 * detector, and scores (a) the trained policy as it is, (b) the same with
 * the rule, (c) thresholds searched again with the rule in place (it may
 * let HUMAN come sooner), per category, beside each other.
 *   npx tsx scripts/amd/word-rule.ts REPLAYS.json SURVEY.json
 */
import { readFileSync } from 'node:fs';
import type { DecisionPolicy } from '../../media-node/src/amd/index.ts';
import type { KeywordHit } from '../../media-node/src/amd/keyword-spotter.ts';
import { simulatedArrivalMs } from '../../media-node/src/amd/voicemail-word.ts';
import { PERSON_TO_MACHINE_COST, replay, scorePolicy, searchPolicy, type PolicyScore, type ReplayClip } from './policy-search.ts';
import type { ClipTrace } from './trace.ts';

interface SlimReplay {
  id: string;
  category: string;
  label: 'HUMAN' | 'MACHINE';
  probabilities: number[];
  beepAtMs: number | null;
  points: Array<{ tMs: number; heardVoice: boolean; silenceMs: number }>;
}
const [replaysFile, surveyFile] = process.argv.slice(2);
if (!replaysFile || !surveyFile) throw new Error('usage: word-rule.ts REPLAYS.json SURVEY.json');
const { policy, replays } = JSON.parse(readFileSync(replaysFile, 'utf8')) as { policy: DecisionPolicy; replays: SlimReplay[] };
// WORD_EXCLUDE='please leave,call you back': an ablation, those phrases' hits ignored.
const exclude = new Set((process.env.WORD_EXCLUDE ?? '').split(',').filter(Boolean));
const hitsOf = new Map((JSON.parse(readFileSync(surveyFile, 'utf8')) as Array<{ id: string; hits: KeywordHit[] }>).map((r) => [r.id, r.hits.filter((h) => !exclude.has(h.phrase))]));

const toReplay = (r: SlimReplay, withWords: boolean): ReplayClip => {
  const trace = { beepAtMs: r.beepAtMs, points: r.points } as unknown as ClipTrace;
  const arrivals = withWords ? (hitsOf.get(r.id) ?? []).map((h) => simulatedArrivalMs(h, r.points)).filter((t): t is number => t !== null) : [];
  return { label: r.label, trace, probabilities: r.probabilities, wordAtMs: arrivals.length ? Math.min(...arrivals) : null };
};
const plain = replays.map((r) => toReplay(r, false));
const worded = replays.map((r) => toReplay(r, true));
console.log(`${replays.length} tuning clips, ${worded.filter((r) => r.wordAtMs !== null).length} with a voicemail word that would have reached the detector (people: ${worded.filter((r) => r.label === 'HUMAN' && r.wordAtMs !== null).length})`);

function show(name: string, s: PolicyScore, clips: ReplayClip[]): void {
  const cats = new Map<string, { n: number; right: number }>();
  clips.forEach((c, i) => {
    const k = `${replays[i]!.category}`;
    const e = cats.get(k) ?? { n: 0, right: 0 };
    e.n++;
    if (replay(s.policy, c).answeredBy === c.label) e.right++;
    cats.set(k, e);
  });
  console.log(`${name}: person→machine ${s.humanToMachine}, machine→person ${s.machineToHuman}, declared cost ${PERSON_TO_MACHINE_COST * s.humanToMachine + s.machineToHuman}, median person ${(s.medianHumanMs / 1000).toFixed(2)} s, machine ${(s.medianMachineMs / 1000).toFixed(2)} s`);
  console.log(`    ${[...cats].sort().map(([k, e]) => `${k} ${e.right}/${e.n}`).join(', ')}`);
}
show('(a) trained policy, no words', scorePolicy(policy, plain), plain);
for (const wordMachineAbove of [0, 0.05, 0.1, 0.2, 0.3, 0.5]) show(`(b) trained policy + voicemail-word rule at P ≥ ${wordMachineAbove}`, scorePolicy({ ...policy, wordMachineAbove }, worded), worded);
const wordMachineAbove = Number(process.env.WORD_MACHINE_ABOVE ?? 0);
const searched = searchPolicy({ ...policy, wordMachineAbove }, worded);
show(`(c) thresholds searched with the rule at P ≥ ${wordMachineAbove} ${JSON.stringify(searched.policy)}`, searched, worded);
