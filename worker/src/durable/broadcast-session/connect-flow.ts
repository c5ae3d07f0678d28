/**
 * Connect (docs/broadcast-api.md "Connect"): an answered leg is joined to
 * another party dialled from it. This module owns the whole flow: the
 * request (the leg `connecting` before the node hears of it, the
 * destination's calls row before any event can update it, everything undone
 * if the node refuses), the connect's progress from node events, and its
 * close (the connect row, the destination's history, the connectstate
 * webhook, the recipient's leg back to idle).
 */
import { callAnsweredStatement, callEndedStatement, deleteCallRow, insertCallRows } from '../../legs/call-history.ts';
import { digits, toE164 } from '../../legs/number-forms.ts';
import type { ConnectEvent } from '../../media-protocol/index.ts';
import { callHistoryStatus } from '../../calls/call-outcome.ts';
import { Cause, q850Reason } from '../../telephony/q850.ts';
import type { ConnectRequest, LegCommandResult } from './contract.ts';
import { connectPayload, type ConnectProgress } from './connect-payload.ts';
import { isConnectOver, type ConnectRow } from './connect-store.ts';
import { accepted, controllableLeg, notTaken } from './control-preconditions.ts';
import { legStateAfterConnect } from './leg-state-machine.ts';
import type { LegRow } from './leg-store.ts';
import type { SessionParts } from './session-parts.ts';

/**
 * Connects an answered leg to another party. The leg is `connecting` before
 * the node hears of it, so progress that races the node's answer finds it so;
 * a node that refuses dialled nothing: the attempt is forgotten and the leg
 * is put back as it was.
 */
export async function connectLeg(s: SessionParts, voiceId: string, request: ConnectRequest): Promise<LegCommandResult> {
  const found = controllableLeg(s, voiceId, 'audio');
  if ('refused' in found) return found.refused;
  const { leg } = found;
  const init = s.init();
  const connectId = crypto.randomUUID();
  const now = Date.now();
  const before = { state: leg.state, idleSince: leg.idle_since };
  s.connects.insert({ connectId, voiceId, from: request.from, to: request.to, nodeId: leg.node_id, requestedAt: now });
  s.legs.setState(leg, 'connecting');
  s.legs.setIdleSince(leg.idx, null);
  await insertCallRows(s.env.DB, [
    {
      id: connectId,
      tenantId: init.tenantId,
      broadcastId: init.broadcastId,
      contactPhone: toE164(request.to),
      fromNumber: request.from,
      status: 'in_progress',
      mediaNodeId: leg.node_id,
      startedAt: new Date(now).toISOString(),
    },
  ]);
  const sent = await s.send(leg, {
    type: 'connect',
    command_id: `${connectId}:connect`,
    voice_id: voiceId,
    connect_id: connectId,
    from: digits(request.from),
    to: digits(request.to),
    ring_timeout_s: init.ringTimeoutS,
  });
  if (sent !== 'ok') {
    s.connects.forget(connectId);
    await deleteCallRow(s.env.DB, connectId);
    const current = s.legs.byVoice(voiceId);
    if (current?.state === 'connecting') {
      s.legs.setState(current, before.state);
      s.legs.setIdleSince(current.idx, before.idleSince);
    }
    return notTaken(sent);
  }
  await s.wake(now);
  return accepted(s, leg);
}

/** A connect's progress, reported on the recipient leg's own seq. */
export function applyConnectEvent(s: SessionParts, leg: LegRow, ev: ConnectEvent, eventTime: number, timestamp: string): void {
  const row = s.connects.get(ev.connect_id);
  if (!row || row.voice_id !== leg.voice_id || isConnectOver(row.state)) {
    console.warn(JSON.stringify({ msg: 'connect event ignored', voice_id: leg.voice_id, connect_id: ev.connect_id, connectstate: ev.connectstate, known: row?.state ?? null }));
    return;
  }
  const legCtx = { voiceId: leg.voice_id!, to: leg.to_number };
  const target = { connectVoiceId: row.connect_id, from: row.from_number, to: row.to_number };
  switch (ev.connectstate) {
    case 'ringing':
      if (row.state !== 'requested') return;
      s.connects.markRinging(row.connect_id);
      s.outbox.enqueue(leg.voice_id!, connectPayload(s.context(), legCtx, target, { connectstate: 'ringing' }, timestamp), Date.now());
      return;
    case 'connected': {
      if (row.state === 'connected') return;
      s.connects.markAnswered(row.connect_id, eventTime);
      const next = legStateAfterConnect(leg.state, 'answered');
      if (next) s.legs.setState(leg, next);
      s.history.queue(callAnsweredStatement(s.env.DB, row.connect_id, timestamp));
      s.outbox.enqueue(leg.voice_id!, connectPayload(s.context(), legCtx, target, { connectstate: 'connected' }, timestamp), Date.now());
      return;
    }
    case 'failed':
    case 'disconnected': {
      const cause = ev.cause ?? Cause.NORMAL_CLEARING;
      closeConnect(
        s,
        leg,
        row,
        { connectstate: ev.connectstate, cause, reason: ev.reason ?? q850Reason(cause), durationS: ev.duration_s ?? 0, endedBy: ev.ended_by ?? 'destination' },
        eventTime,
      );
    }
  }
}

/**
 * A connect is over: its record, the destination's calls row, the
 * connectstate webhook, and the recipient's leg back to idle (the idle guard
 * applies again) unless the leg itself is what ended.
 */
export function closeConnect(s: SessionParts, leg: LegRow, row: ConnectRow, progress: Extract<ConnectProgress, { cause: number }>, atMs: number): void {
  const answered = row.answered_at !== null;
  const state = answered ? 'disconnected' : 'failed';
  const durationS = answered ? (progress.durationS ?? 0) : 0;
  s.connects.close(row.connect_id, { state, cause: progress.cause, reason: progress.reason, durationS, endedBy: progress.endedBy, atMs });
  s.history.queue(
    callEndedStatement(s.env.DB, row.connect_id, {
      status: callHistoryStatus({ answered, answeredBy: null, cause: progress.cause }),
      cause: progress.cause,
      reason: progress.reason,
      durationS,
      endedAt: new Date(atMs).toISOString(),
    }),
  );
  const timestamp = new Date(atMs).toISOString();
  s.outbox.enqueue(
    leg.voice_id!,
    connectPayload(
      s.context(),
      { voiceId: leg.voice_id!, to: leg.to_number },
      { connectVoiceId: row.connect_id, from: row.from_number, to: row.to_number },
      { ...progress, connectstate: state, durationS },
      timestamp,
    ),
    Date.now(),
  );
  const next = legStateAfterConnect(leg.state, 'over', progress.endedBy);
  if (next) {
    s.legs.setState(leg, next);
    s.legs.setIdleSince(leg.idx, Date.now());
  }
}

/** An open connect of a leg that is ending says so first (node lost, guard): the destination ends with the recipient. */
export function closeConnectWithLeg(s: SessionParts, leg: LegRow, cause: number, reason: string, atMs: number): void {
  const open = leg.voice_id ? s.connects.openFor(leg.voice_id) : null;
  if (!open) return;
  const answered = open.answered_at !== null;
  closeConnect(
    s,
    leg,
    open,
    {
      connectstate: answered ? 'disconnected' : 'failed',
      cause,
      reason,
      durationS: answered ? Math.max(0, (atMs - open.answered_at!) / 1000) : 0,
      endedBy: 'recipient',
    },
    atMs,
  );
}
