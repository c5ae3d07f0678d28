/**
 * The webhook events of a campaign call (spec envelope, built by the shared
 * call-payloads builders so a campaign call reads like any other leg) plus
 * what only campaigns have: call.abandoned and campaign.completed. Every
 * call.* payload also carries contact_id (Crier addition). Pure.
 */
import type { DialerEvent } from '../../dialer-events/emit.ts';
import { callAnswered, callCompleted, callInitiated, type CallIdentity } from '../../dialer-events/call-payloads.ts';
import type { CallEnd } from './call-flow.ts';

export interface CampaignCallFacts {
  tenantId: string;
  campaignId: string;
  callId: string;
  contactId: string;
  phone: string;
  agentId: string | null;
  startedAt: string;
}

const identity = (c: CampaignCallFacts): CallIdentity => ({ tenantId: c.tenantId, callId: c.callId, contactPhone: c.phone, agentId: c.agentId, campaignId: c.campaignId, broadcastId: null });
const withContact = (e: DialerEvent, c: CampaignCallFacts): DialerEvent => ({ ...e, payload: { ...e.payload, contact_id: c.contactId } });

export function campaignCallInitiated(c: CampaignCallFacts): DialerEvent {
  return withContact(callInitiated(identity(c), { startedAt: c.startedAt }), c);
}

export function campaignCallAnswered(c: CampaignCallFacts, answeredAt: string, answeredBy: 'HUMAN' | 'MACHINE' | null): DialerEvent {
  return withContact(callAnswered(identity(c), { startedAt: c.startedAt, answeredAt, answeredBy }), c);
}

export function campaignCallCompleted(c: CampaignCallFacts, end: CallEnd, status: 'completed' | 'no_answer' | 'busy' | 'failed' | 'voicemail', answeredAt: string | null, endedAt: string): DialerEvent {
  const e = callCompleted(identity(c), {
    status,
    disposition: null,
    durationSeconds: end.talkS,
    recordingId: null,
    startedAt: c.startedAt,
    answeredAt,
    endedAt,
    causeCode: end.cause,
    causeReason: end.reason,
  });
  return { ...e, payload: { ...e.payload, contact_id: c.contactId, outcome: end.outcome } };
}

/** A live answer no agent took in time (sent before its call.completed). */
export function campaignCallAbandoned(c: CampaignCallFacts, answeredAt: string | null, abandonedAt: string): DialerEvent {
  return {
    type: 'call.abandoned',
    tenantId: c.tenantId,
    correlationId: c.callId,
    occurredAt: abandonedAt,
    payload: {
      call_id: c.callId,
      agent_id: null,
      campaign_id: c.campaignId,
      broadcast_id: null,
      contact_id: c.contactId,
      contact_phone: c.phone,
      direction: 'outbound',
      status: 'abandoned',
      started_at: c.startedAt,
      answered_at: answeredAt,
      abandoned_at: abandonedAt,
    },
  };
}

export interface CampaignSummary {
  total_contacts: number;
  contacted: number;
  completed: number;
  failed: number;
  dnc: number;
  calls: number;
  connected: number;
  abandoned: number;
  abandon_rate: number;
}

export function campaignCompleted(tenantId: string, campaignId: string, name: string, completedAt: string, summary: CampaignSummary): DialerEvent {
  return {
    type: 'campaign.completed',
    tenantId,
    correlationId: campaignId,
    occurredAt: completedAt,
    payload: { campaign_id: campaignId, name, status: 'completed', completed_at: completedAt, ...summary },
  };
}
