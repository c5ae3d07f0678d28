/**
 * Events a media node reports about its legs: POST {worker}/internal/media/v1/events.
 * `seq` counts from 1 per leg; the Worker applies a leg's events in seq order,
 * ignores a seq it has seen, and answers `retry` for a gap so the node resends in order.
 */
import { z } from 'zod';
import { LegOwnerSchema } from './commands.ts';

const base = {
  voice_id: z.string().uuid(),
  owner: LegOwnerSchema,
  seq: z.number().int().positive(),
  /** When it happened on the node, ISO 8601 UTC with milliseconds. */
  at: z.string(),
};

export const RingingEventSchema = z.object({ ...base, type: z.literal('ringing'), channel_id: z.string() });
export const ConnectedEventSchema = z.object({
  ...base,
  type: z.literal('connected'),
  /** Present only when AMD ran. */
  answered_by: z.enum(['HUMAN', 'MACHINE']).optional(),
});
export const PlaystateEventSchema = z.object({
  ...base,
  type: z.literal('playstate'),
  /** interrupted: a newer play replaced this one before it finished (our addition; never playfinished). */
  playstate: z.enum(['initiated', 'playfinished', 'failed', 'interrupted']),
  prompt_ref: z.string(),
  prompt_name: z.string().optional(),
  /** Why a play failed (unknown language, fetch error, ...). */
  error: z.string().optional(),
});
export const DtmfEventSchema = z.object({
  ...base,
  type: z.literal('dtmf'),
  digit: z.string().length(1),
  duration_ms: z.number().nonnegative(),
});
export const DisconnectedEventSchema = z.object({
  ...base,
  type: z.literal('disconnected'),
  cause: z.number().int(),
  reason: z.string(),
  /** Seconds from answer to hangup; 0 for a leg never answered. */
  duration_s: z.number().nonnegative(),
  hangup_by: z.enum(['remote', 'local', 'network']),
  sip_status: z.number().int().optional(),
});

/**
 * Progress of a connect (ConnectCommand), reported on the recipient leg's
 * voice_id: the destination is ringing, answered (audio bridged), failed
 * (never answered), or a bridge that was up has ended. `ended_by` says which
 * side ended it; when it is the recipient, that leg's own disconnected follows.
 */
export const ConnectEventSchema = z.object({
  ...base,
  type: z.literal('connect'),
  connect_id: z.string().uuid(),
  connectstate: z.enum(['ringing', 'connected', 'failed', 'disconnected']),
  /** failed and disconnected: Q.850 cause and its reason. */
  cause: z.number().int().optional(),
  reason: z.string().optional(),
  sip_status: z.number().int().optional(),
  /** disconnected: seconds the destination was connected. */
  duration_s: z.number().nonnegative().optional(),
  ended_by: z.enum(['destination', 'recipient']).optional(),
});

/**
 * A wss stream's life: `started` once the socket is open (connected and start
 * sent), then exactly one of `stopped` (asked to, replaced, the call ended, or
 * the server closed normally) or `failed` (could not connect, or the
 * connection was lost). The call itself is never affected.
 */
export const StreamEventSchema = z.object({
  ...base,
  type: z.literal('stream'),
  stream_id: z.string().uuid(),
  streamstate: z.enum(['started', 'stopped', 'failed']),
  wss_host: z.string(),
  /** Why it stopped or failed: stop_requested, replaced, call_ended, server_closed, or the error. */
  reason: z.string().optional(),
  /** On stopped/failed: media messages sent, and dropped because the server did not keep up. */
  frames_sent: z.number().int().nonnegative().optional(),
  frames_dropped: z.number().int().nonnegative().optional(),
});

export const MediaEventSchema = z.discriminatedUnion('type', [
  RingingEventSchema,
  ConnectedEventSchema,
  PlaystateEventSchema,
  DtmfEventSchema,
  DisconnectedEventSchema,
  ConnectEventSchema,
  StreamEventSchema,
]);
export type MediaEvent = z.infer<typeof MediaEventSchema>;
export type MediaEventType = MediaEvent['type'];
export type ConnectEvent = z.infer<typeof ConnectEventSchema>;

export const EventBatchSchema = z.object({ node_id: z.string().min(1), events: z.array(MediaEventSchema).min(1).max(1000) });
export type EventBatch = z.infer<typeof EventBatchSchema>;

/** Per event: applied (or a duplicate, also ok), or retry later (a seq gap / owner busy). */
export const EventResultSchema = z.object({
  voice_id: z.string(),
  seq: z.number(),
  status: z.enum(['applied', 'duplicate', 'retry', 'rejected']),
});
export const EventBatchResultSchema = z.object({ results: z.array(EventResultSchema) });
export type EventResult = z.infer<typeof EventResultSchema>;
