// The pure parts of connect in the control plane: the leg's connecting and
// bridged states, what a connect's progress does to the leg, playstates that
// must not end a connect, and the connectstate webhook body.
import { describe, expect, it } from 'vitest';
import {
  ALL_LEG_STATES,
  ANSWERED_STATES,
  canTransition,
  IllegalTransition,
  legStateAfterConnect,
  LIVE_STATES,
  stateForEvent,
  transition,
} from '../../../worker/src/durable/broadcast-session/leg-state-machine.ts';
import type { LegState } from '../../../worker/src/durable/broadcast-session/contract.ts';
import { connectPayload } from '../../../worker/src/durable/broadcast-session/connect-payload.ts';

describe('leg states for connect', () => {
  it.each([
    ['connected', 'connecting'],
    ['playing', 'connecting'],
    ['idle', 'connecting'],
    ['connecting', 'bridged'],
    ['connecting', 'idle'],
    ['bridged', 'idle'],
    ['connecting', 'disconnected'],
    ['bridged', 'disconnected'],
    ['bridged', 'failed'],
  ] as Array<[LegState, LegState]>)('allows %s → %s', (from, to) => {
    expect(transition(from, to)).toBe(to);
  });

  it.each([
    ['ringing', 'connecting'],
    ['dialing', 'connecting'],
    ['idle', 'bridged'],
    ['bridged', 'connecting'],
    ['bridged', 'playing'],
    ['connecting', 'playing'],
    ['disconnected', 'connecting'],
  ] as Array<[LegState, LegState]>)('refuses %s → %s', (from, to) => {
    expect(() => transition(from, to)).toThrow(IllegalTransition);
  });

  it('counts connecting and bridged legs as live and answered (max duration applies), and lists every state', () => {
    for (const s of ['connecting', 'bridged'] as LegState[]) {
      expect(LIVE_STATES).toContain(s);
      expect(ANSWERED_STATES).toContain(s);
      expect(canTransition(s, 'failed')).toBe(true);
    }
    expect(new Set(ALL_LEG_STATES).size).toBe(10);
  });

  it('a playstate does not move a leg a connect owns; elsewhere it does as before', () => {
    for (const current of ['connecting', 'bridged'] as LegState[]) {
      expect(stateForEvent({ type: 'playstate', playstate: 'playfinished' }, current)).toBeNull();
      expect(stateForEvent({ type: 'playstate', playstate: 'initiated' }, current)).toBeNull();
    }
    expect(stateForEvent({ type: 'playstate', playstate: 'playfinished' }, 'playing')).toBe('idle');
    expect(stateForEvent({ type: 'disconnected' }, 'bridged')).toBe('disconnected');
    expect(stateForEvent({ type: 'connect' })).toBeNull();
  });

  it('answered bridges a connecting leg; over sends it back to idle unless the recipient’s own leg ended it', () => {
    expect(legStateAfterConnect('connecting', 'answered')).toBe('bridged');
    expect(legStateAfterConnect('bridged', 'answered')).toBeNull();
    expect(legStateAfterConnect('connecting', 'over', 'destination')).toBe('idle');
    expect(legStateAfterConnect('bridged', 'over', 'destination')).toBe('idle');
    expect(legStateAfterConnect('bridged', 'over', 'recipient')).toBeNull();
    expect(legStateAfterConnect('idle', 'over', 'destination')).toBeNull();
    expect(legStateAfterConnect('disconnected', 'over', 'destination')).toBeNull();
  });
});

describe('connectstate webhook body', () => {
  const ctx = { broadcastId: 'b1', from: '12012774877', amd: true, customData: { k: 1 } };
  const leg = { voiceId: 'v1', to: '971501234560' };
  const target = { connectVoiceId: 'c1', from: '+12012774877', to: '918088394833' };

  it('ringing and connected carry the common fields and the destination', () => {
    expect(connectPayload(ctx, leg, target, { connectstate: 'ringing' }, 'T')).toEqual({
      broadcast_id: 'b1',
      voice_id: 'v1',
      from: '12012774877',
      to: '971501234560',
      connectstate: 'ringing',
      connect_voice_id: 'c1',
      connect_from: '+12012774877',
      connect_to: '918088394833',
      custom_data: { k: 1 },
      timestamp: 'T',
    });
  });

  it('disconnected adds the bridged duration, cause and who ended it; failed has no duration', () => {
    const over = connectPayload(ctx, leg, target, { connectstate: 'disconnected', cause: 16, reason: 'Normal Clearing', durationS: 3.21049, endedBy: 'destination' }, 'T');
    expect(over).toMatchObject({ connectstate: 'disconnected', call_duration: 3.21, disconnect_reason: 'Normal Clearing', disconnect_cause_code: 16, ended_by: 'destination' });
    const failed = connectPayload({ ...ctx, customData: undefined }, leg, target, { connectstate: 'failed', cause: 17, reason: 'User Busy', endedBy: 'destination' }, 'T');
    expect(failed).toMatchObject({ connectstate: 'failed', disconnect_cause_code: 17, disconnect_reason: 'User Busy' });
    expect(failed).not.toHaveProperty('call_duration');
    expect(failed).not.toHaveProperty('custom_data');
  });
});
