/**
 * SIP credentials of agents (Crier addition; docs/dialer-api.md "SIP credentials"):
 *   PUT    /v1/agents/{id}/sip-credentials {sip_user, password}  supervisor: set or replace
 *   GET    /v1/agents/{id}/sip-credentials                        supervisor, or the agent themself
 *   DELETE /v1/agents/{id}/sip-credentials                        supervisor
 * `{id}` is an enabled agent or supervisor of the tenant (those are who may
 * register a softphone). Only the digest HA1s for the tenant's realm are
 * stored; no answer ever carries them or the password.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { DialerEnv } from '../env.ts';
import { ProblemError, Problems, problemContent } from '../errors/problem.ts';
import { validatedBody } from '../middleware/validated-body/index.ts';
import { requireRole } from '../middleware/require-role/index.ts';
import { agentFloor } from '../durable/stubs.ts';
import { deleteCredentials, readCredentials, setCredentials, SIP_ROLES, type StoredCredentials } from './credential-store.ts';

/** Digest HA1s are fast hashes: a leaked one is only as strong as the password, so it must be long. */
export const MIN_SIP_PASSWORD_LENGTH = 12;

/** CONTRACT-AGENTS: the media protocol's SipUserSchema checks the same. */
const SIP_USER_PATTERN = /^[a-z0-9_.-]{3,64}$/;

const IdParam = z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' } }) });
const security = [{ bearerAuth: [] }];

export const SetSipCredentialsSchema = z
  .object({
    sip_user: z
      .string({ error: 'is required' })
      .regex(SIP_USER_PATTERN, 'must be 3-64 characters of a-z (lower-case), 0-9, _ . -')
      .openapi({ example: 'agent_1001', description: '^[a-z0-9_.-]{3,64}$, unique within the tenant' }),
    password: z
      .string({ error: 'is required' })
      .min(MIN_SIP_PASSWORD_LENGTH, `must be at least ${MIN_SIP_PASSWORD_LENGTH} characters`)
      .max(128, 'must be at most 128 characters')
      .openapi({ description: `At least ${MIN_SIP_PASSWORD_LENGTH} characters, not the sip_user. Never stored or returned.` }),
  })
  .strict()
  .refine((b) => b.password.toLowerCase() !== b.sip_user.toLowerCase(), { path: ['password'], error: 'must not be the sip_user' })
  .openapi('SetSipCredentials');

export const SipCredentialsSchema = z
  .object({
    agent_id: z.string(),
    sip_user: z.string(),
    domain: z.string().openapi({ description: 'The SIP domain the softphone registers to; also the digest realm.' }),
    realm: z.string(),
    aor: z.string().openapi({ example: 'sip:agent_1001@01919a1b-0000-7e4f-8a5b-ffffffffffff.sip.crier.local' }),
    registrar: z.string().nullable().openapi({ description: 'Where to send REGISTER (the deployment\'s SIP_REGISTRAR), null when not configured.' }),
    digest_algorithms: z.array(z.enum(['SHA-256', 'MD5'])),
    updated_at: z.string(),
  })
  .openapi('SipCredentials');

export function sipCredentialRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  const path = '/v1/agents/{id}/sip-credentials';
  const honoPath = '/v1/agents/:id/sip-credentials';

  app.openAPIRegistry.registerPath({
    method: 'put',
    path,
    summary: "Set an agent's SIP credentials (supervisor; Crier addition)",
    description: 'Stores only the digest HA1s (MD5 and SHA-256) for the tenant realm. Replacing them keeps existing registrations until they next refresh; renaming the sip_user drops them.',
    tags: ['Agents'],
    security,
    request: { params: IdParam, body: { content: { 'application/json': { schema: SetSipCredentialsSchema } }, required: true } },
    responses: {
      200: { description: 'Stored', content: { 'application/json': { schema: SipCredentialsSchema } } },
      400: { description: 'Invalid body (sip_user format, password policy)', ...problemContent },
      403: { description: 'Agents cannot set credentials', ...problemContent },
      404: { description: 'No enabled agent or supervisor with this id in your tenant', ...problemContent },
      409: { description: 'sip-user-taken: another user of the tenant has this sip_user', ...problemContent },
      422: { description: 'tenant_id in body', ...problemContent },
    },
  });
  app.put(honoPath, requireRole('supervisor'), async (c) => {
    const user = c.get('user');
    const holder = await findHolder(c, c.req.param('id'));
    const body = await validatedBody(c, SetSipCredentialsSchema);
    const outcome = await setCredentials(c.env, user.tenantId, holder, body.sip_user, body.password, user.userId);
    if (!outcome.ok) {
      throw new ProblemError({ status: 409, slug: 'sip-user-taken', title: 'SIP user already in use', detail: `Another user of your tenant already has sip_user "${body.sip_user}".`, errors: [{ pointer: '/sip_user', reason: 'is already in use in your tenant' }] });
    }
    // A renamed user's old registrations name a sip_user that no longer exists.
    if (outcome.previousSipUser !== null && outcome.previousSipUser !== body.sip_user) await agentFloor(c.env, user.tenantId).dropAgentBindings(holder);
    return c.json(view(c, outcome.credentials), 200);
  });

  app.openAPIRegistry.registerPath({
    method: 'get',
    path,
    summary: "An agent's SIP settings, never the password or HA1s (supervisor, or the agent themself; Crier addition)",
    tags: ['Agents'],
    security,
    request: { params: IdParam },
    responses: {
      200: { description: 'What a softphone needs besides the password', content: { 'application/json': { schema: SipCredentialsSchema } } },
      403: { description: "An agent asking for someone else's", ...problemContent },
      404: { description: 'No such agent, or no credentials set', ...problemContent },
    },
  });
  app.get(honoPath, requireRole('agent'), async (c) => {
    const user = c.get('user');
    const id = c.req.param('id');
    if (user.role === 'agent' && id !== user.userId) throw Problems.forbidden("Agents read only their own SIP settings; another agent's needs the supervisor role.");
    const holder = await findHolder(c, id);
    const stored = await readCredentials(c.env.DB, user.tenantId, holder);
    if (!stored) throw Problems.notFound(`SIP credentials of ${id}`);
    return c.json(view(c, stored), 200);
  });

  app.openAPIRegistry.registerPath({
    method: 'delete',
    path,
    summary: "Remove an agent's SIP credentials (supervisor; Crier addition)",
    description: 'The agent can no longer register; their current registrations are dropped at once (sip_registered false).',
    tags: ['Agents'],
    security,
    request: { params: IdParam },
    responses: {
      204: { description: 'Removed' },
      403: { description: 'Agents cannot remove credentials', ...problemContent },
      404: { description: 'No such agent, or no credentials set', ...problemContent },
    },
  });
  app.delete(honoPath, requireRole('supervisor'), async (c) => {
    const user = c.get('user');
    const id = c.req.param('id');
    const holder = await findHolder(c, id);
    if (!(await deleteCredentials(c.env.DB, user.tenantId, holder))) throw Problems.notFound(`SIP credentials of ${id}`);
    await agentFloor(c.env, user.tenantId).dropAgentBindings(holder);
    return c.body(null, 204);
  });

  return app;
}

/** The id of the enabled agent or supervisor `{id}` of the caller's tenant, else 404. */
async function findHolder(c: Context<DialerEnv>, id: string): Promise<string> {
  const row = await c.env.DB.prepare(`SELECT id FROM users WHERE tenant_id = ? AND id = ? AND disabled_at IS NULL AND role IN (${SIP_ROLES.map((r) => `'${r}'`).join(', ')})`)
    .bind(c.get('user').tenantId, id)
    .first<{ id: string }>();
  if (!row) throw Problems.notFound(`Agent ${id}`);
  return row.id;
}

function view(c: Context<DialerEnv>, s: StoredCredentials): z.infer<typeof SipCredentialsSchema> {
  return {
    agent_id: s.userId,
    sip_user: s.sipUser,
    domain: s.realm,
    realm: s.realm,
    aor: `sip:${s.sipUser}@${s.realm}`,
    registrar: c.env.SIP_REGISTRAR ?? null,
    digest_algorithms: ['SHA-256', 'MD5'],
    updated_at: s.updatedAt,
  };
}
