/**
 * Builds the Voice Broadcast API's webhook bodies exactly as documented:
 * ringing, connected, playstate, disconnected and broadcastcall_complete
 * (plus Crier's dtmf and stream events, docs/webhooks.md).
 * custom_data is echoed verbatim when the broadcast had one (and omitted when
 * it had none); call_answered_by appears only when AMD is on. Our additions
 * (docs/webhooks.md): playstate failed and interrupted, state dtmf.
 */
import { callStateLabel } from '../../calls/call-outcome.ts';
import type { RecipientInput } from './contract.ts';

export interface BroadcastContext {
  broadcastId: string;
  from: string;
  amd: boolean;
  customData: unknown;
}

export interface LegContext {
  voiceId: string;
  to: string;
}

type Payload = Record<string, unknown>;

export function withCustomData(ctx: BroadcastContext, body: Payload, timestamp: string): Payload {
  if (ctx.customData !== undefined) body.custom_data = ctx.customData;
  body.timestamp = timestamp;
  return body;
}

export function common(ctx: BroadcastContext, leg: LegContext): Payload {
  return { broadcast_id: ctx.broadcastId, voice_id: leg.voiceId, from: ctx.from, to: leg.to };
}

export function ringingPayload(ctx: BroadcastContext, leg: LegContext, channelId: string, timestamp: string): Payload {
  return withCustomData(ctx, { ...common(ctx, leg), state: 'ringing', channel_id: channelId }, timestamp);
}

export function connectedPayload(ctx: BroadcastContext, leg: LegContext, answeredBy: string | null, timestamp: string): Payload {
  const body: Payload = { ...common(ctx, leg), state: 'connected' };
  if (ctx.amd && answeredBy) body.call_answered_by = answeredBy;
  return withCustomData(ctx, body, timestamp);
}

export function playstatePayload(
  ctx: BroadcastContext,
  leg: LegContext,
  play: { playstate: 'initiated' | 'playfinished' | 'failed' | 'interrupted'; promptRef: string; promptName?: string | undefined; error?: string | undefined },
  timestamp: string,
): Payload {
  const body: Payload = { ...common(ctx, leg), playstate: play.playstate, prompt_ref: play.promptRef };
  if (play.promptName) body.prompt_name = play.promptName;
  if (play.error) body.error = play.error;
  return withCustomData(ctx, body, timestamp);
}

export function dtmfPayload(ctx: BroadcastContext, leg: LegContext, digit: string, durationMs: number, timestamp: string): Payload {
  return withCustomData(ctx, { ...common(ctx, leg), state: 'dtmf', digit, duration_ms: durationMs }, timestamp);
}

/**
 * Crier's stream event (docs/webhooks.md): a wss stream started, stopped or
 * failed. Counts appear once the stream has ended.
 */
export function streamPayload(
  ctx: BroadcastContext,
  leg: LegContext,
  stream: { streamstate: 'started' | 'stopped' | 'failed'; streamId: string; wssHost: string; reason?: string | undefined; framesSent?: number | undefined; framesDropped?: number | undefined },
  timestamp: string,
): Payload {
  const body: Payload = { ...common(ctx, leg), streamstate: stream.streamstate, stream_id: stream.streamId, wss_host: stream.wssHost };
  if (stream.reason) body.reason = stream.reason;
  if (stream.framesSent !== undefined) body.frames_sent = stream.framesSent;
  if (stream.framesDropped !== undefined) body.frames_dropped = stream.framesDropped;
  return withCustomData(ctx, body, timestamp);
}

export function disconnectedPayload(
  ctx: BroadcastContext,
  leg: LegContext,
  end: { durationS: number; reason: string; cause: number; answeredBy: string | null },
  timestamp: string,
): Payload {
  const body: Payload = {
    ...common(ctx, leg),
    state: 'disconnected',
    call_duration: roundMs(end.durationS),
    disconnect_reason: end.reason,
    disconnect_cause_code: end.cause,
  };
  if (ctx.amd && end.answeredBy) body.call_answered_by = end.answeredBy;
  return withCustomData(ctx, body, timestamp);
}

export interface LegSummary {
  voiceId: string;
  to: string;
  durationS: number;
  answered: boolean;
  answeredBy: 'HUMAN' | 'MACHINE' | null;
  cause: number;
  reason: string;
}

export function completePayload(
  ctx: BroadcastContext,
  filtered: { blacklisted: RecipientInput[]; countryNotAllowed: RecipientInput[] },
  legs: Iterable<LegSummary>,
  timestamp: string,
): Payload {
  const info: Payload[] = [];
  for (const leg of legs) {
    const entry: Payload = {
      voice_id: leg.voiceId,
      to: leg.to,
      callDuration: roundMs(leg.durationS),
      callState: callStateLabel(leg),
    };
    if (ctx.amd && leg.answeredBy) entry.call_answered_by = leg.answeredBy;
    entry.disconnectReason = leg.reason;
    entry.disconnectReasonCode = leg.cause;
    info.push(entry);
  }
  return withCustomData(
    ctx,
    {
      broadcast_id: ctx.broadcastId,
      state: 'broadcastcall_complete',
      blacklistednumber: { call_blacklisted: filtered.blacklisted, country_not_allowed: filtered.countryNotAllowed },
      broadcast_call_info: info,
    },
    timestamp,
  );
}

/** Durations are reported in seconds with millisecond precision (12.089). */
export function roundMs(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
