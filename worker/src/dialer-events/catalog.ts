/**
 * The dialer API's webhook event catalog (spec "Webhooks" → Event Catalog),
 * the one list subscriptions are validated against and events are typed by.
 */

export const DIALER_EVENT_TYPES = [
  'call.initiated',
  'call.answered',
  'call.completed',
  'call.abandoned',
  'call.compliance_blocked',
  'agent.state_changed',
  'campaign.started',
  'campaign.paused',
  'campaign.completed',
  'dnc.added',
] as const;

export type DialerEventType = (typeof DIALER_EVENT_TYPES)[number];

/** A subscription's event_types: catalog names, or exactly ["*"] for everything (present and future). */
export const ALL_EVENTS = '*';

/** Sent only by POST /v1/webhooks/{id}/test, to that subscription, whatever its filter; not subscribable. */
export const TEST_EVENT_TYPE = 'webhook.test';

export function isDialerEventType(value: string): value is DialerEventType {
  return (DIALER_EVENT_TYPES as readonly string[]).includes(value);
}

/** Whether a subscription filter (or a tenant's combined interest) takes events of `type`. */
export function filterAccepts(eventTypes: Iterable<string>, type: string): boolean {
  for (const t of eventTypes) if (t === ALL_EVENTS || t === type) return true;
  return false;
}
