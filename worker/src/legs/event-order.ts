/**
 * The order rule every leg owner applies to a media node's events
 * (docs/media-protocol.md "Events"): a leg's events carry seq 1, 2, 3…; the
 * next one is applied, one already seen is a duplicate (the node resent it),
 * one beyond the next is sent again later (an earlier one is still on its
 * way), and an event for a leg the owner does not hold is rejected.
 * BroadcastSession, CampaignDialer and AgentCall all answer a batch this way.
 */
import type { EventResult, MediaEvent } from '../media-protocol/index.ts';

export type OrderVerdict = 'apply' | 'duplicate' | 'retry';

export function orderOf(lastSeq: number, seq: number): OrderVerdict {
  if (seq <= lastSeq) return 'duplicate';
  if (seq > lastSeq + 1) return 'retry';
  return 'apply';
}

/** How an owner finds a leg, reads its last applied seq, and applies one event (storing the new seq itself). */
export interface OrderedLegs<L> {
  find(voiceId: string): L | null;
  lastSeq(leg: L): number;
  apply(leg: L, event: MediaEvent): Promise<void> | void;
}

/** Applies a batch in order, one event at a time (each lookup sees the one before it), answering each event's status. */
export async function applyInOrder<L>(events: readonly MediaEvent[], legs: OrderedLegs<L>): Promise<EventResult[]> {
  const results: EventResult[] = [];
  for (const ev of events) {
    const leg = legs.find(ev.voice_id);
    if (leg === null) {
      results.push({ voice_id: ev.voice_id, seq: ev.seq, status: 'rejected' });
      continue;
    }
    const verdict = orderOf(legs.lastSeq(leg), ev.seq);
    if (verdict !== 'apply') {
      results.push({ voice_id: ev.voice_id, seq: ev.seq, status: verdict });
      continue;
    }
    await legs.apply(leg, ev);
    results.push({ voice_id: ev.voice_id, seq: ev.seq, status: 'applied' });
  }
  return results;
}
