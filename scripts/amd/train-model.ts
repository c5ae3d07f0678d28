/**
 * The AMD model training procedure, pure (clips in, model file out) so a test
 * can run it on a tiny set: trace every clip's decision points, fit boosted
 * trees with k-fold cross-fitting by clip to get honest out-of-fold
 * probabilities, choose the policy thresholds on those, then fit the final
 * trees on every row. Deterministic: fixed fold assignment, no sampling.
 *
 * Folds can be crossed over several groupings (say accent and voice
 * variant): a clip is then predicted by trees that heard neither its accent
 * nor its variant, as on the test split, which changes both.
 */
import { AMD_MODEL_FORMAT, FEATURE_NAMES, machineProbability, type AmdModelFile, type AnsweredBy, type DecisionPolicy } from '../../media-node/src/amd/index.ts';
import { roundModel, trainBoostedTrees, type BoostOptions, type TrainingRows } from './gbdt-train.ts';
import { PERSON_TO_MACHINE_COST, replay, searchPolicy, type PolicyScore, type ReplayClip } from './policy-search.ts';
import { traceClip, type ClipTrace } from './trace.ts';
import type { KeywordHit } from '../../media-node/src/amd/keyword-spotter.ts';
import { simulatedArrivalMs } from '../../media-node/src/amd/voicemail-word.ts';

function firstArrival(hits: KeywordHit[] | undefined, trace: ClipTrace): number | null {
  if (!hits) return null;
  const at = hits.map((h) => simulatedArrivalMs(h, trace.points)).filter((t): t is number => t !== null);
  return at.length ? Math.min(...at) : null;
}

export interface TrainingClip {
  id: string;
  /**
   * Clips of one group (a voice) share a fold, so the out-of-fold figures are on voices the trees never heard.
   * Several groupings (e.g. [accent, variant]) cross: a clip's out-of-fold trees were fitted on no clip that
   * shares its fold in ANY of them.
   */
  group?: string | string[];
  label: AnsweredBy;
  pcm: Int16Array;
  /**
   * Round 5: voicemail phrases a keyword spotter heard in the clip (offline). When given, a clip's replay
   * decides MACHINE once a hit would have reached a live detector (voicemail-word.ts), and the policy's
   * thresholds are chosen with that rule in place.
   */
  keywordHits?: KeywordHit[];
}

export interface TrainOptions {
  boost?: Partial<BoostOptions>;
  /** Folds per grouping (one number for all, or one per grouping of `TrainingClip.group`). */
  folds?: number | number[];
  /**
   * A person's rows weigh this much more than a machine's (their errors cost more): by default the declared
   * cost itself (round 4; rounds 2–3 used 1.5, which scored worse out of fold, docs/amd-evaluation.md).
   */
  humanWeight?: number;
  schedule?: Pick<DecisionPolicy, 'evaluateEveryMs' | 'firstDecisionMs' | 'lastDecisionMs'>;
  /**
   * Share of each clip's weight on its last decision point (default 0.5): the
   * policy must decide there whatever the confidence, so that is where most
   * errors happen; out of fold on the tuning split 0.5 made 31 errors where 0 made 43.
   */
  finalShare?: number;
  /** Price of one second of a person's median wait, in weighted error rate (policy-search.ts). */
  secondCost?: number;
  /** Largest out-of-fold person → machine share the chosen thresholds may have (default 1 %, policy-search.ts). */
  maxHumanToMachine?: number;
  /** Informational fields copied into the model file. */
  describe?: Record<string, unknown>;
}

/**
 * Decision points to 10 s: a carrier announcement said twice or a greeting
 * after a prelude is often still ambiguous at 8 s, and a machine's message
 * waits for the greeting's end anyway (the policy search may pick an earlier last point).
 */
export const DEFAULT_SCHEDULE = { evaluateEveryMs: 100, firstDecisionMs: 300, lastDecisionMs: 10000 };

function rowsOf(items: Array<{ label: AnsweredBy; trace: ClipTrace }>, humanWeight: number, finalShare: number): TrainingRows {
  const x: Float64Array[] = [];
  const y: number[] = [];
  const w: number[] = [];
  for (const { label, trace } of items) {
    const last = trace.points.length - 1;
    trace.points.forEach((p, i) => {
      x.push(p.x);
      y.push(label === 'MACHINE' ? 1 : 0);
      // Half of a clip's weight on its last decision point, where the policy must decide whatever
      // the confidence (most errors happen there), half spread over the points before it.
      const share = last === 0 ? 1 : i === last ? finalShare : (1 - finalShare) / last;
      w.push((label === 'HUMAN' ? humanWeight : 1) * share);
    });
  }
  return { x, y: Uint8Array.from(y), weight: Float64Array.from(w) };
}

export interface TrainResult {
  file: AmdModelFile;
  outOfFold: PolicyScore;
  /** Each clip's decision under the chosen policy on out-of-fold probabilities. */
  outOfFoldDecisions: Array<{ id: string; label: AnsweredBy; answeredBy: AnsweredBy; tMs: number }>;
  /** Out-of-fold probabilities per clip (sorted by id), to score another policy on them (train.ts: the previous model's). */
  replays: ReplayClip[];
}

export function trainAmdModel(clips: TrainingClip[], options: TrainOptions = {}): TrainResult {
  const schedule = options.schedule ?? DEFAULT_SCHEDULE;
  const humanWeight = options.humanWeight ?? PERSON_TO_MACHINE_COST;
  const finalShare = options.finalShare ?? 0.5;
  const sorted = [...clips].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const traced = sorted.map((c) => ({ label: c.label, trace: traceClip(c.pcm, schedule) }));
  const groupings = Math.max(1, ...sorted.map((c) => (Array.isArray(c.group) ? c.group.length : 1)));
  const groupOf = (c: TrainingClip, d: number) => (Array.isArray(c.group) ? c.group[d] : c.group) ?? c.id;
  const foldsPer = Array.from({ length: groupings }, (_, d) => (Array.isArray(options.folds) ? options.folds[d] : options.folds) ?? 4);
  // foldOf[d][i]: clip i's fold in grouping d.
  const foldOf = foldsPer.map((k, d) => assignFolds(sorted.map((c) => groupOf(c, d)), k));
  const replays: ReplayClip[] = traced.map((t, i) => ({ ...t, probabilities: [], wordAtMs: firstArrival(sorted[i]!.keywordHits, t.trace) }));
  // One fit per cell of the crossed folds: trained on clips in none of the cell's folds, it predicts the clips in all of them.
  const cells = foldsPer.reduce<number[][]>((acc, k) => acc.flatMap((cell) => Array.from({ length: k }, (_, f) => [...cell, f])), [[]]);
  for (const cell of cells) {
    const inCell = (i: number) => cell.every((f, d) => foldOf[d]![i] === f);
    const apart = (i: number) => cell.every((f, d) => foldOf[d]![i] !== f);
    const train = traced.filter((_, i) => apart(i));
    if (!traced.some((_, i) => inCell(i)) || train.length === 0) continue;
    const model = trainBoostedTrees(rowsOf(train, humanWeight, finalShare), options.boost);
    traced.forEach((t, i) => {
      if (inCell(i)) replays[i]!.probabilities = t.trace.points.map((p) => machineProbability(model, p.x));
    });
  }
  const outOfFold = searchPolicy(schedule, replays, { secondCost: options.secondCost, maxHumanToMachine: options.maxHumanToMachine });
  const folds = foldsPer.length === 1 ? foldsPer[0]! : foldsPer;
  const model = roundModel(trainBoostedTrees(rowsOf(traced, humanWeight, finalShare), options.boost));
  const file: AmdModelFile = {
    format: AMD_MODEL_FORMAT,
    features: [...FEATURE_NAMES],
    policy: outOfFold.policy,
    model,
    training: {
      ...options.describe,
      clips: clips.length,
      humans: clips.filter((c) => c.label === 'HUMAN').length,
      machines: clips.filter((c) => c.label === 'MACHINE').length,
      rows: traced.reduce((n, t) => n + t.trace.points.length, 0),
      folds,
      humanWeight,
      outOfFold: { weightedErrors: outOfFold.weightedErrors, humanToMachine: outOfFold.humanToMachine, machineToHuman: outOfFold.machineToHuman, medianHumanMs: outOfFold.medianHumanMs, medianMachineMs: outOfFold.medianMachineMs },
    },
  };
  const outOfFoldDecisions = replays.map((r, i) => ({ id: sorted[i]!.id, label: r.label, ...replay(outOfFold.policy, r) }));
  return { file, outOfFold, outOfFoldDecisions, replays };
}

/**
 * Groups to folds, largest group first into the lightest fold (ties: the
 * lower fold, then the group's name), so folds stay even when one group is
 * twice the others (en-us is an accent of both speech corpora).
 */
export function assignFolds(groupOfClip: string[], folds: number): number[] {
  const size = new Map<string, number>();
  for (const g of groupOfClip) size.set(g, (size.get(g) ?? 0) + 1);
  const order = [...size].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const load = new Array<number>(folds).fill(0);
  const foldOfGroup = new Map<string, number>();
  for (const [g, n] of order) {
    const f = load.indexOf(Math.min(...load));
    foldOfGroup.set(g, f);
    load[f]! += n;
  }
  return groupOfClip.map((g) => foldOfGroup.get(g)!);
}
