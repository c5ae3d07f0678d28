// The pure parts every leg owner (BroadcastSession, CampaignDialer, AgentCall)
// shares from worker/src/legs: the event order rule, the node-loss rule, the
// pacer's live counts, slot tallies and number forms.
import { describe, expect, it } from 'vitest';
import { applyInOrder, orderOf } from '../../../worker/src/legs/event-order.ts';
import { endsWithNode } from '../../../worker/src/legs/node-loss.ts';
import { liveLegsFrom } from '../../../worker/src/legs/live-report.ts';
import { SlotTally, slotsPerNode } from '../../../worker/src/legs/node-slots.ts';
import { digits, toE164 } from '../../../worker/src/legs/number-forms.ts';
import type { MediaEvent } from '../../../worker/src/media-protocol/index.ts';

function ringing(voiceId: string, seq: number): MediaEvent {
  return { type: 'ringing', voice_id: voiceId, seq, at: new Date(0).toISOString(), channel_id: 'c' } as MediaEvent;
}

describe('event order', () => {
  it.each([
    [0, 1, 'apply'],
    [3, 4, 'apply'],
    [3, 3, 'duplicate'],
    [3, 1, 'duplicate'],
    [3, 5, 'retry'],
    [0, 2, 'retry'],
  ] as const)('last %i, seq %i → %s', (last, seq, verdict) => {
    expect(orderOf(last, seq)).toBe(verdict);
  });

  it('applies a batch in order, each event seeing the one before, and answers every event', async () => {
    const legs = new Map([['a', { lastSeq: 0, applied: [] as number[] }]]);
    const results = await applyInOrder([ringing('a', 1), ringing('a', 1), ringing('a', 3), ringing('a', 2), ringing('x', 1)], {
      find: (voiceId) => legs.get(voiceId) ?? null,
      lastSeq: (leg) => leg.lastSeq,
      apply: (leg, ev) => {
        leg.lastSeq = ev.seq;
        leg.applied.push(ev.seq);
      },
    });
    expect(results.map((r) => r.status)).toEqual(['applied', 'duplicate', 'retry', 'applied', 'rejected']);
    expect(legs.get('a')!.applied).toEqual([1, 2]);
  });
});

describe('node loss', () => {
  it.each([
    // node, boot on record, keepBoot → ends?
    ['n1', 'b1', null, true],
    ['n1', null, null, true],
    ['n2', 'b1', null, false],
    ['n1', 'b1', 'b2', true],
    ['n1', 'b2', 'b2', false],
    // The same instant at another precision is the same boot.
    ['n1', '2026-12-05T07:00:00Z', '2026-12-05T07:00:00.000Z', false],
    ['n1', '2026-12-05T07:00:00Z', '2026-12-05T07:00:01.000Z', true],
    // A leg whose originate has not told its boot is left to reconciliation after a restart.
    ['n1', null, 'b2', false],
  ] as const)('leg on %s (boot %s), node n1 lost keeping %s → %s', (nodeId, boot, keepBoot, ends) => {
    expect(endsWithNode({ nodeId, boot }, 'n1', keepBoot)).toBe(ends);
  });
});

describe('live legs for the pacer', () => {
  it('counts unanswered as ringing and answered as connected', () => {
    expect(liveLegsFrom([])).toEqual({ ringing: 0, connected: 0 });
    expect(liveLegsFrom([false, true, true, false, false])).toEqual({ ringing: 3, connected: 2 });
  });
});

describe('slot tallies', () => {
  it('adds per node and ignores legs never placed', () => {
    const tally = new SlotTally();
    expect(tally.empty).toBe(true);
    tally.add('n1');
    tally.add('n2', 2);
    tally.add('n1');
    tally.add(null);
    tally.add('n3', 0);
    expect(tally.perNode).toEqual({ n1: 2, n2: 2 });
    expect(tally.empty).toBe(false);
  });

  it('counts unused slots per node', () => {
    expect(slotsPerNode([{ nodeId: 'a' }, { nodeId: 'b' }, { nodeId: 'a' }])).toEqual({ a: 2, b: 1 });
    expect(slotsPerNode([])).toEqual({});
  });
});

describe('number forms', () => {
  it.each([
    ['+971501234567', '971501234567', '+971501234567'],
    ['971501234567', '971501234567', '+971501234567'],
  ])('%s → digits %s, E.164 %s', (input, bare, e164) => {
    expect(digits(input)).toBe(bare);
    expect(toE164(input)).toBe(e164);
  });
});
