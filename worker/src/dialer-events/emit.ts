/**
 * The one door through which anything in the Worker raises a dialer-API
 * webhook event (spec "Webhooks": call.*, agent.state_changed, campaign.*,
 * dnc.added). Callers describe what happened; delivery (subscriptions, the
 * envelope, signing, retries) is the webhooks module's business.
 *
 * Until the webhook outbox exists this accepts and drops events, so the
 * places that raise them can be written and tested first.
 */
import type { Env } from '../env.ts';

export type DialerEventType =
  | 'call.initiated'
  | 'call.answered'
  | 'call.completed'
  | 'call.abandoned'
  | 'call.compliance_blocked'
  | 'agent.state_changed'
  | 'campaign.started'
  | 'campaign.paused'
  | 'campaign.completed'
  | 'dnc.added';

export interface DialerEvent {
  type: DialerEventType;
  tenantId: string;
  /** The envelope's correlation_id: the call id for call.*, the campaign id for campaign.*, … */
  correlationId: string;
  /** The envelope's payload, exactly as subscribers receive it. */
  payload: Record<string, unknown>;
  /** ISO 8601 UTC; defaults to now. */
  occurredAt?: string;
}

export async function emitDialerEvents(_env: Env, _events: DialerEvent[]): Promise<void> {
  // Replaced by the webhook outbox (issue 6, webhooks).
}
