/**
 * Campaign ↔ agent assignment (our addition; docs/dialer-api.md "Campaign agents"):
 *   PUT /v1/campaigns/{id}/agents   replace the list (supervisor)
 *   GET /v1/campaigns/{id}/agents   the list with each agent's live state and registration (supervisor)
 * A campaign's calls are bridged only to its assigned agents; start needs one
 * of them logged in and SIP-registered.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { DialerEnv } from '../../env.ts';
import { Problems, problemContent } from '../../errors/problem.ts';
import { validatedBody } from '../../middleware/validated-body/index.ts';
import { requireRole } from '../../middleware/require-role/index.ts';
import { findCampaign } from '../campaign-rows.ts';
import { notAgentsOf, replaceAssignedAgents } from './campaign-agents.ts';
import { campaignFloor } from './floor-readiness.ts';

const IdParam = z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' } }) });
const security = [{ bearerAuth: [] }];

export const AssignAgentsSchema = z
  .object({
    agent_ids: z.array(z.string().min(1).max(64), { error: 'must be an array of agent user ids' }).max(1000, 'at most 1000 agents').openapi({ description: 'Every agent of the campaign (the list is replaced); [] removes all.' }),
  })
  .strict()
  .openapi('AssignCampaignAgents');

const AssignedAgentSchema = z
  .object({
    agent_id: z.string(),
    full_name: z.string(),
    assigned_at: z.string(),
    state: z.string().openapi({ description: 'Live agent state (offline for a user no longer an enabled agent).' }),
    sip_registered: z.boolean(),
    ready: z.boolean().openapi({ description: 'Logged in (not offline) and SIP-registered: counts for start.' }),
  })
  .openapi('CampaignAgent');

export const CampaignAgentsSchema = z
  .object({ campaign_id: z.string(), agents: z.array(AssignedAgentSchema), total: z.number().int(), ready: z.number().int() })
  .openapi('CampaignAgents');

export function campaignAgentRoutes() {
  const app = new OpenAPIHono<DialerEnv>();

  const list = async (env: DialerEnv['Bindings'], tenantId: string, campaignId: string) => {
    const { assigned, readiness } = await campaignFloor(env, tenantId, campaignId);
    const byId = new Map(readiness.map((r) => [r.agentId, r]));
    const agents = assigned.map((a) => {
      const r = byId.get(a.agent_id);
      return { agent_id: a.agent_id, full_name: a.full_name, assigned_at: a.assigned_at, state: r?.state ?? 'offline', sip_registered: r?.binding != null, ready: r?.ready ?? false };
    });
    return { campaign_id: campaignId, agents, total: agents.length, ready: agents.filter((a) => a.ready).length };
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/campaigns/{id}/agents',
      summary: "The campaign's agents with their live state (supervisor; Crier addition)",
      tags: ['Campaigns'],
      security,
      middleware: [requireRole('supervisor')],
      request: { params: IdParam },
      responses: {
        200: { description: 'The assigned agents', content: { 'application/json': { schema: CampaignAgentsSchema } } },
        403: { description: 'Below supervisor', ...problemContent },
        404: { description: 'No such campaign in your tenant', ...problemContent },
      },
    }),
    async (c) => {
      const tenantId = c.get('user').tenantId;
      const row = await findCampaign(c.env.DB, tenantId, c.req.valid('param').id);
      return c.json(await list(c.env, tenantId, row.id), 200);
    },
  );

  app.openAPIRegistry.registerPath({
    method: 'put',
    path: '/v1/campaigns/{id}/agents',
    summary: "Replace the campaign's agents (supervisor; Crier addition)",
    description: 'Calls of the campaign are bridged only to these agents. Agents removed while on a campaign call finish that call.',
    tags: ['Campaigns'],
    security,
    request: { params: IdParam, body: { content: { 'application/json': { schema: AssignAgentsSchema } }, required: true } },
    responses: {
      200: { description: 'The new list', content: { 'application/json': { schema: CampaignAgentsSchema } } },
      400: { description: 'Invalid body, or an id that is not an enabled agent of your tenant (field /agent_ids/N)', ...problemContent },
      403: { description: 'Below supervisor', ...problemContent },
      404: { description: 'No such campaign in your tenant', ...problemContent },
      409: { description: 'campaign-completed', ...problemContent },
    },
  });
  app.put('/v1/campaigns/:id/agents', requireRole('supervisor'), async (c) => {
    const tenantId = c.get('user').tenantId;
    const body = await validatedBody(c, AssignAgentsSchema);
    const row = await findCampaign(c.env.DB, tenantId, c.req.param('id'));
    if (row.status === 'completed') throw Problems.conflict('campaign-completed', 'Campaign is completed', 'A completed campaign takes no new agents.');
    const unknown = await notAgentsOf(c.env.DB, tenantId, body.agent_ids);
    if (unknown.length > 0) {
      throw Problems.validation(unknown.map((id) => ({ pointer: `/agent_ids/${body.agent_ids.indexOf(id)}`, reason: `${id} is not an enabled agent of your tenant` })));
    }
    await replaceAssignedAgents(c.env.DB, tenantId, row.id, body.agent_ids, new Date().toISOString());
    return c.json(await list(c.env, tenantId, row.id), 200);
  });

  return app;
}
