/**
 * What a media-node event on the agent's leg means to the originate flow:
 * the leg's own progress, and the progress of the connect that dials the
 * customer from it (its connect_id only). Pure.
 */
import type { MediaEvent } from '../../media-protocol/index.ts';
import { Cause, q850Reason } from '../../telephony/q850.ts';
import type { FlowInput } from './call-flow.ts';

/** A node event as a fact for the flow; null for what the flow does not follow (plays, DTMF, streams, another connect). */
export function flowInputOf(ev: MediaEvent, connectId: string): FlowInput | null {
  const at = Date.parse(ev.at);
  const atMs = Number.isFinite(at) ? at : Date.now();
  switch (ev.type) {
    case 'ringing':
      return { kind: 'agent_ringing' };
    case 'connected':
      return { kind: 'agent_connected', atMs };
    case 'disconnected':
      return { kind: 'agent_disconnected', cause: ev.cause, reason: ev.reason, atMs };
    case 'connect':
      if (ev.connect_id !== connectId) return null;
      switch (ev.connectstate) {
        case 'ringing':
          return { kind: 'customer_ringing' };
        case 'connected':
          return { kind: 'customer_connected', atMs };
        case 'failed':
        case 'disconnected':
          return {
            kind: 'customer_ended',
            answered: ev.connectstate === 'disconnected',
            cause: ev.cause ?? Cause.NORMAL_CLEARING,
            reason: ev.reason ?? q850Reason(ev.cause ?? Cause.NORMAL_CLEARING),
            endedBy: ev.ended_by ?? 'destination',
            talkS: ev.duration_s ?? null,
            atMs,
          };
      }
      return null;
    default:
      return null;
  }
}
