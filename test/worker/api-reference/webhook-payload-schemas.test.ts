// Every webhook body the builders produce matches the schema the API reference publishes
// for it, strictly (a field the builder adds and the reference does not list fails), so
// the hand-written schemas in worker/src/api-reference/webhook-events.ts cannot drift.
import { describe, expect, it } from 'vitest';
import type { z } from '@hono/zod-openapi';
import { BROADCAST_WEBHOOK_BODIES, dialerWebhookBody } from '../../../worker/src/api-reference/webhook-events.ts';
import {
  completePayload,
  connectedPayload,
  disconnectedPayload,
  dtmfPayload,
  playstatePayload,
  ringingPayload,
  streamPayload,
  type BroadcastContext,
} from '../../../worker/src/durable/broadcast-session/webhook-payloads.ts';
import { connectPayload } from '../../../worker/src/durable/broadcast-session/connect-payload.ts';
import { callAnswered, callCompleted, callInitiated, type CallIdentity } from '../../../worker/src/dialer-events/call-payloads.ts';
import { prepareEvent, envelopeBody } from '../../../worker/src/dialer-events/envelope.ts';
import type { DialerEvent } from '../../../worker/src/dialer-events/emit.ts';
import {
  campaignCallAbandoned,
  campaignCallAnswered,
  campaignCallCompleted,
  campaignCallInitiated,
  campaignCompleted,
  type CampaignCallFacts,
} from '../../../worker/src/campaigns/engine/campaign-call-events.ts';
import { complianceBlockedEvent } from '../../../worker/src/compliance/blocked-event.ts';
import type { ComplianceResult } from '../../../worker/src/compliance/engine.ts';
import { stateChangedEvent } from '../../../worker/src/agents/state-change.ts';
import type { AgentRecord } from '../../../worker/src/agents/agent-state-machine.ts';
import { DIALER_EVENT_TYPES } from '../../../worker/src/dialer-events/catalog.ts';

const AT = '2026-06-12T13:50:22.000Z';

/** Strict at the top and one level down (payload), where builders add fields. */
function strictly(schema: z.ZodObject): z.ZodType {
  const shape = { ...schema.shape } as Record<string, z.ZodType>;
  const payload = shape.payload as z.ZodType | undefined;
  if (payload && 'strict' in payload && typeof payload.strict === 'function') shape.payload = (payload as z.ZodObject).strict();
  return schema.extend(shape).strict();
}

function expectValid(schema: z.ZodObject, body: unknown): void {
  const result = strictly(schema).safeParse(body);
  expect(result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
}

describe('broadcast webhook bodies match the published schemas', () => {
  const leg = { voiceId: 'v-1', to: '+14155550101' };
  for (const ctx of [
    { broadcastId: 'b-1', from: '+14155550100', amd: true, customData: { booking: 1 } },
    { broadcastId: 'b-1', from: '+14155550100', amd: false, customData: undefined },
  ] satisfies BroadcastContext[]) {
    const label = ctx.amd ? 'with AMD and custom_data' : 'plain';
    it(`state events (${label})`, () => {
      const schema = BROADCAST_WEBHOOK_BODIES['state (ringing, connected, disconnected, dtmf)'];
      expectValid(schema, ringingPayload(ctx, leg, 'ch-1', AT));
      expectValid(schema, connectedPayload(ctx, leg, 'HUMAN', AT));
      expectValid(schema, disconnectedPayload(ctx, leg, { durationS: 12.0891, reason: 'Normal Clearing', cause: 16, answeredBy: 'MACHINE' }, AT));
      expectValid(schema, dtmfPayload(ctx, leg, '5', 120, AT));
    });
    it(`playstate, connectstate, streamstate (${label})`, () => {
      for (const playstate of ['initiated', 'playfinished', 'failed', 'interrupted'] as const) {
        expectValid(BROADCAST_WEBHOOK_BODIES.playstate, playstatePayload(ctx, leg, { playstate, promptRef: 'p-1', promptName: 'welcome', error: playstate === 'failed' ? 'fetch 404' : undefined }, AT));
      }
      const connect = { connectVoiceId: 'v-2', from: '+14155550100', to: '+14155550199' };
      expectValid(BROADCAST_WEBHOOK_BODIES.connectstate, connectPayload(ctx, leg, connect, { connectstate: 'ringing' }, AT));
      expectValid(BROADCAST_WEBHOOK_BODIES.connectstate, connectPayload(ctx, leg, connect, { connectstate: 'disconnected', cause: 16, reason: 'Normal Clearing', durationS: 3.2, endedBy: 'destination' }, AT));
      expectValid(BROADCAST_WEBHOOK_BODIES.connectstate, connectPayload(ctx, leg, connect, { connectstate: 'failed', cause: 17, reason: 'User Busy', endedBy: 'destination' }, AT));
      expectValid(BROADCAST_WEBHOOK_BODIES.streamstate, streamPayload(ctx, leg, { streamstate: 'started', streamId: 's-1', wssHost: 'wss://x.example' }, AT));
      expectValid(BROADCAST_WEBHOOK_BODIES.streamstate, streamPayload(ctx, leg, { streamstate: 'stopped', streamId: 's-1', wssHost: 'wss://x.example', reason: 'call_ended', framesSent: 10, framesDropped: 0 }, AT));
    });
    it(`broadcastcall_complete (${label})`, () => {
      const body = completePayload(
        ctx,
        { blacklisted: [{ to: '+14155550102', play: { type: 'tts', prompt_ref: 'p-1', text: 'hi' } }], countryNotAllowed: [] },
        [
          { voiceId: 'v-1', to: '+14155550101', durationS: 4.5, answered: true, answeredBy: 'HUMAN', cause: 16, reason: 'Normal Clearing' },
          { voiceId: 'v-2', to: '+14155550103', durationS: 0, answered: false, answeredBy: null, cause: 17, reason: 'User Busy' },
        ],
        AT,
      );
      expectValid(BROADCAST_WEBHOOK_BODIES.broadcastcall_complete, body);
    });
  }
});

/** The body a subscriber receives: the envelope as it goes on the wire. */
function wire(event: DialerEvent): unknown {
  return JSON.parse(envelopeBody(event.tenantId, prepareEvent(event)));
}

describe('dialer webhook bodies match the published schemas', () => {
  const call: CallIdentity = { tenantId: 't-1', callId: 'c-1', contactPhone: '+14155550101', agentId: 'a-1', campaignId: null, broadcastId: 'b-1' };
  const end = { status: 'completed' as const, disposition: null, durationSeconds: 12.4, recordingId: null, startedAt: AT, answeredAt: AT, endedAt: AT, causeCode: 16, causeReason: 'Normal Clearing' };
  const facts: CampaignCallFacts = { tenantId: 't-1', campaignId: 'k-1', callId: 'c-2', contactId: 'ct-1', phone: '+14155550101', agentId: null, startedAt: AT };
  const seen = new Set<string>();
  const check = (event: DialerEvent) => {
    seen.add(event.type);
    expectValid(dialerWebhookBody(event.type as Parameters<typeof dialerWebhookBody>[0]), wire(event));
  };

  it('call.* of any leg (broadcast, originate)', () => {
    check(callInitiated(call, { startedAt: AT }));
    check(callAnswered(call, { startedAt: AT, answeredAt: AT, answeredBy: 'MACHINE' }));
    check(callCompleted(call, end));
    const originated = callCompleted({ ...call, broadcastId: null }, end);
    check({ ...originated, payload: { ...originated.payload, ended_by: 'agent' } });
  });

  it('call.* of a campaign call, call.abandoned and campaign.completed', () => {
    check(campaignCallInitiated(facts));
    check(campaignCallAnswered(facts, AT, 'HUMAN'));
    check(campaignCallCompleted(facts, { outcome: 'completed', cause: 16, reason: 'Normal Clearing', talkS: 30 }, 'completed', AT, AT));
    check(campaignCallAbandoned(facts, AT, AT));
    check(campaignCompleted('t-1', 'k-1', 'Spring', AT, { total_contacts: 3, contacted: 3, completed: 2, failed: 1, dnc: 0, calls: 5, connected: 2, abandoned: 0, abandon_rate: 0 }));
  });

  it('call.compliance_blocked and agent.state_changed', () => {
    const result = { allowed: false, ruleVersion: '2026-06-01', auditRef: 'AUD-1', blockingRule: 'calling_hours', blockingReason: 'outside 08:00-21:00', phone: '+14155550101', jurisdiction: 'US', checks: {} } as unknown as ComplianceResult;
    check(complianceBlockedEvent({ tenantId: 't-1', callId: 'c-3', campaignId: 'k-1' }, result));
    const record = (state: string): AgentRecord => ({ state, stateSince: AT, reason: null, currentCallId: null, preCallState: null, preCallReason: null, removed: false, changedBy: 'u-1' }) as AgentRecord;
    check(stateChangedEvent('t-1', { id: 'a-1', fullName: 'Ada', teamId: null, createdAt: AT }, record('offline'), record('available')));
  });

  it('every catalog event but the ones raised inside routes is covered here', () => {
    // campaign.started/paused are built in campaigns/routes.ts and dnc.added in
    // dnc/tenant-dnc.ts; their route tests assert the payloads field by field.
    const elsewhere = ['campaign.started', 'campaign.paused', 'dnc.added'];
    expect(DIALER_EVENT_TYPES.filter((t) => !seen.has(t) && !elsewhere.includes(t))).toEqual([]);
  });
});
