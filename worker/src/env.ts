/**
 * The Worker's bindings (wrangler.toml) and the per-request context variables
 * that middleware sets for handlers.
 */
import type { BroadcastSession } from './durable/broadcast-session/index.ts';
import type { MediaFleet } from './durable/media-fleet/index.ts';
import type { TenantPacer } from './durable/tenant-pacer/index.ts';
import type { RateLimiter } from './durable/rate-limiter/index.ts';
import type { TenantEvents } from './durable/tenant-events/index.ts';
import type { AgentFloor } from './durable/agent-floor/index.ts';
import type { AgentCall } from './durable/agent-call/index.ts';
import type { WebhookSender } from './durable/webhook-sender/index.ts';
import type { CampaignDialer } from './durable/campaign-dialer/index.ts';
import type { WallboardFeed } from './durable/wallboard-feed/index.ts';
import type { Role } from './auth/tokens.ts';

export interface Env {
  DB: D1Database;
  BLOBS: R2Bucket;
  BROADCAST_SESSION: DurableObjectNamespace<BroadcastSession>;
  MEDIA_FLEET: DurableObjectNamespace<MediaFleet>;
  TENANT_PACER: DurableObjectNamespace<TenantPacer>;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  TENANT_EVENTS: DurableObjectNamespace<TenantEvents>;
  AGENT_FLOOR: DurableObjectNamespace<AgentFloor>;
  AGENT_CALL: DurableObjectNamespace<AgentCall>;
  WALLBOARD_FEED: DurableObjectNamespace<WallboardFeed>;
  /** Static assets (wrangler.toml [assets], worker/public): the API reference's, the desk's and the wallboard's files. */
  ASSETS: Fetcher;
  /** Stateless webhook POSTers, ≤ 6 connections each, sharded per outbox owner (docs/webhooks.md). */
  WEBHOOK_SENDER: DurableObjectNamespace<WebhookSender>;
  CAMPAIGN_DIALER: DurableObjectNamespace<CampaignDialer>;
  DEFAULT_CALLS_PER_SECOND: string;
  DEFAULT_MAX_CONCURRENT_CALLS: string;
  MEDIA_NODE_HEARTBEAT_TIMEOUT_S: string;
  NO_MEDIA_NODE_WAIT_S: string;
  /** Seconds a just-dispatched leg may be missing from its node's heartbeat before reconciliation ends it (default 10). */
  MEDIA_RECONCILE_GRACE_S?: string;
  MEDIA_SHARED_SECRET: string;
  URL_SIGNING_SECRET: string;
  /** Optional override of the webhook retry schedule, e.g. "0,30000,300000,1800000,7200000". */
  WEBHOOK_RETRY_DELAYS_MS?: string;
  /** "true" lets dialer webhook subscriptions point at loopback hosts over http (local dev and tests only). */
  WEBHOOK_ALLOW_LOOPBACK?: string;
  /** wss:// URL of the SIP-over-WebSocket endpoint the agent desk's softphone registers to; unset = softphone not configured. */
  SOFTPHONE_WSS_URL?: string;
  /** Public base URL of this Worker, used in URLs handed to media nodes; defaults to the request's origin. */
  PUBLIC_BASE_URL?: string;
  /** Secret: signs the dialer API's JWTs (HS256). */
  JWT_SECRET: string;
  /** Secret: bearer token of the platform operator (/v1/platform/*); unset disables those routes. */
  PLATFORM_ADMIN_TOKEN?: string;
  /** Dialer API requests per tenant per minute (default 2000, as the spec says). */
  RATE_LIMIT_PER_MINUTE?: string;
  /** Milliseconds a compliance check may take before it denies by default (default 2000). */
  COMPLIANCE_TIMEOUT_MS?: string;
  /** Agents' SIP domain suffix: a tenant's domain and digest realm is `<tenant id>.<SIP_DOMAIN>` (default sip.crier.local). */
  SIP_DOMAIN?: string;
  /** Optional hint for softphones, shown with an agent's SIP credentials: where to register (e.g. `sip.example.com:5060;transport=udp`). */
  SIP_REGISTRAR?: string;
  /** Overrides the dialer API's problem `type` base URI. */
  DIALER_PROBLEM_TYPE_BASE?: string;
}

/** Who is calling, set by app-auth for /voice/v1 routes. */
export interface AppPrincipal {
  appId: string;
  tenantId: string;
  webhookSecret: string;
}

export type AppEnv = { Bindings: Env; Variables: { principal: AppPrincipal } };

/** Who is calling the dialer API (/v1), set by jwt-auth from a verified access token and a live user row. */
export interface UserPrincipal {
  userId: string;
  tenantId: string;
  role: Role;
  email: string;
  fullName: string;
  /** The tenant's own dialer-API rate limit, when the platform operator set one. */
  tenantRequestsPerMinute: number | null;
}

/** tokenExpiresAtMs: when the request's access token expires (set with `user`). */
export type DialerEnv = { Bindings: Env; Variables: { user: UserPrincipal; tokenExpiresAtMs: number } };
