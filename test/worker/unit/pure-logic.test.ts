// Pure decisions of the control plane, tested without I/O: the leg state
// machine, the pacing window, node selection, the SIP → Q.850 table, the retry
// schedule and call outcome labels.
import { describe, expect, it } from 'vitest';
import { canTransition, IllegalTransition, stateForEvent, transition } from '../../../worker/src/durable/broadcast-session/leg-state-machine.ts';
import type { LegState } from '../../../worker/src/durable/broadcast-session/contract.ts';
import { decideDials, DISPATCH_ALLOWANCE_MS } from '../../../worker/src/durable/tenant-pacer/pacing.ts';
import { pickNodes, silentNodes, type NodeLoad } from '../../../worker/src/durable/media-fleet/node-selection.ts';
import { q850FromSipStatus, q850Reason } from '../../../worker/src/telephony/q850.ts';
import { delayBeforeAttempt, retryScheduleFrom, RETRY_DELAYS_MS } from '../../../worker/src/webhooks/retry-schedule.ts';
import { callHistoryStatus, callStateLabel } from '../../../worker/src/calls/call-outcome.ts';

const ALL: LegState[] = ['queued', 'dialing', 'ringing', 'connected', 'playing', 'idle', 'disconnected', 'failed'];

describe('leg state machine', () => {
  it.each([
    ['queued', 'dialing'],
    ['dialing', 'ringing'],
    ['dialing', 'connected'],
    ['ringing', 'connected'],
    ['connected', 'playing'],
    ['playing', 'idle'],
    ['idle', 'playing'],
    ['playing', 'playing'],
    ['idle', 'disconnected'],
    ['ringing', 'disconnected'],
    ['dialing', 'queued'],
    ['queued', 'failed'],
  ] as Array<[LegState, LegState]>)('allows %s → %s', (from, to) => {
    expect(transition(from, to)).toBe(to);
  });

  it.each([
    ['queued', 'connected'],
    ['ringing', 'playing'],
    ['dialing', 'idle'],
    ['connected', 'ringing'],
    ['idle', 'connected'],
    ['playing', 'queued'],
  ] as Array<[LegState, LegState]>)('refuses %s → %s', (from, to) => {
    expect(() => transition(from, to)).toThrow(IllegalTransition);
  });

  it('lets nothing leave a terminal state', () => {
    for (const to of ALL) {
      expect(canTransition('disconnected', to)).toBe(false);
      expect(canTransition('failed', to)).toBe(false);
    }
  });

  it('lets every live state end', () => {
    for (const from of ['dialing', 'ringing', 'connected', 'playing', 'idle'] as LegState[]) {
      expect(canTransition(from, 'disconnected')).toBe(true);
      expect(canTransition(from, 'failed')).toBe(true);
    }
  });

  it('maps node events to states', () => {
    expect(stateForEvent({ type: 'ringing' })).toBe('ringing');
    expect(stateForEvent({ type: 'playstate', playstate: 'initiated' })).toBe('playing');
    expect(stateForEvent({ type: 'playstate', playstate: 'playfinished' })).toBe('idle');
    expect(stateForEvent({ type: 'playstate', playstate: 'failed' })).toBe('idle');
    expect(stateForEvent({ type: 'playstate', playstate: 'interrupted' })).toBe('playing'); // the next play starts this instant
    expect(stateForEvent({ type: 'dtmf' })).toBeNull();
  });
});

describe('pacing window', () => {
  const base = { nowMs: 10_000, callsPerSecond: 5, maxConcurrent: 100, liveLegs: 0, wanted: 20 };

  it('spreads dials evenly: one every 1100/CPS ms at low rates (the window plus the dispatch allowance), and says when the next slot opens', () => {
    expect(decideDials({ ...base, recentDialsMs: [] })).toEqual({ granted: 1, nextAtMs: 10_220 });
    expect(decideDials({ ...base, recentDialsMs: [9_800] }).granted).toBe(0);
    expect(decideDials({ ...base, recentDialsMs: [9_780] }).granted).toBe(1);
  });

  it('leaves room for the grant-to-INVITE delay to vary by up to DISPATCH_ALLOWANCE_MS without the wire exceeding the rate', () => {
    let recent: number[] = [];
    const granted: number[] = [];
    for (let t = 0; t < 6_000; t += 7) {
      const d = decideDials({ ...base, nowMs: t, recentDialsMs: recent });
      recent = [...recent, ...Array(d.granted).fill(t)];
      granted.push(...Array(d.granted).fill(t));
    }
    // Worst case: every other dial leaves as late as the allowance permits, the rest at once.
    const wire = granted.map((g, i) => g + (i % 2 === 0 ? DISPATCH_ALLOWANCE_MS - 1 : 0)).sort((a, b) => a - b);
    for (const t of wire) expect(wire.filter((w) => w >= t && w < t + 1000).length).toBeLessThanOrEqual(5);
  });

  it('grants small batches (50 ms worth) at high rates', () => {
    expect(decideDials({ ...base, callsPerSecond: 200, recentDialsMs: [] }).granted).toBe(10);
    expect(decideDials({ ...base, callsPerSecond: 200, recentDialsMs: [9_989] }).granted).toBe(2); // 11 ms at 5.5 ms spacing
  });

  it('counts only the last second', () => {
    expect(decideDials({ ...base, callsPerSecond: 100, recentDialsMs: [8_000, ...Array(97).fill(9_500)] }).granted).toBe(3);
  });

  it('never exceeds the rate across consecutive calls', () => {
    let recent: number[] = [];
    const granted: number[] = [];
    for (let t = 0; t < 5_000; t += 37) {
      const d = decideDials({ ...base, nowMs: t, recentDialsMs: recent });
      recent = [...recent, ...Array(d.granted).fill(t)];
      granted.push(...Array(d.granted).fill(t));
    }
    for (const t of granted) expect(granted.filter((g) => g > t - 1000 && g <= t).length).toBeLessThanOrEqual(5);
    // Evenly spread: consecutive dials are at least 1000/CPS apart (less one tick of the caller's clock).
    for (let i = 1; i < granted.length; i++) expect(granted[i]! - granted[i - 1]!).toBeGreaterThanOrEqual(200 - 37);
  });

  it('stops at the concurrency limit and waits for legs to end, not for time', () => {
    expect(decideDials({ ...base, callsPerSecond: 100, recentDialsMs: [], liveLegs: 98 })).toEqual({ granted: 2, nextAtMs: null });
    expect(decideDials({ ...base, recentDialsMs: [], liveLegs: 100 }).granted).toBe(0);
  });

  it('grants what is wanted when under every limit', () => {
    expect(decideDials({ ...base, callsPerSecond: 100, wanted: 2, recentDialsMs: [] })).toEqual({ granted: 2, nextAtMs: null });
  });
});

describe('node selection', () => {
  const node = (nodeId: string, capacity: number, assigned: number, extra: Partial<NodeLoad> = {}): NodeLoad => ({
    nodeId,
    controlUrl: `http://${nodeId}`,
    capacity,
    assigned,
    reportedLive: 0,
    draining: false,
    lastSeenMs: 1_000,
    ...extra,
  });

  it('spreads legs to the least-loaded node by ratio', () => {
    const picks = pickNodes([node('a', 10, 5), node('b', 100, 0)], 3, 1_000, 15_000);
    expect(picks).toEqual(['b', 'b', 'b']);
    const even = pickNodes([node('a', 10, 0), node('b', 10, 0)], 4, 1_000, 15_000);
    expect(even.filter((p) => p === 'a')).toHaveLength(2);
  });

  it('skips dead, draining and full nodes, and returns fewer when the fleet is full', () => {
    const picks = pickNodes([node('dead', 10, 0, { lastSeenMs: -20_000 }), node('drain', 10, 0, { draining: true }), node('full', 2, 1)], 5, 1_000, 15_000);
    expect(picks).toEqual(['full']);
  });

  it('trusts the node’s own live count when it is higher than ours', () => {
    expect(pickNodes([node('a', 10, 0, { reportedLive: 10 }), node('b', 10, 9)], 1, 1_000, 15_000)).toEqual(['b']);
  });

  it('declares a node lost once silent past the timeout, and looks again when the next could be', () => {
    const beats = [{ nodeId: 'quiet', lastSeenMs: 0 }, { nodeId: 'beating', lastSeenMs: 10_000 }];
    expect(silentNodes(beats, 0, 15_000, 15_000)).toEqual({ lost: [], nextCheckAtMs: 16_000 });
    expect(silentNodes(beats, 0, 15_001, 15_000)).toEqual({ lost: ['quiet'], nextCheckAtMs: 25_001 });
    expect(silentNodes([], 0, 15_001, 15_000)).toEqual({ lost: [], nextCheckAtMs: null });
  });

  it('does not count the fleet’s own downtime (a Worker restart) as a node’s silence: a full timeout from the restart', () => {
    // Last beat at 0, the Worker down from 1 s to 20 s: the node's beats failed meanwhile, it is not lost on restart.
    const beats = [{ nodeId: 'a', lastSeenMs: 0 }];
    expect(silentNodes(beats, 20_000, 20_050, 15_000)).toEqual({ lost: [], nextCheckAtMs: 35_001 });
    // Still unheard a full timeout after the restart: lost.
    expect(silentNodes(beats, 20_000, 35_001, 15_000).lost).toEqual(['a']);
  });
});

describe('SIP → Q.850 (RFC 3398)', () => {
  it.each([
    [486, 17, 'User Busy'],
    [480, 18, 'No User Responding'],
    [603, 21, 'Call Rejected'],
    [404, 1, 'Unallocated Number'],
    [503, 41, 'Temporary Failure'],
    [408, 102, 'Recovery on Timer Expiry'],
    [600, 17, 'User Busy'],
    [599, 41, 'Temporary Failure'],
    [499, 31, 'Normal, Unspecified'],
  ])('%i → %i %s', (status, cause, reason) => {
    expect(q850FromSipStatus(status)).toEqual({ cause, reason });
  });

  it('names the causes the spec lists', () => {
    expect([16, 17, 18, 19, 21].map(q850Reason)).toEqual(['Normal Clearing', 'User Busy', 'No User Responding', 'No Answer from User', 'Call Rejected']);
  });
});

describe('webhook retry schedule', () => {
  it('is immediate, 30 s, 5 min, 30 min, 2 h, then gives up', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => delayBeforeAttempt(a))).toEqual([0, 30_000, 300_000, 1_800_000, 7_200_000, null]);
  });
  it('can be replaced by configuration, and ignores junk', () => {
    expect(retryScheduleFrom('0,10,20')).toEqual([0, 10, 20]);
    expect(retryScheduleFrom('0,x')).toBe(RETRY_DELAYS_MS);
    expect(retryScheduleFrom(undefined)).toBe(RETRY_DELAYS_MS);
  });
});

describe('call outcome labels', () => {
  it.each([
    [{ answered: true, answeredBy: 'HUMAN' as const, cause: 16 }, 'Call Answered', 'completed'],
    [{ answered: true, answeredBy: 'MACHINE' as const, cause: 16 }, 'Call Answered', 'voicemail'],
    [{ answered: false, answeredBy: null, cause: 17 }, 'Busy', 'busy'],
    [{ answered: false, answeredBy: null, cause: 19 }, 'No Answer', 'no_answer'],
    [{ answered: false, answeredBy: null, cause: 18 }, 'No Response', 'no_answer'],
    [{ answered: false, answeredBy: null, cause: 21 }, 'Rejected', 'failed'],
    [{ answered: false, answeredBy: null, cause: 34 }, 'Failed', 'failed'],
  ])('%o → %s / %s', (leg, label, status) => {
    expect(callStateLabel(leg)).toBe(label);
    expect(callHistoryStatus(leg)).toBe(status);
  });
});
