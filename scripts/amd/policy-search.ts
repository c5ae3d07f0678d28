/**
 * Chooses the decision policy's thresholds on out-of-fold predictions of the
 * tuning split: replays each clip's decision points through `decide` (the
 * detector's own policy function) and keeps the thresholds with the fewest
 * weighted errors (a person taken for a machine counts double: that is a
 * hang-up on a real person), then, among those within a small margin, the
 * fastest median decision for people.
 */
import { decide, type AnsweredBy, type DecisionPolicy } from '../../media-node/src/amd/index.ts';
import type { ClipTrace } from './trace.ts';

export interface ReplayClip {
  label: AnsweredBy;
  trace: ClipTrace;
  /** P(MACHINE) at each of trace.points. */
  probabilities: number[];
}

export function replay(policy: DecisionPolicy, clip: ReplayClip): { answeredBy: AnsweredBy; tMs: number } {
  const { trace, probabilities } = clip;
  for (let i = 0; i < trace.points.length; i++) {
    const p = trace.points[i]!;
    const d = decide(policy, { tMs: p.tMs, machineProbability: probabilities[i]!, heardVoice: p.heardVoice, silenceMs: p.silenceMs });
    if (d) return { answeredBy: d.answeredBy, tMs: p.tMs };
  }
  // No decision point left: the beep decided first.
  return { answeredBy: 'MACHINE', tMs: trace.beepAtMs ?? policy.lastDecisionMs };
}

export interface PolicyScore {
  policy: DecisionPolicy;
  weightedErrors: number;
  humanToMachine: number;
  machineToHuman: number;
  medianHumanMs: number;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1]! : Number.POSITIVE_INFINITY;
};

export function scorePolicy(policy: DecisionPolicy, clips: ReplayClip[]): PolicyScore {
  let hm = 0;
  let mh = 0;
  const humanTimes: number[] = [];
  for (const c of clips) {
    const r = replay(policy, c);
    if (c.label === 'HUMAN' && r.answeredBy === 'MACHINE') hm++;
    if (c.label === 'MACHINE' && r.answeredBy === 'HUMAN') mh++;
    if (c.label === 'HUMAN' && r.answeredBy === 'HUMAN') humanTimes.push(r.tMs);
  }
  return { policy, weightedErrors: (2 * hm + mh) / clips.length, humanToMachine: hm, machineToHuman: mh, medianHumanMs: median(humanTimes) };
}

export function searchPolicy(base: Pick<DecisionPolicy, 'evaluateEveryMs' | 'firstDecisionMs' | 'lastDecisionMs'>, clips: ReplayClip[], margin = 0.004): PolicyScore {
  const scores: PolicyScore[] = [];
  for (const machineAbove of [0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99])
    for (const humanBelow of [0.01, 0.03, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4])
      for (const humanSilenceMs of [100, 200, 300, 400, 600]) scores.push(scorePolicy({ ...base, machineAbove, humanBelow, humanSilenceMs }, clips));
  const best = Math.min(...scores.map((s) => s.weightedErrors));
  // Grid order breaks ties, so the choice is deterministic.
  return scores.filter((s) => s.weightedErrors <= best + margin).reduce((a, b) => (b.medianHumanMs < a.medianHumanMs ? b : a));
}
