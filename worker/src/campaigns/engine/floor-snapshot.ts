/**
 * The FloorSnapshot a dialing mode decides from (dialing-modes/types.ts),
 * built from the campaign's agents, its calls in progress and the figures it
 * keeps (pure). Counting follows the modes' conventions: agents paused
 * (break, lunch, training) or offline are not logged in; a call is in flight
 * until answered or over, then waiting until an agent takes it.
 */
import { abandonFigures, worstLegalRate, type AbandonWindows } from '../abandon-windows.ts';
import type { FloorSnapshot } from '../dialing-modes/index.ts';
import type { AgentReadiness } from '../assignment/agent-readiness.ts';

/** Running figures since the campaign started (kept in the dialer's storage). */
export interface DialStats {
  /** Attempts over (any outcome). */
  dialsDone: number;
  /** Live answers (person, not machine). */
  liveAnswers: number;
  answerDelaySumS: number;
  /** Bridged calls over, and their summed talk seconds (there is no wrap-up state). */
  handled: number;
  handleSumS: number;
}

export const EMPTY_STATS: DialStats = { dialsDone: 0, liveAnswers: 0, answerDelaySumS: 0, handled: 0, handleSumS: 0 };

export interface CallsNow {
  /** Seconds since each call still ringing was dialled. */
  inFlightAgesS: number[];
  waiting: number;
}

export function floorSnapshot(agents: readonly AgentReadiness[], calls: CallsNow, stats: DialStats, abandon: AbandonWindows, nowMs: number, todayStartMs: number): FloorSnapshot {
  const figures = abandonFigures(abandon, nowMs, todayStartMs);
  return {
    agentsLoggedIn: agents.filter((a) => a.pacing).length,
    agentsAvailable: agents.filter((a) => a.available).length,
    agentsWrappingUp: 0,
    callsInFlight: calls.inFlightAgesS.length,
    callsInFlightAgesS: calls.inFlightAgesS,
    callsWaiting: calls.waiting,
    answerRate: stats.dialsDone === 0 ? null : Math.min(1, stats.liveAnswers / stats.dialsDone),
    averageHandleS: stats.handled === 0 ? null : stats.handleSumS / stats.handled,
    handledCalls: stats.handled,
    averageAnswerDelayS: stats.liveAnswers === 0 ? null : stats.answerDelaySumS / stats.liveAnswers,
    liveAnswers: abandon.total.answered,
    abandoned: abandon.total.abandoned,
    regulatoryAbandonRate: worstLegalRate(figures),
  };
}
