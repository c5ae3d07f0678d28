/**
 * The per-call controls on one leg (PUT/DELETE .../calls/{voice_id}…): hang
 * up, play, hold and record. Each finds the leg and passes the precondition
 * ladder (control-preconditions.ts), then sends its command to the leg's
 * node; a node that does not take it answers `unavailable` (the call may
 * still be up) or `ended` (the node no longer holds the leg).
 */
import { eq } from 'drizzle-orm';
import { database } from '../../db/client.ts';
import { recordings } from '../../db/schema.ts';
import type { PlayInput } from '../../broadcast/play-schema.ts';
import { Cause } from '../../telephony/q850.ts';
import type { LegCommandResult } from './contract.ts';
import { accepted, controllableLeg, notTaken } from './control-preconditions.ts';
import { isTerminal } from './leg-state-machine.ts';
import { finalizeLeg } from './leg-end.ts';
import type { SessionParts } from './session-parts.ts';

/**
 * The client hangs up: any state, repeated asks answer ok. A leg not on a
 * node yet ends here; one on a node ends when the node confirms (or the
 * hangup guard gives up waiting).
 */
export async function hangupLeg(s: SessionParts, voiceId: string): Promise<LegCommandResult> {
  const leg = s.legs.byVoice(voiceId);
  if (!leg) return { ok: false, error: 'not_found' };
  const ok = accepted(s, leg);
  if (isTerminal(leg.state)) return leg.hangup_by_client ? ok : { ok: false, error: 'ended' };
  if (leg.hangup_by_client) return ok;
  const now = Date.now();
  s.legs.requestHangup(leg.idx, now, Cause.NORMAL_CLEARING, true);
  if (leg.state === 'queued' || !leg.control_url) {
    await finalizeLeg(s, { ...leg, hangup_by_client: 1 }, 'disconnected', Cause.NORMAL_CLEARING, now);
    await s.history.flush();
  } else {
    await s.send(leg, { type: 'hangup', command_id: `${voiceId}:hangup`, voice_id: voiceId, cause: Cause.NORMAL_CLEARING });
  }
  await s.wake(now);
  return ok;
}

export async function playOnLeg(s: SessionParts, voiceId: string, play: PlayInput): Promise<LegCommandResult> {
  const found = controllableLeg(s, voiceId, 'audio');
  if ('refused' in found) return found.refused;
  const { leg } = found;
  const spec = await s.prompts.resolve(play);
  const sent = await s.send(leg, { type: 'play', command_id: crypto.randomUUID(), voice_id: voiceId, play: spec });
  if (sent !== 'ok') return notTaken(sent);
  // A new play cancels the idle guard until its own playfinished.
  s.legs.setIdleSince(leg.idx, null);
  return accepted(s, leg);
}

export async function holdLeg(s: SessionParts, voiceId: string, hold: boolean): Promise<LegCommandResult> {
  const found = controllableLeg(s, voiceId, 'leg');
  if ('refused' in found) return found.refused;
  const sent = await s.send(found.leg, { type: 'hold', command_id: crypto.randomUUID(), voice_id: voiceId, hold });
  return sent === 'ok' ? accepted(s, found.leg) : notTaken(sent);
}

/**
 * Starts or stops recording a leg. Start creates the recordings row (the node
 * uploads the file on stop or hang-up); stop answers not_recording if none runs.
 */
export async function recordLeg(s: SessionParts, voiceId: string, action: 'start' | 'stop', name?: string): Promise<LegCommandResult | { ok: false; error: 'not_recording' }> {
  const found = controllableLeg(s, voiceId, 'leg');
  if ('refused' in found) return found.refused;
  const { leg } = found;
  const init = s.init();
  const key = `recording:${voiceId}`;
  if (action === 'stop') {
    const recordingId = s.legs.meta(key);
    if (!recordingId) return { ok: false, error: 'not_recording' };
    await s.send(leg, { type: 'recording', command_id: `${recordingId}:stop`, voice_id: voiceId, action: 'stop', recording_id: recordingId });
    s.legs.deleteMeta(key);
    return accepted(s, leg);
  }
  const previous = s.legs.meta(key);
  const recordingId = crypto.randomUUID();
  await database(s.env.DB)
    .insert(recordings)
    .values({
      id: recordingId,
      tenantId: init.tenantId,
      callId: voiceId,
      broadcastId: init.broadcastId,
      name: name ?? recordingId,
      status: 'recording',
      r2Key: `recordings/${init.tenantId}/${recordingId}.wav`,
      startedAt: new Date().toISOString(),
    });
  const sent = await s.send(leg, { type: 'recording', command_id: `${recordingId}:start`, voice_id: voiceId, action: 'start', recording_id: recordingId });
  if (sent !== 'ok') {
    await database(s.env.DB).update(recordings).set({ status: 'failed' }).where(eq(recordings.id, recordingId));
    return notTaken(sent);
  }
  // A new start replaces a running recording on the node; that one is uploaded as it stops.
  if (previous) s.legs.deleteMeta(key);
  s.legs.setMeta(key, recordingId);
  return accepted(s, leg);
}
