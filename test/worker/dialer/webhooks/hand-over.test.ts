// The planning of one hand-over to TenantEvents, pure: which events add
// deliveries, in what order, and which new delivery heads each lane.
import { describe, expect, it } from 'vitest';
import { deliveryRows, firstPerLane, laneOf } from '../../../../worker/src/durable/tenant-events/hand-over.ts';

describe('hand-over plan', () => {
  it('adds a delivery per (new event, subscription) in the events\' order; a stored or repeated event adds none', () => {
    const seqs = new Map([
      ['e1', 10],
      ['e2', 11],
    ]);
    const plan = deliveryRows(
      [
        { eventId: 'e1', correlationId: 'c1', subscriptionIds: ['s1', 's2'] },
        { eventId: 'stored-before', correlationId: 'c1', subscriptionIds: ['s1'] },
        { eventId: 'e2', correlationId: 'c2', subscriptionIds: ['s1'] },
        { eventId: 'e1', correlationId: 'c1', subscriptionIds: ['s1', 's2'] },
      ],
      (id) => seqs.get(id),
    );
    expect(plan.rows).toEqual([
      [10, 's1', 's1 c1'],
      [10, 's2', 's2 c1'],
      [11, 's1', 's1 c2'],
    ]);
    expect(plan.items.map((i) => [i.eventId, i.seq])).toEqual([
      ['e1', 10],
      ['e2', 11],
    ]);
  });

  it('heads each lane with its lowest new delivery id', () => {
    expect(
      firstPerLane([
        { id: 7, lane: laneOf('s1', 'c1'), subscriptionId: 's1' },
        { id: 5, lane: laneOf('s1', 'c1'), subscriptionId: 's1' },
        { id: 6, lane: laneOf('s2', 'c1'), subscriptionId: 's2' },
      ]),
    ).toEqual([
      ['s1 c1', 's1', 5],
      ['s2 c1', 's2', 6],
    ]);
  });
});
