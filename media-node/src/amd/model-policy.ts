/**
 * When the learned engine commits, given the classifier's P(MACHINE) at a
 * decision point: MACHINE as soon as it is confident; HUMAN when it is
 * confident and the person has stopped talking (a short silence after their
 * utterance: that is when they wait for us); at the last decision point,
 * whichever is likelier (with a threshold tuned like the others). Pure, shared by the detector and the training
 * script's threshold search so both apply the same policy.
 */
import type { AnsweredBy } from './outcome.ts';

export interface DecisionPolicy {
  /** The classifier is evaluated every this many ms… */
  evaluateEveryMs: number;
  /** …from this time after answer… */
  firstDecisionMs: number;
  /** …until this time, when it must decide. */
  lastDecisionMs: number;
  /** P(MACHINE) at least this → MACHINE. */
  machineAbove: number;
  /** P(MACHINE) at most this, with voice heard and silence now → HUMAN. */
  humanBelow: number;
  /** Silence needed (ms) before a HUMAN decision. */
  humanSilenceMs: number;
  /** At the last decision point: P(MACHINE) at least this → MACHINE, else HUMAN. */
  finalMachineAbove: number;
  /**
   * A second, quicker HUMAN rule: P(MACHINE) at most `humanFastBelow` after
   * only `humanFastSilenceMs` of silence (a clear "Hello?" need not wait as
   * long as a doubtful answer). Absent in older model files: rule off.
   */
  humanFastBelow?: number;
  humanFastSilenceMs?: number;
  /**
   * Round 5: a voicemail phrase heard by the keyword spotter decides MACHINE
   * when P(MACHINE) is at least this (0: whatever the trees say). Absent:
   * the rule is off (no spotter, or a model chosen without it).
   */
  wordMachineAbove?: number;
}

export interface PolicyInput {
  tMs: number;
  machineProbability: number;
  heardVoice: boolean;
  silenceMs: number;
  /** A voicemail phrase has been reported by now (voicemail-word.ts). */
  wordHeard?: boolean;
}

export function isDecisionPoint(policy: DecisionPolicy, tMs: number): boolean {
  return tMs >= policy.firstDecisionMs && tMs <= policy.lastDecisionMs && (tMs - policy.firstDecisionMs) % policy.evaluateEveryMs === 0;
}

/** The decision at a decision point, or null to keep listening. */
export function decide(policy: DecisionPolicy, input: PolicyInput): { answeredBy: AnsweredBy; final: boolean; word?: true } | null {
  if (input.machineProbability >= policy.machineAbove) return { answeredBy: 'MACHINE', final: false };
  if (input.wordHeard && policy.wordMachineAbove !== undefined && input.machineProbability >= policy.wordMachineAbove) return { answeredBy: 'MACHINE', final: false, word: true };
  if (input.machineProbability <= policy.humanBelow && input.heardVoice && input.silenceMs >= policy.humanSilenceMs) return { answeredBy: 'HUMAN', final: false };
  if (policy.humanFastBelow !== undefined && policy.humanFastSilenceMs !== undefined && input.machineProbability <= policy.humanFastBelow && input.heardVoice && input.silenceMs >= policy.humanFastSilenceMs)
    return { answeredBy: 'HUMAN', final: false };
  if (input.tMs >= policy.lastDecisionMs) return { answeredBy: input.machineProbability >= policy.finalMachineAbove ? 'MACHINE' : 'HUMAN', final: true };
  return null;
}
