/**
 * How a finished leg is summarised: the callState label in broadcastcall_complete
 * and the status in the shared calls history (/v1/calls: completed | no_answer |
 * busy | failed | voicemail). One table, so the webhook summary and the history agree.
 */
import { Cause } from '../telephony/q850.ts';

export interface LegOutcomeInput {
  answered: boolean;
  answeredBy: 'HUMAN' | 'MACHINE' | null;
  cause: number;
}

export type CallHistoryStatus = 'completed' | 'no_answer' | 'busy' | 'failed' | 'voicemail';

export function callStateLabel(leg: LegOutcomeInput): string {
  if (leg.answered) return 'Call Answered';
  switch (leg.cause) {
    case Cause.USER_BUSY:
      return 'Busy';
    case Cause.NO_ANSWER:
      return 'No Answer';
    case Cause.NO_USER_RESPONDING:
      return 'No Response';
    case Cause.CALL_REJECTED:
      return 'Rejected';
    default:
      return 'Failed';
  }
}

export function callHistoryStatus(leg: LegOutcomeInput): CallHistoryStatus {
  if (leg.answered) return leg.answeredBy === 'MACHINE' ? 'voicemail' : 'completed';
  switch (leg.cause) {
    case Cause.USER_BUSY:
      return 'busy';
    case Cause.NO_ANSWER:
    case Cause.NO_USER_RESPONDING:
      return 'no_answer';
    default:
      return 'failed';
  }
}
