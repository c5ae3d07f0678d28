/**
 * A media node's events applied to a broadcast's legs: the order rule
 * (legs/event-order.ts), then per event the leg's next state (asked of the
 * state machine; an impossible move is logged and ignored), the webhook the
 * client gets, call.answered, and the history write. A connect's progress
 * goes to connect-flow.ts, a stream's to stream-control.ts, the leg's end to
 * leg-end.ts. Slots of legs that ended go back once per batch, and the
 * batch's legs are read and written once (leg-batch.ts).
 */
import { callAnsweredStatement } from '../../legs/call-history.ts';
import { applyInOrder } from '../../legs/event-order.ts';
import { SlotTally } from '../../legs/node-slots.ts';
import type { EventResult, MediaEvent } from '../../media-protocol/index.ts';
import { applyConnectEvent } from './connect-flow.ts';
import { BRIDGING_STATES, canTransition, isTerminal, stateForEvent } from './leg-state-machine.ts';
import type { LegRow } from './leg-store.ts';
import { LegBatch } from './leg-batch.ts';
import { currentLive, endInBatch, finalizeLeg, legsEnded } from './leg-end.ts';
import { isStreaming, streamEnded } from './stream-control.ts';
import * as payloads from './webhook-payloads.ts';
import type { SessionParts } from './session-parts.ts';

/** Applies one node's events in order; see docs/media-protocol.md for the statuses. */
export async function applyNodeEvents(s: SessionParts, events: MediaEvent[]): Promise<EventResult[]> {
  const released = new SlotTally();
  // The batch's legs, read once and written back once (leg-batch.ts).
  const batch = new LegBatch(s.legs, s.connects, events.map((ev) => ev.voice_id));
  const results = await applyInOrder(events, {
    find: (voiceId) => batch.find(voiceId),
    lastSeq: (leg) => leg.last_seq,
    apply: async (leg, ev) => {
      leg.last_seq = ev.seq;
      batch.changed(leg);
      released.add(await applyEvent(s, batch, leg, ev));
    },
  });
  // Before the first wait that lets another request in.
  batch.write();
  await s.history.flush();
  await legsEnded(s, released.perNode);
  // Answers move legs from ringing to connected without ending any: active-count must see that too.
  await s.pacerReport.reportIfChanged(currentLive(s));
  await s.wake(Date.now());
  return results;
}

/** Applies one in-order event; returns the node id when the leg ended (to release its slot). */
async function applyEvent(s: SessionParts, batch: LegBatch, leg: LegRow, ev: MediaEvent): Promise<string | null> {
  if (isTerminal(leg.state)) return null;
  const ctx = s.context();
  const legCtx = { voiceId: leg.voice_id!, to: leg.to_number };
  const at = Date.parse(ev.at);
  const eventTime = Number.isFinite(at) ? at : Date.now();
  const timestamp = new Date(eventTime).toISOString();

  if (ev.type === 'dtmf') {
    s.outbox.enqueue(leg.voice_id!, payloads.dtmfPayload(ctx, legCtx, ev.digit, ev.duration_ms, timestamp), Date.now());
    return null;
  }
  if (ev.type === 'connect') {
    // Moves the leg and its connect by itself: aside from the batch's copy.
    await batch.aside(() => applyConnectEvent(s, leg, ev, eventTime, timestamp));
    return null;
  }
  if (ev.type === 'stream') {
    const stream = { streamstate: ev.streamstate, streamId: ev.stream_id, wssHost: ev.wss_host, reason: ev.reason, framesSent: ev.frames_sent, framesDropped: ev.frames_dropped };
    s.outbox.enqueue(leg.voice_id!, payloads.streamPayload(ctx, legCtx, stream, timestamp), Date.now());
    if (ev.streamstate !== 'started') await batch.aside(() => streamEnded(s, leg, ev.stream_id));
    return null;
  }
  if (ev.type === 'disconnected') {
    const answered = leg.answered_at !== null;
    const detail = { reason: ev.reason, durationS: answered ? ev.duration_s : 0 };
    // A leg with a connect open ends it first (connect-flow.ts): the general path, which reads the leg again.
    if (batch.mayHaveOpenConnect(leg.voice_id!)) await batch.aside(() => finalizeLeg(s, leg, 'disconnected', ev.cause, eventTime, detail));
    else endInBatch(s, batch, leg, 'disconnected', ev.cause, eventTime, detail);
    return leg.node_id;
  }
  const next = stateForEvent(ev, leg.state);
  if (!next) {
    // A connect owns the leg: the play it interrupted (or one that finished just before it)
    // still reaches the client, but moves nothing (docs/broadcast-api.md "Connect").
    if (ev.type === 'playstate' && BRIDGING_STATES.includes(leg.state)) {
      s.outbox.enqueue(
        leg.voice_id!,
        payloads.playstatePayload(ctx, legCtx, { playstate: ev.playstate, promptRef: ev.prompt_ref, promptName: ev.prompt_name, error: ev.error }, timestamp),
        Date.now(),
      );
    }
    return null;
  }
  if (ev.type === 'ringing' && leg.state === 'ringing') return null; // one ringing per leg, whatever the node saw
  if (!canTransition(leg.state, next)) {
    console.warn(JSON.stringify({ msg: 'illegal transition ignored', voice_id: leg.voice_id, from: leg.state, to: next, event: ev.type }));
    return null;
  }
  // The row as the table will have it: the batch writes it back (and the next event of this leg reads this copy).
  s.legs.move(leg.state, next);
  leg.state = next;

  switch (ev.type) {
    case 'ringing':
      leg.channel_id = ev.channel_id;
      s.outbox.enqueue(leg.voice_id!, payloads.ringingPayload(ctx, legCtx, ev.channel_id, timestamp), Date.now());
      break;
    case 'connected': {
      const answeredBy = ev.answered_by ?? null;
      leg.answered_at = eventTime;
      leg.answered_by = answeredBy;
      s.outbox.enqueue(leg.voice_id!, payloads.connectedPayload(ctx, legCtx, answeredBy, timestamp), Date.now());
      s.callEvents.answered({ voiceId: leg.voice_id!, to: leg.to_number, dialedAt: leg.dialed_at }, timestamp, answeredBy);
      s.history.queue(callAnsweredStatement(s.env.DB, leg.voice_id!, timestamp, answeredBy));
      break;
    }
    case 'playstate':
      leg.idle_since = next === 'idle' && !isStreaming(s, leg.voice_id!) ? Date.now() : null;
      s.outbox.enqueue(
        leg.voice_id!,
        payloads.playstatePayload(ctx, legCtx, { playstate: ev.playstate, promptRef: ev.prompt_ref, promptName: ev.prompt_name, error: ev.error }, timestamp),
        Date.now(),
      );
      break;
  }
  return null;
}
