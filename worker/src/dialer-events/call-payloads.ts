/**
 * call.initiated / call.answered / call.completed for any call leg the
 * platform makes (broadcast legs today, campaign and agent calls later), in
 * the spirit of the spec's call.completed example: the same field names as a
 * GET /v1/calls item, the call id as correlation_id. Pure: facts in, events out.
 * docs/dialer-api.md "Webhooks" lists every field.
 */
import type { CallHistoryStatus } from '../calls/call-outcome.ts';
import type { DialerEvent } from './emit.ts';

/** Who and what a call leg is, whatever made it. */
export interface CallIdentity {
  tenantId: string;
  callId: string;
  /** E.164 with '+'. */
  contactPhone: string;
  agentId: string | null;
  campaignId: string | null;
  broadcastId: string | null;
}

function base(call: CallIdentity): Record<string, unknown> {
  return {
    call_id: call.callId,
    agent_id: call.agentId,
    campaign_id: call.campaignId,
    broadcast_id: call.broadcastId,
    contact_phone: call.contactPhone,
    direction: 'outbound',
  };
}

function event(type: DialerEvent['type'], call: CallIdentity, occurredAt: string, payload: Record<string, unknown>, eventId?: string): DialerEvent {
  return { type, tenantId: call.tenantId, correlationId: call.callId, occurredAt, payload, ...(eventId ? { eventId } : {}) };
}

/** The leg was handed to the network (a media node took the originate). */
export function callInitiated(call: CallIdentity, at: { startedAt: string }, eventId?: string): DialerEvent {
  return event('call.initiated', call, at.startedAt, { ...base(call), status: 'dialing', started_at: at.startedAt }, eventId);
}

/** The callee (or a machine, when AMD says so) picked up. */
export function callAnswered(
  call: CallIdentity,
  at: { startedAt: string | null; answeredAt: string; answeredBy: 'HUMAN' | 'MACHINE' | null },
  eventId?: string,
): DialerEvent {
  return event(
    'call.answered',
    call,
    at.answeredAt,
    { ...base(call), status: 'connected', answered_by: answeredByOf(at.answeredBy), started_at: at.startedAt, answered_at: at.answeredAt },
    eventId,
  );
}

export interface CallEnd {
  /** The calls history status (GET /v1/calls). */
  status: CallHistoryStatus;
  disposition: string | null;
  /** Seconds the call was connected, as the calls row records it; whole seconds in the payload. */
  durationSeconds: number;
  recordingId: string | null;
  startedAt: string | null;
  answeredAt: string | null;
  endedAt: string;
  causeCode: number;
  causeReason: string;
}

/** The leg is over, whatever happened: answered and hung up, busy, unanswered, failed. */
export function callCompleted(call: CallIdentity, end: CallEnd, eventId?: string): DialerEvent {
  return event(
    'call.completed',
    call,
    end.endedAt,
    {
      ...base(call),
      status: end.status,
      disposition: end.disposition,
      duration_seconds: Math.round(end.durationSeconds),
      recording_id: end.recordingId,
      started_at: end.startedAt,
      answered_at: end.answeredAt,
      ended_at: end.endedAt,
      hangup_cause_code: end.causeCode,
      hangup_cause: end.causeReason,
    },
    eventId,
  );
}

function answeredByOf(value: 'HUMAN' | 'MACHINE' | null): 'human' | 'machine' | null {
  return value === 'HUMAN' ? 'human' : value === 'MACHINE' ? 'machine' : null;
}
