/**
 * Commands the Worker sends to a media node: POST {control_url}/v1/commands
 * with a batch. Each carries a command_id; a node that sees an id again answers
 * with the first result and does nothing new.
 */
import { z } from 'zod';
import { PlaySpecSchema } from './play-spec.ts';
import { AgentTargetSchema } from './registrations.ts';

/**
 * Which Durable Object owns a leg; events are routed back to it by this
 * (worker/src/durable/stubs.ts legOwner). agent_call: a manual originate,
 * id = its call_id (docs/agents-calls.md).
 */
export const LegOwnerSchema = z.object({
  kind: z.enum(['broadcast', 'campaign', 'agent_call']),
  id: z.string().min(1),
});
export type LegOwner = z.infer<typeof LegOwnerSchema>;

const base = { command_id: z.string().min(1), voice_id: z.string().uuid() };

export const OriginateCommandSchema = z
  .object({
  ...base,
  type: z.literal('originate'),
  owner: LegOwnerSchema,
  /** Caller ID and callee as E.164 digits without '+'. */
  from: z.string(),
  to: z.string(),
  /** What the leg plays once answered; optional only with an agent `target` (without: silence or its live source). */
  play: PlaySpecSchema.optional(),
  amd: z.boolean(),
  ring_timeout_s: z.number().positive().default(30),
  max_duration_s: z.number().positive().default(3600),
  /**
   * Ring a SIP-registered agent instead of dialling `to` through the trunk: the node INVITEs the agent's
   * binding with auto-answer hints, no AMD. `agent_not_registered` when the node holds no binding.
   */
  target: AgentTargetSchema.optional(),
  })
  .refine((c) => c.play !== undefined || c.target !== undefined, { message: 'play is required unless the target is an agent', path: ['play'] });

export const PlayCommandSchema = z.object({
  ...base,
  type: z.literal('play'),
  play: PlaySpecSchema,
});

export const HangupCommandSchema = z.object({
  ...base,
  type: z.literal('hangup'),
  /** Q.850 cause to report for this hangup; 16 when the client asked. */
  cause: z.number().int().default(16),
});

/** Hold pauses what we send (silence goes out) and keeps the playback position; unhold resumes there. */
export const HoldCommandSchema = z.object({
  ...base,
  type: z.literal('hold'),
  hold: z.boolean(),
});

/**
 * Start or stop recording a leg. On stop (or hang-up) the node uploads the
 * stereo WAV to {worker}/internal/media/v1/recordings/{recording_id}.
 */
export const RecordingCommandSchema = z.object({
  ...base,
  type: z.literal('recording'),
  action: z.enum(['start', 'stop']),
  recording_id: z.string().uuid(),
});

/**
 * Connect a live leg to another party: the node dials `to` presenting `from`
 * (E.164 digits without '+') through the same trunk and, once it answers,
 * bridges the two. Progress comes back as `connect` events on the leg's own
 * voice_id and seq, so they stay in order with the leg's other events.
 */
export const ConnectCommandSchema = z.object({
  ...base,
  type: z.literal('connect'),
  /** The destination leg's id (its calls row and webhook connect_voice_id). */
  connect_id: z.string().uuid(),
  from: z.string(),
  to: z.string(),
  ring_timeout_s: z.number().positive().default(30),
  /** Ring this SIP-registered agent (not `to` through the trunk) and bridge it; `agent_not_registered` when not bound here. */
  target: AgentTargetSchema.optional(),
});

/**
 * Start or stop streaming a leg's audio to a wss:// server (Twilio Media Streams
 * message set, docs/media-protocol.md "Streams"). A start replaces a running
 * stream. The node reports `stream` events: started, stopped, failed.
 */
export const StreamCommandSchema = z
  .object({
    ...base,
    type: z.literal('stream'),
    action: z.enum(['start', 'stop']),
    stream_id: z.string().uuid(),
    /** Required to start: an absolute wss:// URL. */
    wss_host: z.string().optional(),
    /** Sent to the server in `start` as accountSid (the broadcast API's APP_ID). */
    account_id: z.string().optional(),
    /** Sent to the server in `start` as customParameters: the broadcast's custom_data, verbatim. */
    custom_parameters: z.unknown().optional(),
  })
  .refine((c) => c.action === 'stop' || (c.wss_host !== undefined && /^wss:\/\//i.test(c.wss_host)), { message: 'a start needs a wss:// wss_host', path: ['wss_host'] });

export const MediaCommandSchema = z.discriminatedUnion('type', [
  OriginateCommandSchema,
  PlayCommandSchema,
  HangupCommandSchema,
  HoldCommandSchema,
  RecordingCommandSchema,
  ConnectCommandSchema,
  StreamCommandSchema,
]);
export type MediaCommand = z.input<typeof MediaCommandSchema>;
export type ParsedMediaCommand = z.output<typeof MediaCommandSchema>;
export type OriginateCommand = z.output<typeof OriginateCommandSchema>;
export type PlayCommand = z.output<typeof PlayCommandSchema>;
export type HangupCommand = z.output<typeof HangupCommandSchema>;
export type HoldCommand = z.output<typeof HoldCommandSchema>;
export type RecordingCommand = z.output<typeof RecordingCommandSchema>;
export type ConnectCommand = z.output<typeof ConnectCommandSchema>;
export type StreamCommand = z.output<typeof StreamCommandSchema>;

export const CommandBatchSchema = z.object({ commands: z.array(MediaCommandSchema).min(1).max(1000) });
export type CommandBatch = z.input<typeof CommandBatchSchema>;

export const CommandResultSchema = z.object({
  command_id: z.string(),
  ok: z.boolean(),
  /** Machine-readable reason when ok is false: unknown_leg, at_capacity, draining, invalid, agent_not_registered. */
  error: z.string().optional(),
  /**
   * originate, when ok: the boot of the node that took the leg (its heartbeat's
   * `started_at`), so the Worker knows which boot a leg lives on even before
   * that boot's first heartbeat has reached it.
   */
  boot: z.string().optional(),
});
export const CommandBatchResultSchema = z.object({ results: z.array(CommandResultSchema) });
export type CommandResult = z.infer<typeof CommandResultSchema>;
