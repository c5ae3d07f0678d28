/**
 * The calls row of a manual originate: inserted when the agent is rung
 * (status in_progress), given answered_at when the customer picks up, and
 * its outcome when the call ends. Each write is idempotent (retried jobs).
 */
import type { CallOutcome } from './call-flow.ts';
import type { AgentCallInit } from './contract.ts';

export async function insertCallRow(db: D1Database, init: AgentCallInit): Promise<void> {
  await db
    .prepare(
      `INSERT INTO calls (id, tenant_id, campaign_id, agent_id, contact_phone, from_number, direction, status, media_node_id, started_at)
       VALUES (?, ?, ?, ?, ?, ?, 'outbound', 'in_progress', ?, ?) ON CONFLICT (id) DO NOTHING`,
    )
    .bind(init.callId, init.tenantId, init.campaignId, init.agent.id, init.destination, init.cli, init.node.nodeId, init.startedAt)
    .run();
}

export async function markCallAnswered(db: D1Database, callId: string, answeredAt: string): Promise<void> {
  await db.prepare('UPDATE calls SET answered_at = ? WHERE id = ?').bind(answeredAt, callId).run();
}

/** duration_seconds is the customer's connected time, as for every other call leg. */
export async function markCallEnded(db: D1Database, callId: string, outcome: CallOutcome, endedAt: string): Promise<void> {
  await db
    .prepare('UPDATE calls SET status = ?, cause_code = ?, cause_reason = ?, duration_seconds = ?, ended_at = ? WHERE id = ?')
    .bind(outcome.status, outcome.cause, outcome.reason, outcome.talkS, endedAt, callId)
    .run();
}
