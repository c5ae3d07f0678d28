/**
 * The WebSocket message set voice-AI integrations already speak (Twilio Media
 * Streams, JSON text frames): what the node sends — connected, start, media,
 * dtmf, mark, stop — and what it accepts from the server — media, mark, clear.
 * Media messages leave 50 times a second per call, so they are built as
 * strings from values that need no escaping (uuids, digits, base64); server
 * messages are validated with zod, and anything else is reported as ignored.
 */
import { z } from 'zod';

export const MEDIA_FORMAT = { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } as const;

/** Who the stream belongs to, as told in `start`. */
export interface StreamIdentity {
  streamSid: string;
  /** The leg's voice_id. */
  callSid: string;
  /** The broadcast API's APP_ID. */
  accountSid: string;
  broadcastId?: string | undefined;
  /** The broadcast's custom_data, verbatim ({} when it had none). */
  customParameters: unknown;
}

export function connectedMessage(): string {
  return JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' });
}

export function startMessage(id: StreamIdentity, sequenceNumber: number): string {
  return JSON.stringify({
    event: 'start',
    sequenceNumber: String(sequenceNumber),
    start: {
      accountSid: id.accountSid,
      streamSid: id.streamSid,
      callSid: id.callSid,
      ...(id.broadcastId ? { broadcast_id: id.broadcastId } : {}),
      tracks: ['inbound'],
      customParameters: id.customParameters ?? {},
      mediaFormat: MEDIA_FORMAT,
    },
    streamSid: id.streamSid,
  });
}

/** One 20 ms chunk of the far end's audio. `timestampMs` is media time since the stream started. */
export function mediaMessage(streamSid: string, sequenceNumber: number, chunk: number, timestampMs: number, payloadBase64: string): string {
  return `{"event":"media","sequenceNumber":"${sequenceNumber}","media":{"track":"inbound","chunk":"${chunk}","timestamp":"${timestampMs}","payload":"${payloadBase64}"},"streamSid":"${streamSid}"}`;
}

export function markMessage(streamSid: string, sequenceNumber: number, name: string): string {
  return JSON.stringify({ event: 'mark', sequenceNumber: String(sequenceNumber), streamSid, mark: { name } });
}

export function dtmfMessage(streamSid: string, sequenceNumber: number, digit: string): string {
  return JSON.stringify({ event: 'dtmf', sequenceNumber: String(sequenceNumber), streamSid, dtmf: { track: 'inbound_track', digit } });
}

export function stopMessage(id: StreamIdentity, sequenceNumber: number): string {
  return JSON.stringify({ event: 'stop', sequenceNumber: String(sequenceNumber), streamSid: id.streamSid, stop: { accountSid: id.accountSid, callSid: id.callSid } });
}

/** A mark name is echoed back verbatim; bounded so a server cannot make us hold megabytes per mark. */
const MAX_MARK_NAME = 256;

const ServerMessageSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('media'), media: z.object({ payload: z.string() }) }),
  z.object({ event: z.literal('mark'), mark: z.object({ name: z.string().max(MAX_MARK_NAME) }) }),
  z.object({ event: z.literal('clear') }),
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;

export type ParsedServerMessage = { ok: true; message: ServerMessage } | { ok: false; why: string };

/** Reads one text frame from the server; an unknown event or a malformed one comes back with the reason. */
export function parseServerMessage(text: string): ParsedServerMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, why: 'not JSON' };
  }
  const event = (value as { event?: unknown } | null)?.event;
  if (event !== 'media' && event !== 'mark' && event !== 'clear') return { ok: false, why: `event ${JSON.stringify(event)} is not one the node accepts (media, mark, clear)` };
  const parsed = ServerMessageSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, why: `${event}: ${issue.path.join('.') || 'message'} ${issue.message}` };
  }
  return { ok: true, message: parsed.data };
}
