/**
 * The end of a broadcast leg, for whatever reason it ends (the node's
 * disconnected, a guard, a lost node, a compliance block, a client's hangup
 * before dispatch, no node at all): terminal state, cause and duration, its
 * open connect closed first, the disconnected webhook, call.completed, and
 * the calls row (made now for a leg that never reached a node, so every
 * recipient is accounted for). Giving back the leg's node slot is the
 * caller's, in one release per batch (legsEnded). A batch of node events
 * ends its legs with endInBatch (no re-read, one write per batch).
 */
import { callHistoryStatus } from '../../calls/call-outcome.ts';
import { callEndedStatement, insertCallRows } from '../../legs/call-history.ts';
import { toE164 } from '../../legs/number-forms.ts';
import { releaseSlots, type SlotsPerNode } from '../../legs/node-slots.ts';
import { q850Reason } from '../../telephony/q850.ts';
import { broadcastOwner } from '../media-fleet/leg-owners.ts';
import { closeConnectWithLeg } from './connect-flow.ts';
import { isTerminal } from './leg-state-machine.ts';
import type { LegBatch } from './leg-batch.ts';
import type { LegRow } from './leg-store.ts';
import { liveLegsOf } from './live-legs.ts';
import * as payloads from './webhook-payloads.ts';
import type { SessionParts } from './session-parts.ts';

export async function finalizeLeg(
  s: SessionParts,
  leg: LegRow,
  state: 'disconnected' | 'failed',
  cause: number,
  atMs: number,
  detail?: { reason: string; durationS: number },
): Promise<void> {
  const current = s.legs.byIdx(leg.idx);
  if (isTerminal(current.state)) return;
  const init = s.init();
  const reason = detail?.reason ?? q850Reason(cause);
  closeConnectWithLeg(s, current, cause, reason, atMs);
  const voiceId = current.voice_id ?? crypto.randomUUID();
  const durationS = detail?.durationS ?? durationOf(current, atMs);
  s.legs.sql.exec(
    'UPDATE legs SET state = ?, voice_id = ?, cause = ?, reason = ?, ended_at = ?, duration = ? WHERE idx = ?',
    state,
    voiceId,
    cause,
    reason,
    atMs,
    durationS,
    current.idx,
  );
  s.legs.move(current.state, state);
  if (!current.voice_id) {
    await insertCallRows(s.env.DB, [
      {
        id: voiceId,
        tenantId: init.tenantId,
        broadcastId: init.broadcastId,
        contactPhone: toE164(current.to_number),
        fromNumber: init.from,
        status: 'failed',
        startedAt: new Date(atMs).toISOString(),
      },
    ]);
  }
  announceEnd(s, current, voiceId, { cause, reason, durationS, atMs });
}

/**
 * finalizeLeg for a leg of a batch of node events (leg-batch.ts) that has a
 * voice_id and no open connect: the same end, the same webhooks and history,
 * without reading the row again (the batch's copy is current) and with the
 * row written back with the batch's others instead of one UPDATE per leg.
 */
export function endInBatch(
  s: SessionParts,
  batch: LegBatch,
  leg: LegRow,
  state: 'disconnected' | 'failed',
  cause: number,
  atMs: number,
  detail: { reason: string; durationS: number },
): void {
  if (isTerminal(leg.state)) return;
  const from = leg.state;
  leg.state = state;
  leg.cause = cause;
  leg.reason = detail.reason;
  leg.ended_at = atMs;
  leg.duration = detail.durationS;
  s.legs.move(from, state);
  batch.changed(leg);
  announceEnd(s, leg, leg.voice_id!, { cause, reason: detail.reason, durationS: detail.durationS, atMs });
}

function durationOf(leg: LegRow, atMs: number): number {
  return leg.answered_at !== null ? Math.max(0, (atMs - leg.answered_at) / 1000) : 0;
}

/** What every end sends and records: the disconnected webhook, call.completed, the calls row's end. */
function announceEnd(s: SessionParts, leg: LegRow, voiceId: string, end: { cause: number; reason: string; durationS: number; atMs: number }): void {
  const { cause, reason, durationS, atMs } = end;
  const answeredBy = (leg.answered_by as 'HUMAN' | 'MACHINE' | null) ?? null;
  s.outbox.enqueue(
    voiceId,
    payloads.disconnectedPayload(s.context(), { voiceId, to: leg.to_number }, { durationS, reason, cause, answeredBy }, new Date(atMs).toISOString()),
    Date.now(),
  );
  s.callEvents.completed(
    { voiceId, to: leg.to_number, dialedAt: leg.dialed_at, answeredAt: leg.answered_at },
    { answeredBy, cause, reason, durationS, endedAtMs: atMs },
  );
  s.history.queue(
    callEndedStatement(s.env.DB, voiceId, {
      status: callHistoryStatus({ answered: leg.answered_at !== null, answeredBy, cause }),
      cause,
      reason,
      durationS,
      endedAt: new Date(atMs).toISOString(),
    }),
  );
}

/** Legs ended on these nodes: their slots go back to the fleet and the pacer hears the new live count. */
export async function legsEnded(s: SessionParts, releasedPerNode: SlotsPerNode): Promise<void> {
  if (Object.keys(releasedPerNode).length === 0) return;
  await releaseSlots(s.env, broadcastOwner(s.init().broadcastId), releasedPerNode);
  await reportLive(s);
}

export async function reportLive(s: SessionParts): Promise<void> {
  await s.pacerReport.report(currentLive(s));
}

export function currentLive(s: SessionParts) {
  return liveLegsOf((state) => s.legs.count(state));
}
