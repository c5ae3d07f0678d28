/**
 * What the CampaignDialer hands its modules (placing a dial, stepping a
 * call, the dial decision): its stores and queues. The object builds this
 * once; the modules own the behaviour.
 */
import type { Env } from '../../env.ts';
import type { StoredEventQueue } from '../../dialer-events/stored-event-queue.ts';
import type { CallStore } from './call-store.ts';
import type { DialerFigures } from './dialer-figures.ts';
import type { PreviewOffers } from './preview-offers.ts';

export interface DialerParts {
  env: Env;
  /** The campaign's calls in progress (and ended ones kept briefly). */
  calls: CallStore;
  /** call.* and campaign.* events, written with the change they report. */
  events: StoredEventQueue;
  offers: PreviewOffers;
  figures: DialerFigures;
}
