/**
 * What a broadcast does when the fleet reports on one of its media nodes:
 * the node lost or restarted (its live legs end with cause 41, by the rule
 * of legs/node-loss.ts), or one heartbeat to reconcile against
 * (media-fleet/leg-reconciliation.ts: calls the node holds that we ended are
 * hung up; live legs it no longer holds end, with the cause of a hangup
 * already asked for, else 41).
 */
import { endsWithNode } from '../../legs/node-loss.ts';
import { Cause } from '../../telephony/q850.ts';
import { reconcileLegs, type NodeLegsReport } from '../media-fleet/leg-reconciliation.ts';
import { LEG_ON_RECORD_SELECT, legOnRecord, type LegOnRecordRow } from './leg-boots.ts';
import { isTerminal, LIVE_STATES } from './leg-state-machine.ts';
import { inList, type LegRow } from './leg-store.ts';
import { finalizeLeg, legsEnded, reportLive } from './leg-end.ts';
import type { LegState } from './contract.ts';
import type { SessionParts } from './session-parts.ts';

/**
 * The fleet lost a node (keepBoot null: every live leg on it ends with cause
 * 41) or saw it restart as `keepBoot` (only legs known to be on another boot
 * end; a leg whose originate has not answered yet is left to reconciliation).
 * Returns how many ended; the fleet settles their slots itself.
 */
export async function nodeLost(s: SessionParts, nodeId: string, keepBoot: string | null): Promise<number> {
  const now = Date.now();
  const onNode = s.legs.sql
    .exec<LegRow & { boot: string | null }>(
      `SELECT legs.*, b.boot AS boot FROM legs LEFT JOIN leg_boots b ON b.voice_id = legs.voice_id AND b.node_id = legs.node_id
       WHERE legs.node_id = ? AND legs.state IN ${inList(LIVE_STATES)}`,
      nodeId,
    )
    .toArray();
  const ending = onNode.filter((leg) => endsWithNode({ nodeId: leg.node_id, boot: leg.boot }, nodeId, keepBoot));
  if (ending.length === 0) return 0;
  for (const leg of ending) await finalizeLeg(s, leg, 'failed', Cause.TEMPORARY_FAILURE, now);
  await s.history.flush();
  await reportLive(s);
  await s.wake(now);
  return ending.length;
}

/** One heartbeat of a node, as it concerns this broadcast: answers the calls the node must hang up. */
export async function reconcileNode(s: SessionParts, report: NodeLegsReport): Promise<{ hangup: string[] }> {
  const now = Date.now();
  const sql = s.legs.sql;
  const record = (voiceId: string) => {
    const row = sql.exec<LegOnRecordRow>(`${LEG_ON_RECORD_SELECT} WHERE legs.voice_id = ?`, voiceId).toArray()[0];
    return row ? legOnRecord(row, !isTerminal(row.state as LegState)) : null;
  };
  const onNode = sql.exec<LegOnRecordRow>(`${LEG_ON_RECORD_SELECT} WHERE legs.node_id = ? AND legs.state IN ${inList(LIVE_STATES)}`, report.nodeId).toArray();
  const { hangup, end } = reconcileLegs(report, record, onNode.map((row) => legOnRecord(row, true)), now);
  if (end.length > 0) {
    for (const voiceId of end) {
      const leg = s.legs.byVoice(voiceId)!;
      console.warn(JSON.stringify({ msg: 'leg missing from its media node: ended', voice_id: voiceId, node_id: report.nodeId, state: leg.state }));
      if (leg.hangup_requested_at) await finalizeLeg(s, leg, 'disconnected', leg.hangup_cause ?? Cause.NORMAL_CLEARING, now);
      else await finalizeLeg(s, leg, 'failed', Cause.TEMPORARY_FAILURE, now);
    }
    await s.history.flush();
    await legsEnded(s, { [report.nodeId]: end.length });
    await s.wake(now);
  }
  return { hangup };
}
