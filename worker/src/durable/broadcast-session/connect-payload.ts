/**
 * The connectstate webhook (a Crier addition, docs/webhooks.md): the progress
 * of PUT .../connect on a leg, in the spirit of playstate. It carries the
 * common per-leg fields (the recipient's leg), the destination (`connect_to`,
 * the caller ID presented to it, and its own id), and once it is over the
 * Q.850 cause, as the disconnected event does.
 */
import { common, roundMs, withCustomData, type BroadcastContext, type LegContext } from './webhook-payloads.ts';

export interface ConnectContext {
  connectVoiceId: string;
  /** As the client sent them. */
  from: string;
  to: string;
}

export type ConnectProgress =
  | { connectstate: 'ringing' | 'connected' }
  | {
      connectstate: 'failed' | 'disconnected';
      cause: number;
      reason: string;
      /** Seconds the destination was connected (disconnected only). */
      durationS?: number;
      endedBy: 'destination' | 'recipient';
    };

export function connectPayload(ctx: BroadcastContext, leg: LegContext, connect: ConnectContext, progress: ConnectProgress, timestamp: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ...common(ctx, leg),
    connectstate: progress.connectstate,
    connect_voice_id: connect.connectVoiceId,
    connect_from: connect.from,
    connect_to: connect.to,
  };
  if (progress.connectstate === 'failed' || progress.connectstate === 'disconnected') {
    if (progress.connectstate === 'disconnected') body.call_duration = roundMs(progress.durationS ?? 0);
    body.disconnect_reason = progress.reason;
    body.disconnect_cause_code = progress.cause;
    body.ended_by = progress.endedBy;
  }
  return withCustomData(ctx, body, timestamp);
}
