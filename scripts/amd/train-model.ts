/**
 * The AMD model training procedure, pure (clips in, model file out) so a test
 * can run it on a tiny set: trace every clip's decision points, fit boosted
 * trees with k-fold cross-fitting by clip to get honest out-of-fold
 * probabilities, choose the policy thresholds on those, then fit the final
 * trees on every row. Deterministic: fixed fold assignment, no sampling.
 */
import { AMD_MODEL_FORMAT, FEATURE_NAMES, machineProbability, type AmdModelFile, type AnsweredBy, type DecisionPolicy } from '../../media-node/src/amd/index.ts';
import { roundModel, trainBoostedTrees, type BoostOptions, type TrainingRows } from './gbdt-train.ts';
import { replay, searchPolicy, type PolicyScore, type ReplayClip } from './policy-search.ts';
import { traceClip, type ClipTrace } from './trace.ts';

export interface TrainingClip {
  id: string;
  /** Clips of one group (a voice) share a fold, so the out-of-fold figures are on voices the trees never heard. */
  group?: string;
  label: AnsweredBy;
  pcm: Int16Array;
}

export interface TrainOptions {
  boost?: Partial<BoostOptions>;
  folds?: number;
  /** A person's rows weigh this much more than a machine's (their errors cost more). */
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
  /** Largest out-of-fold person → machine share the chosen thresholds may have (default 2 %). */
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
}

export function trainAmdModel(clips: TrainingClip[], options: TrainOptions = {}): TrainResult {
  const schedule = options.schedule ?? DEFAULT_SCHEDULE;
  const humanWeight = options.humanWeight ?? 1.5;
  const folds = options.folds ?? 4;
  const finalShare = options.finalShare ?? 0.5;
  const sorted = [...clips].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const traced = sorted.map((c) => ({ label: c.label, trace: traceClip(c.pcm, schedule) }));
  const groups = [...new Set(sorted.map((c) => c.group ?? c.id))].sort();
  const foldOf = sorted.map((c) => groups.indexOf(c.group ?? c.id) % folds);
  const replays: ReplayClip[] = traced.map((t) => ({ ...t, probabilities: [] }));
  for (let k = 0; k < folds; k++) {
    const model = trainBoostedTrees(rowsOf(traced.filter((_, i) => foldOf[i] !== k), humanWeight, finalShare), options.boost);
    traced.forEach((t, i) => {
      if (foldOf[i] === k) replays[i]!.probabilities = t.trace.points.map((p) => machineProbability(model, p.x));
    });
  }
  const outOfFold = searchPolicy(schedule, replays, { secondCost: options.secondCost, maxHumanToMachine: options.maxHumanToMachine });
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
  return { file, outOfFold, outOfFoldDecisions };
}
