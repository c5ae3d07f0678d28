/**
 * The durable data model in D1. One tenant owns everything; broadcast legs and
 * (later) campaign calls share the `calls` table so history and reports see both.
 * Live per-leg state lives in Durable Objects; rows here are the record.
 */
import { sqliteTable, text, integer, real, primaryKey, index, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const tenants = sqliteTable('tenants', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  timezone: text('timezone').notNull().default('Asia/Dubai'),
  /** JSON array of ISO 3166-1 alpha-2 codes; NULL means every country is allowed. */
  allowedCountries: text('allowed_countries'),
  /** NULL falls back to the Worker's DEFAULT_CALLS_PER_SECOND. */
  callsPerSecond: integer('calls_per_second'),
  /** NULL falls back to the Worker's DEFAULT_MAX_CONCURRENT_CALLS. */
  maxConcurrentCalls: integer('max_concurrent_calls'),
  createdAt: text('created_at').notNull(),
});

export const apps = sqliteTable(
  'apps',
  {
    /** The APP_ID of HTTP Basic auth. */
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    name: text('name').notNull(),
    /** Hex SHA-256 of the APP_KEY; the key itself is never stored. */
    keyHash: text('key_hash').notNull(),
    /** Secret that signs this app's webhooks (X-Crier-Signature); shown once with the key. */
    webhookSecret: text('webhook_secret').notNull(),
    createdAt: text('created_at').notNull(),
    disabledAt: text('disabled_at'),
  },
  (t) => [index('apps_tenant').on(t.tenantId)],
);

export const dnc = sqliteTable(
  'dnc',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    /** E.164 with a leading '+'. */
    phone: text('phone').notNull(),
    source: text('source').notNull().default('api'),
    reason: text('reason'),
    addedBy: text('added_by'),
    addedAt: text('added_at').notNull(),
  },
  (t) => [uniqueIndex('dnc_tenant_phone').on(t.tenantId, t.phone)],
);

export const broadcasts = sqliteTable(
  'broadcasts',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    appId: text('app_id').notNull().references(() => apps.id),
    name: text('name').notNull(),
    ownerRef: text('owner_ref').notNull(),
    fromNumber: text('from_number').notNull(),
    amd: integer('amd', { mode: 'boolean' }).notNull().default(false),
    eventUrl: text('event_url').notNull(),
    callHandlerUrl: text('call_handler_url').notNull(),
    customData: text('custom_data'),
    status: text('status').notNull(),
    dialledCount: integer('dialled_count').notNull(),
    blacklistedCount: integer('blacklisted_count').notNull(),
    countryNotAllowedCount: integer('country_not_allowed_count').notNull(),
    createdAt: text('created_at').notNull(),
    completedAt: text('completed_at'),
  },
  (t) => [index('broadcasts_tenant_created').on(t.tenantId, t.createdAt)],
);

/** One row per call leg, broadcast or campaign. `id` is the leg's voice_id. */
export const calls = sqliteTable(
  'calls',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    broadcastId: text('broadcast_id'),
    campaignId: text('campaign_id'),
    agentId: text('agent_id'),
    contactPhone: text('contact_phone').notNull(),
    fromNumber: text('from_number').notNull(),
    direction: text('direction').notNull().default('outbound'),
    /** completed | no_answer | busy | failed | voicemail | in_progress */
    status: text('status').notNull(),
    disposition: text('disposition'),
    mediaNodeId: text('media_node_id'),
    answeredBy: text('answered_by'),
    causeCode: integer('cause_code'),
    causeReason: text('cause_reason'),
    durationSeconds: real('duration_seconds'),
    startedAt: text('started_at').notNull(),
    answeredAt: text('answered_at'),
    endedAt: text('ended_at'),
    recordingId: text('recording_id'),
  },
  (t) => [
    index('calls_tenant_started').on(t.tenantId, t.startedAt),
    index('calls_broadcast').on(t.broadcastId),
    index('calls_campaign').on(t.campaignId),
  ],
);

export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    tenantId: text('tenant_id').notNull(),
    key: text('key').notNull(),
    /** Hex SHA-256 of the raw request body: same key + other body = 422. */
    requestHash: text('request_hash').notNull(),
    broadcastId: text('broadcast_id').notNull(),
    /** pending while the first request is still being accepted; done once its response is stored. */
    state: text('state').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.key] })],
);

/** Named audio prompts (play.type "file" with prompt_name); the audio is in R2. */
export const prompts = sqliteTable(
  'prompts',
  {
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    version: integer('version').notNull(),
    r2Key: text('r2_key').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    sha256: text('sha256').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] })],
);

/** Call recordings: stereo WAV in R2 (recipient left, what we played or bridged right). */
export const recordings = sqliteTable(
  'recordings',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    callId: text('call_id').notNull(),
    broadcastId: text('broadcast_id'),
    campaignId: text('campaign_id'),
    agentId: text('agent_id'),
    name: text('name').notNull(),
    /** recording | stored | failed */
    status: text('status').notNull(),
    r2Key: text('r2_key').notNull(),
    format: text('format').notNull().default('wav'),
    durationSeconds: real('duration_seconds'),
    sizeBytes: integer('size_bytes'),
    startedAt: text('started_at').notNull(),
    storedAt: text('stored_at'),
  },
  (t) => [index('recordings_tenant_started').on(t.tenantId, t.startedAt), index('recordings_call').on(t.callId)],
);
