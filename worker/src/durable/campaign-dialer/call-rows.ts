/**
 * The calls row of a campaign attempt (GET /v1/calls), written through the
 * shared history writes (legs/call-history.ts): inserted before the
 * originate (status in_progress, campaign_id, contact_id), answered_at and
 * answered_by on answer, agent_id when bridged, the outcome at the end
 * (abandoned_at for an abandon). What is campaign-specific is how an attempt's
 * outcome reads in the history, and the bridged agent.
 */
import type { CallEnd } from '../../campaigns/engine/call-flow.ts';
import { callEndedStatement } from '../../legs/call-history.ts';

export async function markBridged(db: D1Database, callId: string, agentId: string): Promise<void> {
  await db.prepare('UPDATE calls SET agent_id = ?2 WHERE id = ?1').bind(callId, agentId).run();
}

/** The history status of an attempt: a machine is voicemail, an abandon a completed (answered) call with abandoned_at. */
export function historyStatus(end: CallEnd): 'completed' | 'no_answer' | 'busy' | 'failed' | 'voicemail' {
  switch (end.outcome) {
    case 'machine':
      return 'voicemail';
    case 'abandoned':
    case 'completed':
      return 'completed';
    default:
      return end.outcome;
  }
}

export function endCallStatement(db: D1Database, callId: string, end: CallEnd, endedAt: string): D1PreparedStatement {
  return callEndedStatement(db, callId, {
    status: historyStatus(end),
    cause: end.cause,
    reason: end.reason,
    durationS: end.talkS,
    endedAt,
    abandonedAt: end.outcome === 'abandoned' ? endedAt : null,
  });
}
