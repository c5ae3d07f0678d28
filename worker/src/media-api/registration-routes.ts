/**
 * The media nodes' registrar questions and reports (CONTRACT-AGENTS,
 * docs/media-protocol.md), signed like every node → Worker route (verifyNode):
 *   POST /internal/media/v1/sip-credentials  {node_id, realm, username} → the HA1s, or {found:false}
 *   POST /internal/media/v1/registrations    {node_id, started_at, changes[]} → {ok:true}
 * Registration changes are applied to each tenant's AgentFloor before the
 * answer, so GET /v1/agents/state and /v1/agents/sip-registered show them as
 * soon as the node has its 200; MediaFleet then knows which tenants to tell
 * when the node is lost.
 */
import { Hono } from 'hono';
import { MediaPaths, RegistrationReportSchema, SipCredentialsRequestSchema, type RegistrationChange, type RegistrationReportAck, type SipCredentialsResponse } from '../media-protocol/index.ts';
import { Problems } from '../errors/problem.ts';
import { fieldIssues } from '../errors/zod-issues.ts';
import { agentFloor, mediaFleet } from '../durable/stubs.ts';
import { lookupForNode } from '../sip-credentials/credential-store.ts';
import { verifiedJson, verifyNode, type NodeEnv } from './verify-node.ts';
import { publishToWallboard } from '../wallboard/publish.ts';
import { registrationFeedEvents } from '../wallboard/registration-events.ts';

export function registrationRoutes() {
  const app = new Hono<NodeEnv>();

  app.post(MediaPaths.sipCredentials, verifyNode(), async (c) => {
    const parsed = SipCredentialsRequestSchema.safeParse(verifiedJson(c));
    if (!parsed.success) throw Problems.validation(fieldIssues(parsed.error));
    const found = await lookupForNode(c.env, parsed.data.realm, parsed.data.username);
    const answer: SipCredentialsResponse = found ?? { found: false };
    return c.json(answer);
  });

  app.post(MediaPaths.registrations, verifyNode(), async (c) => {
    const parsed = RegistrationReportSchema.safeParse(verifiedJson(c));
    if (!parsed.success) throw Problems.validation(fieldIssues(parsed.error));
    const { node_id, started_at, changes } = parsed.data;
    const byTenant = new Map<string, RegistrationChange[]>();
    for (const ch of changes) byTenant.set(ch.tenant_id, [...(byTenant.get(ch.tenant_id) ?? []), ch]);
    // Noted before the floors record anything, so a node lost meanwhile still has these tenants told.
    const registering = [...byTenant].filter(([, chs]) => chs.some((ch) => ch.state === 'registered')).map(([tenantId]) => tenantId);
    if (registering.length > 0) await mediaFleet(c.env).noteBindingTenants(node_id, registering);
    await Promise.all(
      [...byTenant].map(async ([tenantId, chs]) => {
        const { applied } = await agentFloor(c.env, tenantId).applyRegistrations(node_id, started_at, chs);
        // Open wallboards learn of it without a reload (publishing never throws).
        if (applied > 0) await publishToWallboard(c.env, tenantId, registrationFeedEvents(node_id, chs));
      }),
    );
    const ack: RegistrationReportAck = { ok: true };
    return c.json(ack);
  });

  return app;
}
