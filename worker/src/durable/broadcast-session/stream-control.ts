/**
 * A leg's wss stream (PUT/DELETE .../calls/{voice_id}/stream): start
 * (replacing a running one) or stop. Whether the node's socket really opened
 * is told by stream events, never by this answer. While a stream runs the
 * idle guard waits: the client is talking to the call. The running stream's
 * id is kept in the session's meta under the leg's voice_id.
 */
import type { LegCommandResult, StreamRequest } from './contract.ts';
import type { LegRow } from './leg-store.ts';
import { accepted, controllableLeg, notTaken } from './control-preconditions.ts';
import type { SessionParts } from './session-parts.ts';

/** Meta key holding the id of the leg's running stream, if any. */
export function streamKey(voiceId: string): string {
  return `stream:${voiceId}`;
}

export async function streamLeg(s: SessionParts, voiceId: string, request: StreamRequest): Promise<LegCommandResult | { ok: false; error: 'not_streaming' }> {
  const found = controllableLeg(s, voiceId, 'leg');
  if ('refused' in found) return found.refused;
  const { leg } = found;
  const init = s.init();
  const key = streamKey(voiceId);
  if (request.action === 'stop') {
    const streamId = s.legs.meta(key);
    if (!streamId) return { ok: false, error: 'not_streaming' };
    streamEnded(s, leg, streamId);
    await s.send(leg, { type: 'stream', command_id: `${streamId}:stop`, voice_id: voiceId, action: 'stop', stream_id: streamId });
    return accepted(s, leg);
  }
  // Marked before the command leaves: the node's events for this stream may be applied while we await its answer.
  const streamId = crypto.randomUUID();
  s.legs.setMeta(key, streamId);
  s.legs.setIdleSince(leg.idx, null);
  const sent = await s.send(leg, {
    type: 'stream',
    command_id: `${streamId}:start`,
    voice_id: voiceId,
    action: 'start',
    stream_id: streamId,
    wss_host: request.wssHost,
    account_id: init.appId,
    custom_parameters: init.customData,
  });
  if (sent !== 'ok') {
    streamEnded(s, s.legs.byVoice(voiceId) ?? leg, streamId);
    return notTaken(sent);
  }
  return accepted(s, leg);
}

/** A stream ended (stopped, failed, replaced): forget it if current; an idle leg's idle guard starts again. */
export function streamEnded(s: SessionParts, leg: LegRow, streamId: string): void {
  const key = streamKey(leg.voice_id!);
  if (s.legs.meta(key) === streamId) s.legs.deleteMeta(key);
  if (!s.legs.meta(key)) s.legs.sql.exec("UPDATE legs SET idle_since = COALESCE(idle_since, ?) WHERE idx = ? AND state = 'idle'", Date.now(), leg.idx);
}

/** Whether the leg has a stream running (the idle guard waits while it does). */
export function isStreaming(s: SessionParts, voiceId: string): boolean {
  return s.legs.meta(streamKey(voiceId)) !== null;
}
