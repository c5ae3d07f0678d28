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
  disabledAt: text('disabled_at'),
  /** Dialer API requests per minute; NULL = the deployment's RATE_LIMIT_PER_MINUTE (2,000). Set by the platform operator. */
  rateLimitPerMinute: integer('rate_limit_per_minute'),
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
    /** Free text the agent wrote with the disposition. */
    dispositionNotes: text('disposition_notes'),
    dispositionSetAt: text('disposition_set_at'),
    /** User id of whoever set the disposition. */
    dispositionSetBy: text('disposition_set_by'),
    mediaNodeId: text('media_node_id'),
    answeredBy: text('answered_by'),
    causeCode: integer('cause_code'),
    causeReason: text('cause_reason'),
    durationSeconds: real('duration_seconds'),
    startedAt: text('started_at').notNull(),
    answeredAt: text('answered_at'),
    endedAt: text('ended_at'),
    recordingId: text('recording_id'),
    /** The campaign contact this call dialled (campaign calls only). */
    contactId: text('contact_id'),
    /** Answered, but no agent took it in time (campaign calls); counts toward abandon_rate. */
    abandonedAt: text('abandoned_at'),
  },
  (t) => [
    index('calls_tenant_started').on(t.tenantId, t.startedAt),
    index('calls_broadcast').on(t.broadcastId),
    index('calls_campaign').on(t.campaignId),
    index('calls_tenant_agent').on(t.tenantId, t.agentId),
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

/* ───────────── Dialer API (/v1): people, campaigns, compliance, integrations ───────────── */

/** People who use the dialer API with email + password (JWT). Emails are unique across tenants: login names no tenant. */
export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    /** Lower-cased. */
    email: text('email').notNull(),
    fullName: text('full_name').notNull(),
    /** agent | supervisor | admin */
    role: text('role').notNull(),
    /** pbkdf2-sha256$<iterations>$<salt b64>$<hash b64> */
    passwordHash: text('password_hash').notNull(),
    teamId: text('team_id'),
    createdAt: text('created_at').notNull(),
    disabledAt: text('disabled_at'),
    /** Access tokens issued before this instant are refused (password change, disable, role change). */
    tokensValidAfter: text('tokens_valid_after'),
  },
  (t) => [uniqueIndex('users_email').on(t.email), index('users_tenant').on(t.tenantId, t.id)],
);

/** Refresh tokens are JWTs whose jti is a row here, so they can be revoked. */
export const refreshTokens = sqliteTable(
  'refresh_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull().references(() => users.id),
    tenantId: text('tenant_id').notNull(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    lastUsedAt: text('last_used_at'),
    revokedAt: text('revoked_at'),
  },
  (t) => [index('refresh_tokens_user').on(t.userId)],
);

/** Caller-ID groups: the numbers a tenant owns and may present (CLI ownership check). */
export const cliGroups = sqliteTable(
  'cli_groups',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    name: text('name').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('cli_groups_tenant_name').on(t.tenantId, t.name)],
);

export const cliNumbers = sqliteTable(
  'cli_numbers',
  {
    cliGroupId: text('cli_group_id').notNull().references(() => cliGroups.id),
    tenantId: text('tenant_id').notNull(),
    /** E.164 with a leading '+'. */
    number: text('number').notNull(),
  },
  (t) => [primaryKey({ columns: [t.cliGroupId, t.number] }), index('cli_numbers_tenant_number').on(t.tenantId, t.number)],
);

export const campaigns = sqliteTable(
  'campaigns',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    name: text('name').notNull(),
    /** draft | active | paused | completed */
    status: text('status').notNull(),
    /** preview | power | progressive | predictive */
    dialingMode: text('dialing_mode').notNull(),
    cliGroupId: text('cli_group_id').notNull(),
    maxAttempts: integer('max_attempts').notNull(),
    retryDelayMinutes: integer('retry_delay_minutes').notNull(),
    dialRatio: real('dial_ratio').notNull(),
    timezone: text('timezone').notNull(),
    /** Contacts stored in the campaign (every status); kept by the upload in the same batch as the rows. */
    totalContacts: integer('total_contacts').notNull().default(0),
    createdBy: text('created_by'),
    createdAt: text('created_at').notNull(),
    startedAt: text('started_at'),
    pausedAt: text('paused_at'),
    completedAt: text('completed_at'),
    /**
     * JSON of the dialer settings (our addition, PUT /v1/campaigns/{id}/dialer-settings):
     * ring time, AMD and what to do with a machine, the abandon message and target.
     * NULL = the defaults in worker/src/campaigns/dialer-settings.ts.
     */
    dialerSettings: text('dialer_settings'),
  },
  (t) => [index('campaigns_tenant').on(t.tenantId, t.id)],
);

/** Which agents a campaign's calls may be bridged to (our addition, PUT /v1/campaigns/{id}/agents). */
export const campaignAgents = sqliteTable(
  'campaign_agents',
  {
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    agentId: text('agent_id').notNull().references(() => users.id),
    tenantId: text('tenant_id').notNull(),
    assignedAt: text('assigned_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.agentId] }), index('campaign_agents_agent').on(t.tenantId, t.agentId)],
);

export const contacts = sqliteTable(
  'contacts',
  {
    /** UUIDv7: ordered by creation, so it is also the list's keyset. */
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    /** E.164 with a leading '+'. */
    phone: text('phone').notNull(),
    firstName: text('first_name'),
    lastName: text('last_name'),
    /** JSON object. */
    customFields: text('custom_fields'),
    /** pending | dialing | connected | completed | failed | dnc */
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastCallAt: text('last_call_at'),
    disposition: text('disposition'),
    createdAt: text('created_at').notNull(),
    /** A pending contact is not dialled before this instant (retry delay, calling hours); NULL = now. */
    nextAttemptAt: text('next_attempt_at'),
  },
  (t) => [
    uniqueIndex('contacts_campaign_phone').on(t.campaignId, t.phone),
    index('contacts_campaign_due').on(t.campaignId, t.status, t.nextAttemptAt),
    index('contacts_campaign_status').on(t.campaignId, t.status, t.id),
    index('contacts_tenant_phone').on(t.tenantId, t.phone),
  ],
);

/** National do-not-call registries (TDRA, CITC, NTRA, TRC, ...), imported by the platform operator; they apply to every tenant. */
export const nationalDnc = sqliteTable(
  'national_dnc',
  {
    registry: text('registry').notNull(),
    /** E.164 with a leading '+'. */
    phone: text('phone').notNull(),
    importedAt: text('imported_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.registry, t.phone] }), index('national_dnc_phone').on(t.phone)],
);

/** Consent to be called: granted (optionally until expires_at, optionally for one campaign) or revoked. */
export const consents = sqliteTable(
  'consents',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    phone: text('phone').notNull(),
    /** NULL: consent for every campaign of the tenant. */
    campaignId: text('campaign_id'),
    /** granted | revoked */
    status: text('status').notNull(),
    source: text('source'),
    grantedAt: text('granted_at'),
    expiresAt: text('expires_at'),
    revokedAt: text('revoked_at'),
    recordedBy: text('recorded_by'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('consents_tenant_phone').on(t.tenantId, t.phone)],
);

/** A tenant's edits to the default calling rules, each edit a new immutable revision (audits name the one in force). */
export const complianceRuleSets = sqliteTable(
  'compliance_rule_sets',
  {
    tenantId: text('tenant_id').notNull(),
    revision: integer('revision').notNull(),
    /** JSON: { [jurisdiction]: JurisdictionRule } overriding the defaults. */
    rules: text('rules').notNull(),
    createdBy: text('created_by'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.revision] })],
);

/**
 * One row per compliance decision, append-only (triggers in the migration
 * refuse UPDATE and DELETE). audit_ref is "AUD-" + seq.
 */
export const complianceAudit = sqliteTable(
  'compliance_audit',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    tenantId: text('tenant_id').notNull(),
    phone: text('phone').notNull(),
    jurisdiction: text('jurisdiction'),
    campaignId: text('campaign_id'),
    /** api | broadcast | campaign | originate | connect */
    context: text('context').notNull(),
    /** Who asked: a user id, an app id, or the broadcast/campaign id for automatic checks. */
    subject: text('subject'),
    allowed: integer('allowed', { mode: 'boolean' }).notNull(),
    blockingRule: text('blocking_rule'),
    blockingReason: text('blocking_reason'),
    /** JSON: { calling_hours, dnc_national, dnc_tenant, consent, cli_ownership } → passed | failed | ... */
    checks: text('checks').notNull(),
    ruleVersion: text('rule_version').notNull(),
    checkedAt: text('checked_at').notNull(),
  },
  (t) => [index('compliance_audit_tenant').on(t.tenantId, t.seq)],
);

/** Dialer-API webhook subscriptions (the spec's portal page, as an API). */
export const webhookSubscriptions = sqliteTable(
  'webhook_subscriptions',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    url: text('url').notNull(),
    /** Signs X-BroadNet-Signature; shown once, at creation. */
    secret: text('secret').notNull(),
    /** JSON array of event types, or ["*"]. */
    eventTypes: text('event_types').notNull(),
    description: text('description'),
    createdAt: text('created_at').notNull(),
    disabledAt: text('disabled_at'),
  },
  (t) => [index('webhook_subscriptions_tenant').on(t.tenantId)],
);

/**
 * An agent's (or supervisor's) SIP credentials for registering a softphone
 * with the media nodes (CONTRACT-AGENTS). Only what digest needs is kept:
 * the HA1s for the tenant's realm, never the password. Changing SIP_DOMAIN
 * changes every realm, so every password must then be set again.
 */
export const sipCredentials = sqliteTable(
  'sip_credentials',
  {
    userId: text('user_id').primaryKey().references(() => users.id),
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    /** ^[a-z0-9_.-]{3,64}$, unique within the tenant. */
    sipUser: text('sip_user').notNull(),
    /** <tenant_id lower-cased>.<SIP_DOMAIN>: the digest realm and SIP domain. */
    realm: text('realm').notNull(),
    /** Hex MD5(sip_user:realm:password). */
    ha1Md5: text('ha1_md5').notNull(),
    /** Hex SHA-256(sip_user:realm:password). */
    ha1Sha256: text('ha1_sha256').notNull(),
    updatedAt: text('updated_at').notNull(),
    /** The user who set them. */
    updatedBy: text('updated_by'),
  },
  (t) => [uniqueIndex('sip_credentials_tenant_user').on(t.tenantId, t.sipUser), index('sip_credentials_realm_user').on(t.realm, t.sipUser)],
);

/**
 * A tenant's disposition list (what an agent may record as a call's
 * outcome). A tenant with no rows uses the defaults in
 * worker/src/dispositions/default-dispositions.ts; replacing the list stores all of it.
 */
export const dispositions = sqliteTable(
  'dispositions',
  {
    tenantId: text('tenant_id').notNull().references(() => tenants.id),
    /** ^[a-z0-9_]{1,64}$: what calls.disposition holds. */
    code: text('code').notNull(),
    label: text('label').notNull(),
    /** Setting it adds the call's number to the tenant DNC (source agent_disposition). */
    dnc: integer('dnc', { mode: 'boolean' }).notNull().default(false),
    /** The list's order. */
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.code] })],
);
