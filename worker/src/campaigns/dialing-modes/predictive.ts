/**
 * Predictive mode: dial ahead of agents freeing up, as far as the abandon
 * target allows. docs/dialer-pacing.md has the algorithm, its sources and
 * the bench figures; in short, at each tick:
 *  1. warm-up: progressive until the campaign has `warmUpLiveAnswers` live
 *     answers and `warmUpHandledCalls` measured handle times;
 *  2. hard limit: progressive while the worst legal window (30 days / 24 h)
 *     is over the target, until it is back under 95 % of it (VICIdial's
 *     ADAPT_HARD_LIMIT, with hysteresis);
 *  3. otherwise, one more call is placed while the abandons it would add,
 *     per answer it would bring, stay under a risk limit: with X the live
 *     answers to come from the calls in flight (each weighed by how long it
 *     has rung) and S the agents free now or within a ring time, the added
 *     E[(X − S)+] (answer-overflow.ts) ≤ limit × answer rate. Marginal, not
 *     average: an average lets the last calls of a safe batch take any risk;
 *  4. the limit is 85 % of the target × `riskPerAim` × a correction learnt every
 *     `correctionEvery` live answers from the abandons actually measured
 *     against that 85 % (Cisco predictiveCorrection / predictiveGain)
 *     × agents ÷ 10 for teams under ten (small teams swing widest); answers
 *     taken while not pacing by the model teach it nothing;
 *  5. never more than maxLinesPerAgent calls in flight per agent free or in
 *     wrap-up, never fewer dials than progressive would place.
 */
import { addOneCall, binomialPmf, convolve, expectedOverflow, poissonBinomialPmf } from './answer-overflow.ts';
import { progressiveDials } from './progressive.ts';
import type { FloorSnapshot, PacingDecision, PacingSettings, PacingStrategy } from './types.ts';

export interface PredictiveState {
  /** warm-up: not enough data yet; held: a legal window is over target; predictive: pacing by the model. */
  phase: 'warm-up' | 'held' | 'predictive';
  /** Multiplier on the risk limit, learnt from measured abandons. */
  correction: number;
  /** Campaign totals when the current correction iteration began. */
  iterationLiveAnswers: number;
  iterationAbandoned: number;
}

export interface PredictiveTuning {
  readonly warmUpLiveAnswers: number;
  readonly warmUpHandledCalls: number;
  readonly correctionEvery: number;
  readonly gain: number;
  readonly correctionMin: number;
  readonly correctionMax: number;
  readonly wrapUpFreeChance: number;
  readonly smallTeamAgents: number;
  readonly defaultAnswerDelayS: number;
  readonly riskPerAim: number;
  readonly aimFraction: number;
  readonly resumeBelowTargetFraction: number;
}

/** Tuned on the bench's tuning seeds only (see docs/dialer-pacing.md); the report seeds are different. */
export const PREDICTIVE_TUNING: PredictiveTuning = {
  /** Live answers before leaving progressive: the answer rate is then known to about ±12 % (relative) at 30 %. */
  warmUpLiveAnswers: 50,
  /** Live answers per correction iteration (Cisco predictiveCorrection defaults to 100). */
  correctionEvery: 100,
  /** How hard one iteration's error moves the correction (Cisco predictiveGain, 0–1). */
  gain: 0.3,
  correctionMin: 0.2,
  correctionMax: 5,
  /** Also wait for this many measured handle times: early in a shift only the short calls have ended, so the mean runs low. */
  warmUpHandledCalls: 50,
  /** Chance an agent in wrap-up frees within a ring time. */
  wrapUpFreeChance: 0.7,
  /** Teams below this size get a proportionally smaller risk limit (they swing widest). */
  smallTeamAgents: 10,
  /** Ring time to a live answer assumed until one is measured. */
  defaultAnswerDelayS: 8,
  /**
   * The risk limit before any correction, as a fraction of the aim: on the
   * tuning runs the abandon rate came out about 1.5× the limit (answers
   * bunch; agents counted as freeing do not always free in time), so 2/3.
   */
  riskPerAim: 0.67,
  /** The feedback aims at this fraction of the target, leaving the rest as a margin for chance. */
  aimFraction: 0.85,
  /** Hard-limit hysteresis: resume predictive once the legal window is this far under target. */
  resumeBelowTargetFraction: 0.95,
};

export function initialPredictiveState(): PredictiveState {
  return { phase: 'warm-up', correction: 1, iterationLiveAnswers: 0, iterationAbandoned: 0 };
}

export function decidePredictive(s: FloorSnapshot, settings: PacingSettings, state: PredictiveState, tuning: PredictiveTuning = PREDICTIVE_TUNING): PacingDecision<PredictiveState> {
  const target = settings.abandonTarget;
  const aim = target * tuning.aimFraction;
  const progressiveNow = (next: PredictiveState, reason: string): PacingDecision<PredictiveState> => {
    const dials = progressiveDials(s);
    return { dials, state: next, dialLevel: s.agentsAvailable > 0 ? (s.callsInFlight + dials) / s.agentsAvailable : 0, reason };
  };

  if (s.liveAnswers < tuning.warmUpLiveAnswers || s.handledCalls < tuning.warmUpHandledCalls || s.answerRate === null || s.averageHandleS === null) {
    return progressiveNow(
      { ...state, phase: 'warm-up', iterationLiveAnswers: s.liveAnswers, iterationAbandoned: s.abandoned },
      `warm-up: ${s.liveAnswers}/${tuning.warmUpLiveAnswers} live answers, ${s.handledCalls}/${tuning.warmUpHandledCalls} handled calls`,
    );
  }

  const next = correct(s, aim, state, tuning);
  const legal = s.regulatoryAbandonRate;
  const held = legal !== null && (legal > target || (next.phase === 'held' && legal > target * tuning.resumeBelowTargetFraction));
  // Answers taken while held are progressive's, not the model's: they must not teach the correction anything.
  if (held) return progressiveNow({ ...next, phase: 'held', iterationLiveAnswers: s.liveAnswers, iterationAbandoned: s.abandoned }, `held: legal-window abandon ${(legal * 100).toFixed(1)} % over ${(target * 100).toFixed(1)} %`);
  next.phase = 'predictive';

  const p = Math.min(1, Math.max(0.005, s.answerRate));
  const answerDelayS = s.averageAnswerDelayS ?? tuning.defaultAnswerDelayS;
  const onCall = Math.max(0, s.agentsLoggedIn - s.agentsAvailable - s.agentsWrappingUp);
  // A call ends at about 1/handle-time per second, so within a ring time with chance ≈ 1 − e^(−delay/handle).
  const callEndChance = 1 - Math.exp(-answerDelayS / Math.max(1, s.averageHandleS));
  const frees = convolve(binomialPmf(s.agentsWrappingUp, tuning.wrapUpFreeChance), binomialPmf(onCall, callEndChance));
  const base = s.agentsAvailable - s.callsWaiting;

  const teamFactor = Math.min(1, s.agentsLoggedIn / tuning.smallTeamAgents);
  const risk = aim * tuning.riskPerAim * next.correction * teamFactor;
  const dialFor = Math.max(1, s.agentsAvailable + s.agentsWrappingUp);
  const cap = Math.max(0, Math.floor(settings.maxLinesPerAgent * dialFor) - s.callsInFlight);

  let answers = inFlightAnswers(s, p, answerDelayS, settings.ringTimeoutS);
  let overflow = expectedOverflow(answers, base, frees);
  let dials = 0;
  while (dials < cap) {
    const more = addOneCall(answers, p);
    const moreOverflow = expectedOverflow(more, base, frees);
    // The call's own risk: the abandons it adds, per answer it brings.
    if (moreOverflow - overflow > risk * p) break;
    answers = more;
    overflow = moreOverflow;
    dials++;
  }
  // Never fewer than progressive would place: an idle agent with nothing in flight for it is the one waste the model must not add.
  dials = Math.max(dials, progressiveDials(s));
  return {
    dials,
    state: next,
    dialLevel: (s.callsInFlight + dials) / dialFor,
    reason: `predictive: marginal risk ${(risk * 100).toFixed(1)} % (correction ${next.correction.toFixed(2)}), answer rate ${(p * 100).toFixed(0)} %`,
  };
}

/**
 * Answers to come from the calls already in flight. A call still ringing
 * long after most answers come is likely to ring out: taking live-answer
 * delays as exponential with the measured mean d (one number to measure; the
 * correction absorbs the shape's error), a call ringing for a seconds
 * answers with p·e^(−a/d) ÷ (p·e^(−a/d) + 1 − p), and not at all once past
 * the ring timeout.
 */
function inFlightAnswers(s: FloorSnapshot, p: number, answerDelayS: number, ringTimeoutS: number): Float64Array {
  const ages = s.callsInFlightAgesS;
  if (ages === undefined || ages.length !== s.callsInFlight) return binomialPmf(s.callsInFlight, p);
  return poissonBinomialPmf(
    ages.map((age) => {
      if (age >= ringTimeoutS) return 0; // being given up on
      const live = p * Math.exp(-Math.max(0, age) / Math.max(1, answerDelayS));
      return live / (live + 1 - p);
    }),
  );
}

/** One feedback step per `correctionEvery` live answers: raise the risk limit when abandons ran under the aim, lower it when over. */
function correct(s: FloorSnapshot, aim: number, state: PredictiveState, tuning: PredictiveTuning): PredictiveState {
  const answers = s.liveAnswers - state.iterationLiveAnswers;
  if (answers < tuning.correctionEvery) return { ...state };
  const measured = (s.abandoned - state.iterationAbandoned) / answers;
  const factor = Math.exp(tuning.gain * Math.max(-2, Math.min(1, (aim - measured) / aim)));
  const correction = Math.min(tuning.correctionMax, Math.max(tuning.correctionMin, state.correction * factor));
  return { phase: state.phase, correction, iterationLiveAnswers: s.liveAnswers, iterationAbandoned: s.abandoned };
}

export const predictive: PacingStrategy<PredictiveState> = {
  initialState: initialPredictiveState,
  decide: (s, settings, state) => decidePredictive(s, settings, state),
};
