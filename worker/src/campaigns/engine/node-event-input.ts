/**
 * A media node's event about a campaign's customer leg as a fact for the
 * call's flow (call-flow.ts), or null for what the flow does not follow:
 * ringing, DTMF, streams, plays other than the abandon or machine message,
 * another connect. Pure.
 */
import type { MediaEvent } from '../../media-protocol/index.ts';
import type { CallInput } from './call-flow.ts';

export function callInputOf(ev: MediaEvent, connectId: string): CallInput | null {
  const parsed = Date.parse(ev.at);
  const atMs = Number.isFinite(parsed) ? parsed : Date.now();
  switch (ev.type) {
    case 'connected':
      return { kind: 'answered', answeredBy: ev.answered_by ?? null, atMs };
    case 'disconnected':
      return { kind: 'disconnected', cause: ev.cause, reason: ev.reason, atMs };
    case 'playstate':
      return ev.playstate === 'initiated' || (!ev.prompt_ref.endsWith(':abandon') && !ev.prompt_ref.endsWith(':machine')) ? null : { kind: 'play_done' };
    case 'connect':
      if (ev.connect_id !== connectId) return null;
      switch (ev.connectstate) {
        case 'ringing':
          return null;
        case 'connected':
          return { kind: 'agent_connected', atMs };
        case 'failed':
          return ev.ended_by === 'recipient' ? { kind: 'bridge_ended', endedBy: 'recipient', talkS: 0, atMs } : { kind: 'agent_failed' };
        case 'disconnected':
          return { kind: 'bridge_ended', endedBy: ev.ended_by ?? 'destination', talkS: ev.duration_s ?? null, atMs };
      }
      return null;
    default:
      return null;
  }
}
