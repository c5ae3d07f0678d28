/**
 * How simulated calls behave: talk and wrap-up times of a conversation, how
 * long a live answer takes to come, and how an unanswered call ends. Two
 * models with different shapes: predictive's constants were tuned against
 * TUNING_MODEL (with the tuning seeds) only, and the bench reports on
 * HELD_OUT_MODEL with other seeds, so the figures are not fitted to the
 * exact distribution they are printed for.
 */
import type { Random } from './random.ts';

export interface CallModel {
  name: string;
  /** Seconds of conversation. */
  talkS(r: Random): number;
  /** Seconds of after-call work before the agent is available again. */
  wrapS(r: Random): number;
  /** Seconds from dial to a live answer (always under the ring timeout). */
  answerDelayS(r: Random, ringTimeoutS: number): number;
  /** Seconds until an unanswered call ends: rings out, or busy / unreachable early. */
  unansweredS(r: Random, ringTimeoutS: number): number;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

export const TUNING_MODEL: CallModel = {
  name: 'talk lognormal mean 180 s (cv 0.8) + wrap lognormal mean 10 s (cv 0.5); answers after lognormal 8 s; 60 % of non-answers ring out',
  talkS: (r) => clamp(r.lognormal(180, 0.8), 10, 3600),
  wrapS: (r) => clamp(r.lognormal(10, 0.5), 2, 120),
  answerDelayS: (r, timeout) => clamp(r.lognormal(8, 0.5), 2, timeout - 1),
  unansweredS: (r, timeout) => (r.next() < 0.6 ? timeout : r.uniform(1, 6)),
};

export const HELD_OUT_MODEL: CallModel = {
  name: 'talk gamma shape 1.5 mean 210 s + wrap uniform 4–16 s; answers after gamma(3) 10 s; 50 % of non-answers ring out',
  talkS: (r) => clamp(r.gamma(1.5, 210), 10, 3600),
  wrapS: (r) => r.uniform(4, 16),
  answerDelayS: (r, timeout) => clamp(r.gamma(3, 10), 2, timeout - 1),
  unansweredS: (r, timeout) => (r.next() < 0.5 ? timeout : r.uniform(2, 8)),
};
