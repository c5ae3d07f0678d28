// The broadcast webhook bodies a client receives, key for key and typed per
// voice-broadcast-api.txt ("Webhook Events"), for `toStrictEqual`: a missing
// key, an extra key or a wrong type fails. Where the spec is loose the choices
// are docs/webhooks.md's: from, to and custom_data in every per-leg event
// (playstate included), call_answered_by only with AMD and only once answered,
// prompt_name only when the play named an uploaded prompt.
import { expect } from 'vitest';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** ISO 8601 UTC with milliseconds, as the spec's "Important Notes" require. */
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export const uuid = () => expect.stringMatching(UUID);
export const stamp = () => expect.stringMatching(STAMP);
/** Q.850 cause: an integer (the spec's disconnectReasonCode is "integer"). */
const cause = () => expect.toSatisfy((n: unknown) => Number.isInteger(n), 'an integer');
/** Seconds, floating point with millisecond precision ("12.089"). */
const seconds = () => expect.toSatisfy((n: unknown) => typeof n === 'number' && n >= 0 && Math.abs(n * 1000 - Math.round(n * 1000)) < 1e-6, 'seconds, ms precision');

export interface ShapeContext {
  broadcastId: string;
  from: string;
  /** The broadcast's custom_data (undefined: the broadcast had none, so no event carries it). */
  customData: unknown;
  amd: boolean;
  /** prompt_ref → prompt_name for plays of an uploaded prompt: only their playstate events carry prompt_name. */
  promptNames?: Record<string, string>;
}

function withCommon(ctx: ShapeContext, body: Record<string, unknown>): Record<string, unknown> {
  // `to` is typed here (E.164 digits); which number a leg dialled the tests compare themselves.
  const shaped: Record<string, unknown> = { broadcast_id: ctx.broadcastId, voice_id: uuid(), from: ctx.from, to: expect.stringMatching(/^\d+$/), ...body, timestamp: stamp() };
  if (ctx.customData !== undefined) shaped.custom_data = ctx.customData;
  return shaped;
}

/**
 * The exact body one event must have, given its kind. `answered` says whether
 * the leg was answered by the time of the event (so call_answered_by is due on
 * `disconnected` when AMD is on).
 */
export function expectedShape(ctx: ShapeContext, e: Record<string, any>, answered: boolean): Record<string, unknown> {
  const answeredBy = ctx.amd && answered ? { call_answered_by: expect.stringMatching(/^(HUMAN|MACHINE)$/) } : {};
  if (e.state === 'broadcastcall_complete') {
    const shaped: Record<string, unknown> = {
      broadcast_id: ctx.broadcastId,
      state: 'broadcastcall_complete',
      blacklistednumber: { call_blacklisted: expect.any(Array), country_not_allowed: expect.any(Array) },
      broadcast_call_info: (e.broadcast_call_info as Array<Record<string, any>>).map((i) => ({
        voice_id: uuid(),
        to: expect.stringMatching(/^\d+$/),
        callDuration: seconds(),
        callState: expect.stringMatching(/^(Call Answered|Busy|No Answer|No Response|Rejected|Failed)$/),
        ...(ctx.amd && i.callState === 'Call Answered' ? { call_answered_by: expect.stringMatching(/^(HUMAN|MACHINE)$/) } : {}),
        disconnectReason: expect.any(String),
        disconnectReasonCode: cause(),
      })),
      timestamp: stamp(),
    };
    if (ctx.customData !== undefined) shaped.custom_data = ctx.customData;
    return shaped;
  }
  if (e.playstate) {
    const promptName = ctx.promptNames?.[e.prompt_ref];
    const name = promptName !== undefined ? { prompt_name: promptName } : {};
    return withCommon(ctx, { playstate: expect.stringMatching(/^(initiated|playfinished)$/), prompt_ref: expect.any(String), ...name });
  }
  switch (e.state) {
    case 'ringing':
      return withCommon(ctx, { state: 'ringing', channel_id: expect.any(String) });
    case 'connected':
      return withCommon(ctx, { state: 'connected', ...answeredBy });
    case 'disconnected':
      return withCommon(ctx, { state: 'disconnected', call_duration: seconds(), disconnect_reason: expect.any(String), disconnect_cause_code: cause(), ...answeredBy });
    default:
      return { unexpected_event: e };
  }
}

/** Every event of one broadcast, each against its exact shape; the leg's answer is known from its own earlier `connected`. */
export function expectExactShapes(ctx: ShapeContext, events: Array<Record<string, any>>): void {
  const answered = new Set<string>();
  for (const e of events) {
    if (e.state === 'connected') answered.add(e.voice_id);
    expect(e).toStrictEqual(expectedShape(ctx, e, answered.has(e.voice_id)));
  }
}
