/**
 * The call.compliance_blocked webhook event (spec "Webhooks") for a dial the
 * engine refused, built in one place so broadcasts, campaigns and originate
 * describe a block the same way. The `compliance` object has the shape of the
 * spec's originate 403 body, so subscribers parse one structure.
 */
import type { DialerEvent } from '../dialer-events/emit.ts';
import type { ComplianceResult } from './engine.ts';

export interface BlockedCall {
  tenantId: string;
  callId: string;
  campaignId?: string | null;
  broadcastId?: string | null;
  agentId?: string | null;
}

export function complianceBlockedEvent(call: BlockedCall, result: ComplianceResult): DialerEvent {
  return {
    type: 'call.compliance_blocked',
    tenantId: call.tenantId,
    correlationId: call.callId,
    payload: {
      call_id: call.callId,
      agent_id: call.agentId ?? null,
      campaign_id: call.campaignId ?? null,
      broadcast_id: call.broadcastId ?? null,
      contact_phone: result.phone,
      status: 'blocked',
      detail: result.blockingReason,
      compliance: { allowed: false, rule: result.blockingRule, rule_version: result.ruleVersion, audit_ref: result.auditRef },
    },
  };
}
