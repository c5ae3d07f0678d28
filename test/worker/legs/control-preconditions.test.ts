// The per-call controls' precondition ladder, written once for play, hold,
// record, stream and connect: the first rung that fails is the answer.
import { describe, expect, it } from 'vitest';
import { refuseControl, type ControlKind } from '../../../worker/src/durable/broadcast-session/control-preconditions.ts';
import type { LegState } from '../../../worker/src/durable/broadcast-session/contract.ts';

describe('control preconditions', () => {
  it.each([
    // state, hangup asked, kind → refusal
    ['queued', false, 'audio', 'not_answered'],
    ['dialing', false, 'leg', 'not_answered'],
    ['ringing', false, 'audio', 'not_answered'],
    ['connected', false, 'audio', null],
    ['playing', false, 'audio', null],
    ['idle', false, 'leg', null],
    ['connecting', false, 'audio', 'connect_in_progress'],
    ['bridged', false, 'audio', 'bridged'],
    // Hold, record and stream act on the answered leg, connect or not.
    ['connecting', false, 'leg', null],
    ['bridged', false, 'leg', null],
    ['disconnected', false, 'leg', 'ended'],
    ['failed', false, 'audio', 'ended'],
    // A hangup already asked for wins over every other rung.
    ['connected', true, 'leg', 'ended'],
    ['bridged', true, 'audio', 'ended'],
    ['ringing', true, 'audio', 'ended'],
  ] as const)('%s (hangup asked: %s), %s control → %s', (state, hangupRequested, kind, refusal) => {
    expect(refuseControl({ state: state as LegState, hangupRequested }, kind as ControlKind)).toBe(refusal);
  });
});
