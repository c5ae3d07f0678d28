/**
 * The guards that keep any broadcast leg from staying open forever: the
 * idle timeout (answered, nothing playing, no stream), the maximum call
 * duration, a dialling or ringing leg long past its ring timeout (its node
 * lost it), a hangup the node never confirmed, and a connect still dialling
 * long past its ring timeout. nextGuardAt says when the next one falls due,
 * so the alarm loop sleeps exactly until then.
 */
import { SlotTally } from '../../legs/node-slots.ts';
import { Cause, q850Reason } from '../../telephony/q850.ts';
import { closeConnect } from './connect-flow.ts';
import { ANSWERED_STATES, LIVE_STATES } from './leg-state-machine.ts';
import { inList, type LegRow } from './leg-store.ts';
import { finalizeLeg, legsEnded } from './leg-end.ts';
import type { SessionParts } from './session-parts.ts';

/** A dialing/ringing leg with no answer this long after its ring timeout is presumed lost by its node. */
const STUCK_GRACE_MS = 60_000;
/** A hangup the node never confirmed is finalised locally after this long. */
const HANGUP_CONFIRM_MS = 30_000;

export async function enforceGuards(s: SessionParts, now: number): Promise<void> {
  const init = s.init();
  const sql = s.legs.sql;
  const idleDeadline = now - init.idleTimeoutS * 1000;
  const durationDeadline = now - init.maxCallDurationS * 1000;
  const stuckDeadline = now - (init.ringTimeoutS * 1000 + STUCK_GRACE_MS);
  const confirmDeadline = now - HANGUP_CONFIRM_MS;

  const toHangUp = sql
    .exec<LegRow>(
      `SELECT * FROM legs WHERE hangup_requested_at IS NULL AND (
         (state = 'idle' AND idle_since IS NOT NULL AND idle_since <= ?) OR
         (state IN ${inList(ANSWERED_STATES)} AND answered_at <= ?)) LIMIT 500`,
      idleDeadline,
      durationDeadline,
    )
    .toArray();
  for (const leg of toHangUp) {
    s.legs.requestHangup(leg.idx, now, Cause.NORMAL_CLEARING, false);
    await s.send(leg, { type: 'hangup', command_id: `${leg.voice_id}:guard-hangup`, voice_id: leg.voice_id!, cause: Cause.NORMAL_CLEARING });
  }

  const stuck = sql
    .exec<LegRow>(
      `SELECT * FROM legs WHERE (state IN ('dialing','ringing') AND dialed_at <= ?)
         OR (hangup_requested_at IS NOT NULL AND hangup_requested_at <= ? AND state IN ${inList(LIVE_STATES)}) LIMIT 500`,
      stuckDeadline,
      confirmDeadline,
    )
    .toArray();
  const released = new SlotTally();
  for (const leg of stuck) {
    const cause = leg.hangup_requested_at ? (leg.hangup_cause ?? Cause.NORMAL_CLEARING) : Cause.RECOVERY_ON_TIMER_EXPIRY;
    console.warn(JSON.stringify({ msg: 'leg finalised by guard', voice_id: leg.voice_id, state: leg.state, cause }));
    if (leg.voice_id && leg.control_url) {
      await s.send(leg, { type: 'hangup', command_id: `${leg.voice_id}:stuck-hangup`, voice_id: leg.voice_id, cause });
    }
    await finalizeLeg(s, leg, leg.hangup_requested_at ? 'disconnected' : 'failed', cause, now);
    released.add(leg.node_id);
  }
  await legsEnded(s, released.perNode);

  // A connect still dialling long past its ring timeout was lost by its node: the recipient gets its leg back.
  for (const row of s.connects.pendingSince(stuckDeadline)) {
    const leg = s.legs.byVoice(row.voice_id);
    if (!leg) continue;
    console.warn(JSON.stringify({ msg: 'connect finalised by guard', voice_id: row.voice_id, connect_id: row.connect_id }));
    closeConnect(s, leg, row, { connectstate: 'failed', cause: Cause.RECOVERY_ON_TIMER_EXPIRY, reason: q850Reason(Cause.RECOVERY_ON_TIMER_EXPIRY), endedBy: 'destination' }, now);
  }
}

/** When the earliest guard falls due (ms), or null when no leg is guarded. */
export function nextGuardAt(s: SessionParts): number | null {
  const init = s.init();
  const row = s.legs.sql
    .exec<{ idle: number | null; answered: number | null; dialed: number | null; hangup: number | null }>(
      `SELECT
         (SELECT MIN(idle_since) FROM legs WHERE state = 'idle' AND hangup_requested_at IS NULL) AS idle,
         (SELECT MIN(answered_at) FROM legs WHERE state IN ${inList(ANSWERED_STATES)} AND hangup_requested_at IS NULL) AS answered,
         (SELECT MIN(dialed_at) FROM legs WHERE state IN ('dialing','ringing')) AS dialed,
         (SELECT MIN(hangup_requested_at) FROM legs WHERE hangup_requested_at IS NOT NULL AND state IN ${inList(LIVE_STATES)}) AS hangup`,
    )
    .one();
  const pendingConnect = s.connects.oldestPendingAt();
  const candidates = [
    pendingConnect === null ? null : pendingConnect + init.ringTimeoutS * 1000 + STUCK_GRACE_MS,
    row.idle === null ? null : row.idle + init.idleTimeoutS * 1000,
    row.answered === null ? null : row.answered + init.maxCallDurationS * 1000,
    row.dialed === null ? null : row.dialed + init.ringTimeoutS * 1000 + STUCK_GRACE_MS,
    row.hangup === null ? null : row.hangup + HANGUP_CONFIRM_MS,
  ].filter((t): t is number => t !== null);
  return candidates.length > 0 ? Math.min(...candidates) + 1 : null;
}
