/**
 * GET /v1/agents/me (Crier addition): what the agent desk shows on (re)load —
 * the agent's own live state, whether their softphone is registered, and the
 * call they are on with its contact (name, custom_fields) when the call
 * dialled a campaign contact. Agents only: the floor view is
 * GET /v1/agents/state.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { DialerEnv } from '../env.ts';
import { ProblemError, problemContent } from '../errors/problem.ts';
import { agentFloor } from '../durable/stubs.ts';
import { neverSet } from './agent-state-machine.ts';
import { findFloorAgent } from './floor-agents.ts';
import { AgentStateSchema } from './agent-schemas.ts';

const DeskCallSchema = z.object({
  id: z.string(),
  contact_phone: z.string(),
  status: z.string(),
  campaign_id: z.string().nullable(),
  started_at: z.string(),
  answered_at: z.string().nullable(),
  contact: z.object({ id: z.string(), first_name: z.string().nullable(), last_name: z.string().nullable(), custom_fields: z.record(z.string(), z.unknown()) }).nullable(),
});

const MyDeskSchema = z
  .object({
    agent_id: z.string(),
    full_name: z.string(),
    state: AgentStateSchema,
    state_since: z.string(),
    reason: z.string().nullable(),
    sip_registered: z.boolean(),
    current_call: DeskCallSchema.nullable(),
  })
  .openapi('MyDesk');

interface CallRow {
  id: string;
  contact_phone: string;
  status: string;
  campaign_id: string | null;
  started_at: string;
  answered_at: string | null;
  contact_id: string | null;
  first_name: string | null;
  last_name: string | null;
  custom_fields: string | null;
}

export function myDeskRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/agents/me',
    summary: 'Your own state, registration and current call (agent; Crier addition)',
    tags: ['Agents'],
    security: [{ bearerAuth: [] }],
    responses: {
      200: { description: 'The desk', content: { 'application/json': { schema: MyDeskSchema } } },
      403: { description: 'not-an-agent', ...problemContent },
    },
  });
  app.get('/v1/agents/me', async (c) => {
    const user = c.get('user');
    const agent = user.role === 'agent' ? await findFloorAgent(c.env.DB, user.tenantId, user.userId) : null;
    if (!agent) throw new ProblemError({ status: 403, slug: 'not-an-agent', title: 'Not an agent', detail: `Only users with the agent role have a desk; you are a ${user.role}.` });
    const floor = agentFloor(c.env, user.tenantId);
    const [records, binding] = await Promise.all([floor.snapshot(), floor.sipBinding(agent.id)]);
    const record = records[agent.id] ?? neverSet(agent.createdAt);
    const call = record.currentCallId
      ? await c.env.DB.prepare(
          `SELECT c.id, c.contact_phone, c.status, c.campaign_id, c.started_at, c.answered_at, c.contact_id, k.first_name, k.last_name, k.custom_fields
           FROM calls c LEFT JOIN contacts k ON k.id = c.contact_id AND k.tenant_id = c.tenant_id
           WHERE c.tenant_id = ? AND c.id = ?`,
        )
          .bind(user.tenantId, record.currentCallId)
          .first<CallRow>()
      : null;
    return c.json(
      {
        agent_id: agent.id,
        full_name: agent.fullName,
        state: record.state,
        state_since: record.stateSince,
        reason: record.reason,
        sip_registered: binding !== null,
        current_call: call
          ? {
              id: call.id,
              contact_phone: call.contact_phone,
              status: call.status,
              campaign_id: call.campaign_id,
              started_at: call.started_at,
              answered_at: call.answered_at,
              contact: call.contact_id
                ? { id: call.contact_id, first_name: call.first_name, last_name: call.last_name, custom_fields: call.custom_fields ? (JSON.parse(call.custom_fields) as Record<string, unknown>) : {} }
                : null,
            }
          : null,
      },
      200,
    );
  });
  return app;
}
