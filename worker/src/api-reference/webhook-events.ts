/**
 * The webhooks both APIs send, as OpenAPI 3.1 `webhooks` entries: each event's
 * body (written from the builders that produce them: broadcast-session/
 * webhook-payloads.ts and connect-payload.ts, dialer-events/envelope.ts,
 * call-payloads.ts and the modules that raise the other catalog events) and the
 * signed headers. Outgoing events are not validated at run time; instead
 * test/worker/api-reference/webhook-payload-schemas.test.ts runs every builder
 * through these schemas (strictly: no field may go undocumented), so a change to
 * a builder that is not mirrored here fails a test.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { DIALER_EVENT_TYPES, TEST_EVENT_TYPE, type DialerEventType } from '../dialer-events/catalog.ts';
import { ATTEMPT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER } from '../webhooks/signature.ts';

const signature = (header: string) =>
  z.string().regex(/^sha256=[0-9a-f]{64}$/).openapi({
    param: { name: header, in: 'header' },
    description: 'sha256=<hex HMAC-SHA256(secret, raw request body)>. Verify over the raw bytes before parsing the JSON.',
    example: 'sha256=5d5b09f6dcb2d53a5fffc60c4ac0d55fabdf556069d6631545f42aa6e3500f2e',
  });

const broadcastHeaders = z.object({
  [SIGNATURE_HEADER]: signature(SIGNATURE_HEADER),
  [EVENT_ID_HEADER]: z.string().uuid().openapi({ param: { name: EVENT_ID_HEADER, in: 'header' }, description: 'The same on every retry: de-duplicate by it.' }),
  [ATTEMPT_HEADER]: z.string().regex(/^[1-5]$/).openapi({ param: { name: ATTEMPT_HEADER, in: 'header' }, description: '1 to 5.' }),
});

const dialerHeaders = z.object({
  'X-BroadNet-Signature': signature('X-BroadNet-Signature'),
  'X-BroadNet-Event-Id': z.string().uuid().openapi({ param: { name: 'X-BroadNet-Event-Id', in: 'header' }, description: 'The envelope’s event_id; the same on every retry.' }),
  'X-BroadNet-Event-Type': z.string().openapi({ param: { name: 'X-BroadNet-Event-Type', in: 'header' }, example: 'call.completed' }),
  'X-BroadNet-Delivery-Attempt': z.string().regex(/^[1-5]$/).openapi({ param: { name: 'X-BroadNet-Delivery-Attempt', in: 'header' }, description: '1 to 5.' }),
});

// ---- Broadcast API (/voice/v1): bodies posted to the broadcast's event_url ----

const customData = z.unknown().optional().openapi({ description: 'The broadcast’s custom_data, verbatim; absent when it had none.', example: { booking_id: 12345 } });
const timestamp = z.string().openapi({ description: 'ISO 8601 UTC.', example: '2026-04-08T15:24:48.210Z' });
const answeredBy = z.enum(['HUMAN', 'MACHINE']).optional().openapi({ description: 'Only when answering_machine_detection is on and AMD reached a verdict.' });
const leg = {
  broadcast_id: z.string(),
  voice_id: z.string().openapi({ description: 'The call leg (the id of the per-call routes).' }),
  from: z.string(),
  to: z.string(),
};
const cause = {
  disconnect_reason: z.string().openapi({ example: 'Normal Clearing' }),
  disconnect_cause_code: z.number().int().openapi({ description: 'Q.850 cause.', example: 16 }),
};

const CallStateEvent = z
  .object({
    ...leg,
    state: z.enum(['ringing', 'connected', 'disconnected', 'dtmf']),
    channel_id: z.string().optional().openapi({ description: 'ringing only.' }),
    call_answered_by: answeredBy,
    call_duration: z.number().optional().openapi({ description: 'disconnected only: seconds connected, millisecond precision.' }),
    disconnect_reason: cause.disconnect_reason.optional().openapi({ description: 'disconnected only.' }),
    disconnect_cause_code: cause.disconnect_cause_code.optional().openapi({ description: 'disconnected only: Q.850 cause.' }),
    digit: z.string().optional().openapi({ description: 'dtmf only (Crier addition): the RFC 4733 digit pressed.' }),
    duration_ms: z.number().int().optional().openapi({ description: 'dtmf only.' }),
    custom_data: customData,
    timestamp,
  })
  .openapi('BroadcastCallStateEvent', { description: 'A leg rang, was answered, ended, or the callee pressed a digit. Told apart by `state`.' });

const PlayStateEvent = z
  .object({
    ...leg,
    playstate: z.enum(['initiated', 'playfinished', 'failed', 'interrupted']).openapi({ description: 'failed and interrupted are Crier additions.' }),
    prompt_ref: z.string(),
    prompt_name: z.string().optional(),
    error: z.string().optional().openapi({ description: 'failed only: why the audio could not be played.' }),
    custom_data: customData,
    timestamp,
  })
  .openapi('BroadcastPlayStateEvent', { description: 'Progress of a play (the recipient’s own, or a PUT .../play).' });

const ConnectStateEvent = z
  .object({
    ...leg,
    connectstate: z.enum(['ringing', 'connected', 'failed', 'disconnected']),
    connect_voice_id: z.string(),
    connect_from: z.string(),
    connect_to: z.string(),
    call_duration: z.number().optional().openapi({ description: 'disconnected only: seconds bridged.' }),
    disconnect_reason: cause.disconnect_reason.optional().openapi({ description: 'failed and disconnected.' }),
    disconnect_cause_code: cause.disconnect_cause_code.optional().openapi({ description: 'failed and disconnected: Q.850 cause.' }),
    ended_by: z.enum(['destination', 'recipient']).optional().openapi({ description: 'failed and disconnected.' }),
    custom_data: customData,
    timestamp,
  })
  .openapi('BroadcastConnectStateEvent', { description: 'Progress of PUT .../connect (Crier addition).' });

const StreamStateEvent = z
  .object({
    ...leg,
    streamstate: z.enum(['started', 'stopped', 'failed']),
    stream_id: z.string(),
    wss_host: z.string(),
    reason: z.string().optional().openapi({ description: 'stopped: stop_requested, replaced, call_ended, server_closed; failed: could not connect: … or connection lost: …' }),
    frames_sent: z.number().int().optional(),
    frames_dropped: z.number().int().optional(),
    custom_data: customData,
    timestamp,
  })
  .openapi('BroadcastStreamStateEvent', { description: 'Progress of PUT .../stream (Crier addition).' });

const FilteredRecipient = z.object({ to: z.string(), play: z.record(z.string(), z.unknown()) }).openapi('BroadcastFilteredRecipient');

const CompleteEvent = z
  .object({
    broadcast_id: z.string(),
    state: z.literal('broadcastcall_complete'),
    blacklistednumber: z.object({ call_blacklisted: z.array(FilteredRecipient), country_not_allowed: z.array(FilteredRecipient) }),
    broadcast_call_info: z.array(
      z.object({
        voice_id: z.string(),
        to: z.string(),
        callDuration: z.number(),
        callState: z.enum(['Call Answered', 'Busy', 'No Answer', 'No Response', 'Rejected', 'Failed']),
        call_answered_by: answeredBy,
        disconnectReason: z.string(),
        disconnectReasonCode: z.number().int(),
      }),
    ),
    custom_data: customData,
    timestamp,
  })
  .openapi('BroadcastCompleteEvent', { description: 'Exactly once per broadcast, after every leg ended and every other event was delivered or dead-lettered.' });

// ---- Dialer API (/v1): the spec's envelope, posted to every subscription that takes the type ----

const callIdentity = {
  call_id: z.string(),
  agent_id: z.string().nullable(),
  campaign_id: z.string().nullable(),
  broadcast_id: z.string().nullable().openapi({ description: 'Crier addition: the broadcast a leg belongs to.' }),
  contact_phone: z.string().openapi({ example: '+971501234567' }),
  contact_id: z.string().optional().openapi({ description: 'Crier addition, on campaign calls: the contact dialled.' }),
};

const dialerPayloads: Record<DialerEventType | typeof TEST_EVENT_TYPE, { description: string; payload: z.ZodType }> = {
  'call.initiated': {
    description: 'The leg was handed to the network.',
    payload: z.object({ ...callIdentity, direction: z.literal('outbound'), status: z.literal('dialing'), started_at: z.string() }),
  },
  'call.answered': {
    description: 'The callee, or a machine, picked up.',
    payload: z.object({
      ...callIdentity,
      direction: z.literal('outbound'),
      status: z.literal('connected'),
      answered_by: z.enum(['human', 'machine']).nullable(),
      started_at: z.string().nullable(),
      answered_at: z.string(),
    }),
  },
  'call.completed': {
    description: 'The leg ended, whatever the outcome.',
    payload: z.object({
      ...callIdentity,
      direction: z.literal('outbound'),
      status: z.enum(['completed', 'no_answer', 'busy', 'failed', 'voicemail']),
      disposition: z.string().nullable(),
      duration_seconds: z.number().int(),
      recording_id: z.string().nullable(),
      started_at: z.string().nullable(),
      answered_at: z.string().nullable(),
      ended_at: z.string(),
      hangup_cause_code: z.number().int().openapi({ description: 'Q.850 cause.' }),
      hangup_cause: z.string(),
      outcome: z
        .enum(['completed', 'busy', 'no_answer', 'failed', 'machine', 'abandoned'])
        .optional()
        .openapi({ description: 'Crier addition, on campaign calls: the attempt’s outcome, which decides the retry (docs/campaign-engine.md).' }),
      ended_by: z
        .enum(['agent', 'customer', 'platform'])
        .optional()
        .openapi({ description: 'Crier addition, on calls originated to an agent (POST /v1/calls/originate): which side ended the call (docs/agents-calls.md "Outcomes").' }),
    }),
  },
  'call.abandoned': {
    description: 'A live answer found no free agent within the campaign’s wait (2 s): it heard the abandon message and was hung up. A call.completed with outcome "abandoned" follows.',
    payload: z.object({
      ...callIdentity,
      direction: z.literal('outbound'),
      status: z.literal('abandoned'),
      started_at: z.string(),
      answered_at: z.string().nullable(),
      abandoned_at: z.string(),
    }),
  },
  'call.compliance_blocked': {
    description: 'The compliance engine refused a dial.',
    payload: z.object({
      ...callIdentity,
      status: z.literal('blocked'),
      detail: z.string().nullable(),
      compliance: z.object({ allowed: z.literal(false), rule: z.string().nullable(), rule_version: z.string(), audit_ref: z.string().nullable() }),
    }),
  },
  'agent.state_changed': {
    description: 'An agent’s state changed (by the agent, a supervisor or the dialer).',
    payload: z.object({
      agent_id: z.string(),
      full_name: z.string(),
      state: z.string(),
      previous_state: z.string(),
      reason: z.string().nullable(),
      state_since: z.string(),
      current_call_id: z.string().nullable(),
      changed_by: z.string().nullable().openapi({ description: 'The user who made the change; null when the dialer did.' }),
    }),
  },
  'campaign.started': {
    description: 'A campaign was started or resumed.',
    payload: z.object({ campaign_id: z.string(), name: z.string(), dialing_mode: z.string(), status: z.literal('active'), previous_status: z.string(), started_at: z.string().nullable(), changed_by: z.string() }),
  },
  'campaign.paused': {
    description: 'A campaign was paused.',
    payload: z.object({ campaign_id: z.string(), name: z.string(), dialing_mode: z.string(), status: z.literal('paused'), paused_at: z.string().nullable(), changed_by: z.string() }),
  },
  'campaign.completed': {
    description: 'Every contact of the campaign reached a final status (raised once by the dialer, with its summary; docs/campaign-engine.md).',
    payload: z.object({
      campaign_id: z.string(),
      name: z.string(),
      status: z.literal('completed'),
      completed_at: z.string(),
      total_contacts: z.number().int(),
      contacted: z.number().int(),
      completed: z.number().int().openapi({ description: 'Contacts whose final status is completed.' }),
      failed: z.number().int(),
      dnc: z.number().int(),
      calls: z.number().int().openapi({ description: 'Call attempts placed.' }),
      connected: z.number().int(),
      abandoned: z.number().int(),
      abandon_rate: z.number().openapi({ description: 'Percent of live answers abandoned over the campaign.' }),
    }),
  },
  'dnc.added': {
    description: 'A number was added to the tenant’s DNC list (one event per number).',
    payload: z.object({ id: z.string(), phone: z.string(), source: z.string(), reason: z.string().nullable(), added_by: z.string().nullable(), added_at: z.string() }),
  },
  [TEST_EVENT_TYPE]: {
    description: 'Sent only by POST /v1/webhooks/{id}/test, to that subscription.',
    payload: z.object({ subscription_id: z.string(), message: z.string() }),
  },
};

function envelope(type: string, payload: z.ZodType) {
  return z.object({
    event_id: z.string().openapi({ description: 'UUIDv7; the same on every retry.' }),
    event_type: z.literal(type),
    tenant_id: z.string(),
    occurred_at: timestamp,
    correlation_id: z.string().openapi({ description: 'The id of what the event is about (call, agent, campaign, DNC record); events of one correlation_id arrive in order.' }),
    schema_version: z.literal('1'),
    payload,
  });
}

/** Webhook names in each document (the keys of its `webhooks`). */
export const BROADCAST_WEBHOOKS = ['state (ringing, connected, disconnected, dtmf)', 'playstate', 'connectstate', 'streamstate', 'broadcastcall_complete'] as const;
export const DIALER_WEBHOOKS = [...DIALER_EVENT_TYPES, TEST_EVENT_TYPE] as const;

/** Each broadcast webhook's body, by its name in the document. */
export const BROADCAST_WEBHOOK_BODIES: Record<(typeof BROADCAST_WEBHOOKS)[number], z.ZodObject> = {
  [BROADCAST_WEBHOOKS[0]]: CallStateEvent,
  playstate: PlayStateEvent,
  connectstate: ConnectStateEvent,
  streamstate: StreamStateEvent,
  broadcastcall_complete: CompleteEvent,
};

/** A dialer event's documented payload (inside the envelope). */
export function dialerWebhookPayload(type: DialerEventType | typeof TEST_EVENT_TYPE): z.ZodType {
  return dialerPayloads[type].payload;
}

/** A dialer event's whole documented body: the spec's envelope around its payload. */
export function dialerWebhookBody(type: DialerEventType | typeof TEST_EVENT_TYPE): z.ZodObject {
  return envelope(type, dialerPayloads[type].payload);
}

const ok = { 200: { description: 'Any 2xx within 10 s acknowledges the event; anything else, or no answer, is retried (immediately, 30 s, 5 min, 30 min, 2 h).' } };

/** Adds both APIs' webhooks to the app's OpenAPI registry. */
export function registerWebhooks(app: Pick<OpenAPIHono, 'openAPIRegistry'>): void {
  for (const [name, schema] of Object.entries(BROADCAST_WEBHOOK_BODIES)) {
    app.openAPIRegistry.registerWebhook({
      method: 'post',
      path: name,
      summary: "POSTed to the broadcast's event_url",
      description: 'Signed with the app’s webhook secret (X-Crier-Signature).',
      request: { headers: broadcastHeaders, body: { content: { 'application/json': { schema } } } },
      responses: ok,
    });
  }
  for (const name of DIALER_WEBHOOKS) {
    const entry = dialerPayloads[name];
    app.openAPIRegistry.registerWebhook({
      method: 'post',
      path: name,
      summary: entry.description,
      description: 'POSTed to every active subscription whose event_types take it; signed with that subscription’s secret (X-BroadNet-Signature).',
      request: { headers: dialerHeaders, body: { content: { 'application/json': { schema: dialerWebhookBody(name) } } } },
      responses: ok,
    });
  }
}
