/**
 * Agent SIP registration between a media node (the registrar) and the Worker
 * (who holds the credentials and records who is reachable where):
 *   - the node asks for a user's digest HA1s: POST {worker}/internal/media/v1/sip-credentials
 *   - the node reports binding changes: POST {worker}/internal/media/v1/registrations
 * Both signed like the other node → Worker routes (signing.ts). docs/media-protocol.md.
 */
import { z } from 'zod';

/** `^[a-z0-9_.-]{3,64}$`, lower-case, unique within a tenant. */
export const SipUserSchema = z.string().regex(/^[a-z0-9_.-]{3,64}$/);

export const SipCredentialsRequestSchema = z.object({
  node_id: z.string().min(1),
  /** The tenant's SIP domain (= digest realm): `<tenant_id lower-cased>.<SIP_DOMAIN>`. */
  realm: z.string().min(1),
  username: z.string().min(1),
});
export type SipCredentialsRequest = z.infer<typeof SipCredentialsRequestSchema>;

const hex = (len: number) => z.string().regex(new RegExp(`^[0-9a-f]{${len}}$`));

export const SipCredentialsFoundSchema = z.object({
  found: z.literal(true),
  tenant_id: z.string().min(1),
  agent_id: z.string().min(1),
  sip_user: SipUserSchema,
  realm: z.string().min(1),
  /** MD5(sip_user:realm:password), lower-case hex. */
  ha1_md5: hex(32),
  /** SHA-256(sip_user:realm:password), lower-case hex. */
  ha1_sha256: hex(64),
});

/** Also the answer for a disabled user, or one that is not an agent/supervisor with credentials. */
export const SipCredentialsNotFoundSchema = z.object({ found: z.literal(false) });

export const SipCredentialsResponseSchema = z.discriminatedUnion('found', [SipCredentialsFoundSchema, SipCredentialsNotFoundSchema]);
export type SipCredentialsResponse = z.infer<typeof SipCredentialsResponseSchema>;
export type SipCredentials = z.infer<typeof SipCredentialsFoundSchema>;

export const RegistrationStateSchema = z.enum(['registered', 'unregistered']);
export const RegistrationReasonSchema = z.enum(['register', 'refresh', 'unregister', 'expired']);

/** One binding change. One binding per agent per node: the newest contact wins. */
export const RegistrationChangeSchema = z.object({
  tenant_id: z.string().min(1),
  agent_id: z.string().min(1),
  sip_user: SipUserSchema,
  realm: z.string().min(1),
  state: RegistrationStateSchema,
  /** The Contact URI the agent registered. */
  contact: z.string(),
  user_agent: z.string(),
  /** First registration of this binding (a refresh keeps it), ISO 8601 UTC. */
  registered_at: z.string(),
  /** When the binding lapses unless refreshed; on unregister/expired, when it ended. ISO 8601 UTC. */
  expires_at: z.string(),
  reason: RegistrationReasonSchema,
});
export type RegistrationChange = z.infer<typeof RegistrationChangeSchema>;

export const RegistrationReportSchema = z.object({
  node_id: z.string().min(1),
  /** The node's boot (its heartbeat's started_at): bindings from an older boot are gone. */
  started_at: z.string(),
  changes: z.array(RegistrationChangeSchema).min(1).max(1000),
});
export type RegistrationReport = z.infer<typeof RegistrationReportSchema>;

export const RegistrationReportAckSchema = z.object({ ok: z.literal(true) });
export type RegistrationReportAck = z.infer<typeof RegistrationReportAckSchema>;

/** Ring a registered agent instead of dialling the trunk (originate / connect `target`). */
export const AgentTargetSchema = z.object({
  kind: z.literal('agent'),
  sip_user: SipUserSchema,
  realm: z.string().min(1),
});
export type AgentTarget = z.infer<typeof AgentTargetSchema>;
