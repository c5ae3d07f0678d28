/**
 * The calls row of a campaign attempt (GET /v1/calls): inserted before the
 * originate (status in_progress, campaign_id, contact_id), answered_at and
 * answered_by on answer, agent_id when bridged, the outcome at the end
 * (abandoned_at for an abandon). Idempotent writes (retried settles).
 */
import type { CallEnd } from '../../campaigns/engine/call-flow.ts';

export interface NewCallRow {
  callId: string;
  tenantId: string;
  campaignId: string;
  contactId: string;
  phone: string;
  cli: string;
  nodeId: string;
  agentId: string | null;
  startedAt: string;
}

export async function insertCallRow(db: D1Database, r: NewCallRow): Promise<void> {
  await db
    .prepare(
      `INSERT INTO calls (id, tenant_id, campaign_id, contact_id, agent_id, contact_phone, from_number, direction, status, media_node_id, started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'outbound', 'in_progress', ?, ?) ON CONFLICT (id) DO NOTHING`,
    )
    .bind(r.callId, r.tenantId, r.campaignId, r.contactId, r.agentId, r.phone, r.cli, r.nodeId, r.startedAt)
    .run();
}

export async function deleteCallRow(db: D1Database, callId: string): Promise<void> {
  await db.prepare('DELETE FROM calls WHERE id = ?').bind(callId).run();
}

export async function markAnswered(db: D1Database, callId: string, answeredAt: string, answeredBy: 'HUMAN' | 'MACHINE' | null): Promise<void> {
  await db.prepare('UPDATE calls SET answered_at = ?2, answered_by = ?3 WHERE id = ?1').bind(callId, answeredAt, answeredBy).run();
}

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
  return db
    .prepare('UPDATE calls SET status = ?2, cause_code = ?3, cause_reason = ?4, duration_seconds = ?5, ended_at = ?6, abandoned_at = ?7 WHERE id = ?1')
    .bind(callId, historyStatus(end), end.cause, end.reason, end.talkS, endedAt, end.outcome === 'abandoned' ? endedAt : null);
}
