/**
 * calls_today and talk_time_today_seconds of GET /v1/agents/state: per
 * agent, the finished calls (completed, no_answer, busy, failed, voicemail)
 * the agent took that started on the tenant's current local day, and their
 * talk time (answered_at → ended_at, whole seconds rounded half up, summed
 * per call). The same definitions as /v1/calls/count-today and the
 * agent_performance report, so the floor agrees with them; a call in progress
 * counts once it has ended.
 */
import type { LocalDay } from '../calls/local-day.ts';

export interface AgentDayStats {
  calls: number;
  talkSeconds: number;
}

const FINISHED = "('completed', 'no_answer', 'busy', 'failed', 'voicemail')";
const TALK_MS = "CAST(ROUND((unixepoch(ended_at, 'subsec') - unixepoch(answered_at, 'subsec')) * 1000) AS INTEGER)";
const TALK_SECONDS = `(CASE WHEN ended_at IS NULL THEN NULL WHEN answered_at IS NULL THEN 0 ELSE (MAX(0, ${TALK_MS}) + 500) / 1000 END)`;

export function agentDayStatsStatement(db: D1Database, tenantId: string, day: LocalDay): D1PreparedStatement {
  return db
    .prepare(
      `SELECT agent_id, COUNT(*) AS calls, COALESCE(SUM(${TALK_SECONDS}), 0) AS talk_seconds FROM calls
       WHERE tenant_id = ?1 AND started_at >= ?2 AND started_at < ?3 AND agent_id IS NOT NULL AND status IN ${FINISHED}
       GROUP BY agent_id`,
    )
    .bind(tenantId, day.fromIso, day.toIso);
}

export function agentDayStatsOf(result: D1Result): Map<string, AgentDayStats> {
  const stats = new Map<string, AgentDayStats>();
  for (const r of result.results as Array<{ agent_id: string; calls: number; talk_seconds: number }>) {
    stats.set(r.agent_id, { calls: Number(r.calls), talkSeconds: Number(r.talk_seconds) });
  }
  return stats;
}

export const NO_CALLS: AgentDayStats = { calls: 0, talkSeconds: 0 };
