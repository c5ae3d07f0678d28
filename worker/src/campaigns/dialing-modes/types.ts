/**
 * The contract between the campaign engine and its dialing modes: what a
 * mode is shown (a snapshot of the floor and the campaign's figures, taken
 * by the engine at each pacing tick) and what it answers (how many new calls
 * to place now, plus the state it wants back next tick).
 *
 * Modes are pure: no clock, no I/O, no randomness. Everything a mode needs is
 * in the snapshot, and anything it learns is in the returned `state`, which
 * the engine persists (Durable Object storage) and passes back unchanged on
 * the next tick. The bench (bench/dialer-simulation.ts) drives the very same
 * functions against simulated calls.
 *
 * Counting conventions the engine must follow (the modes rely on them):
 *  - an agent is counted in exactly one of available / wrapping up / on a
 *    call (on a call = loggedIn − available − wrappingUp); paused or away
 *    agents are not logged in for pacing;
 *  - a call is "in flight" from the dial until it is answered or ends
 *    unanswered; once answered by a person it is "waiting" until an agent
 *    takes it (or it is abandoned, 2 s later), then it belongs to the agent;
 *  - a "live answer" is an answer by a person (not a machine detected by AMD);
 *    AMD false positives that are dropped count as abandons (Ofcom).
 */
// Spelt out rather than imported from campaign-schemas.ts so that the bench
// (typechecked without the Workers types) can import the modes; the unit test
// checks the two lists agree.
export type DialingMode = 'preview' | 'progressive' | 'power' | 'predictive';

/** Campaign settings the modes read. */
export interface PacingSettings {
  /** Power mode: lines per available agent (spec `dial_ratio`, 1–10). */
  dialRatio: number;
  /** Predictive: most abandoned calls allowed, as a fraction of live answers (0.03 = 3 %). */
  abandonTarget: number;
  /** Predictive: most calls in flight per agent it dials for (Cisco `maxLinesPerAgent`, 1–3 there). */
  maxLinesPerAgent: number;
  /** How long an unanswered call rings before the engine gives up (≥ 15 s by rule). */
  ringTimeoutS: number;
}

export const DEFAULT_PACING_SETTINGS: PacingSettings = { dialRatio: 1.5, abandonTarget: 0.03, maxLinesPerAgent: 3, ringTimeoutS: 20 };

/** What the engine sees at one pacing tick. */
export interface FloorSnapshot {
  /** Agents logged in to the campaign and not paused (available + wrapping up + on a call). */
  agentsLoggedIn: number;
  /** Agents idle and ready for a call now. */
  agentsAvailable: number;
  /**
   * Agents in after-call work: they free up within seconds. (Agents long in a
   * call are not counted apart: with heavy-tailed talk times a call past its
   * 75th percentile is no likelier to end soon than any other; see
   * docs/dialer-pacing.md.)
   */
  agentsWrappingUp: number;
  /** Calls dialled and not yet answered or ended (dialing, ringing). */
  callsInFlight: number;
  /**
   * Seconds since each call in flight was dialled, if the engine knows them
   * (length callsInFlight). Predictive uses them: a call still ringing long
   * after most answers come is likely to ring out. Without them every call in
   * flight counts as freshly dialled, which dials less.
   */
  callsInFlightAgesS?: readonly number[];
  /** Calls answered by a person and waiting for an agent (at most 2 s each). */
  callsWaiting: number;
  /** Live answers ÷ completed dials over the engine's recent window (0–1); null before any dial completed. */
  answerRate: number | null;
  /** Mean seconds an agent is held by a call (talk + wrap-up); null before any call ended. */
  averageHandleS: number | null;
  /** Calls whose handle time is measured (talk and wrap-up both over). */
  handledCalls: number;
  /** Mean seconds from dial to a live answer; null before any live answer. */
  averageAnswerDelayS: number | null;
  /** Live answers since the campaign started (all time). */
  liveAnswers: number;
  /** Abandoned calls since the campaign started (all time). */
  abandoned: number;
  /**
   * The worst abandon rate (0–1) of the legal windows the engine keeps
   * (rolling 30 days, rolling 24 h; see abandon-windows.ts), or null while
   * no window has enough answers to judge.
   */
  regulatoryAbandonRate: number | null;
}

/** What a mode answers. */
export interface PacingDecision<State> {
  /** New calls to place now (≥ 0, integer). The tenant pacer may grant fewer. */
  dials: number;
  /** Pass back unchanged as `state` on the next tick. */
  state: State;
  /** Lines per agent the mode is dialling at (in flight ÷ agents it dials for), for the live view. */
  dialLevel: number;
  /** Short reason for the live view and logs, e.g. "warm-up 12/50 live answers". */
  reason: string;
}

export type PacingStrategy<State> = {
  initialState(): State;
  decide(snapshot: FloorSnapshot, settings: PacingSettings, state: State): PacingDecision<State>;
};
