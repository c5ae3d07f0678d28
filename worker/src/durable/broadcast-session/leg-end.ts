/**
 * The end of a broadcast leg, for whatever reason it ends (the node's
 * disconnected, a guard, a lost node, a compliance block, a client's hangup
 * before dispatch, no node at all): terminal state, cause and duration, its
 * open connect closed first, the disconnected webhook, call.completed, and
 * the calls row (made now for a leg that never reached a node, so every
 * recipient is accounted for). Giving back the leg's node slot is the
 * caller's, in one release per batch (legsEnded).
 */
import { callHistoryStatus } from '../../calls/call-outcome.ts';
import { callEndedStatement, insertCallRows } from '../../legs/call-history.ts';
import { toE164 } from '../../legs/number-forms.ts';
import { releaseSlots, type SlotsPerNode } from '../../legs/node-slots.ts';
import { q850Reason } from '../../telephony/q850.ts';
import { broadcastOwner } from '../media-fleet/leg-owners.ts';
import { closeConnectWithLeg } from './connect-flow.ts';
import { isTerminal } from './leg-state-machine.ts';
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
  const durationS = detail?.durationS ?? (current.answered_at !== null ? Math.max(0, (atMs - current.answered_at) / 1000) : 0);
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
  const answeredBy = (current.answered_by as 'HUMAN' | 'MACHINE' | null) ?? null;
  s.outbox.enqueue(
    voiceId,
    payloads.disconnectedPayload(s.context(), { voiceId, to: current.to_number }, { durationS, reason, cause, answeredBy }, new Date(atMs).toISOString()),
    Date.now(),
  );
  s.callEvents.completed(
    { voiceId, to: current.to_number, dialedAt: current.dialed_at, answeredAt: current.answered_at },
    { answeredBy, cause, reason, durationS, endedAtMs: atMs },
  );
  s.history.queue(
    callEndedStatement(s.env.DB, voiceId, {
      status: callHistoryStatus({ answered: current.answered_at !== null, answeredBy, cause }),
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
