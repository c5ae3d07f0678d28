/**
 * POST /v1/calls/originate (spec "Calls → originate"): ring an agent's
 * softphone, then dial the destination and bridge them. Answers 202 at once;
 * what happens next arrives as call.* webhooks. Any role; an agent only for
 * themselves. The steps are accept-originate.ts's.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { DialerEnv } from '../env.ts';
import { problemContent } from '../errors/problem.ts';
import { validatedBody } from '../middleware/validated-body/index.ts';
import { acceptOriginate } from './accept-originate.ts';
import { OriginateAcceptedSchema, OriginateRequestSchema } from './originate-schema.ts';

export function originateRoutes() {
  const app = new OpenAPIHono<DialerEnv>();

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/calls/originate',
    summary: "Originate a call: ring the agent's softphone, then dial the destination and bridge them",
    description:
      'Compliance is checked first (403 compliance-blocked with the rule, and a call.compliance_blocked event; nothing is dialled). The agent must be an enabled agent of the tenant (404), SIP-registered (409 agent-not-registered) and not on a call (409 agent-busy). Caller ID: cli_override (one of your CLI numbers, else 403 cli-not-allowed), else the campaign\'s CLI group, else your CLI groups (docs/agents-calls.md). Agents may originate only to themselves.',
    tags: ['Calls'],
    security: [{ bearerAuth: [] }],
    request: { body: { content: { 'application/json': { schema: OriginateRequestSchema } }, required: true } },
    responses: {
      202: { description: 'The agent is being rung; call state follows as call.* webhooks', content: { 'application/json': { schema: OriginateAcceptedSchema } } },
      400: { description: 'Invalid body', ...problemContent },
      403: { description: 'Blocked by compliance (with the compliance object), a cli_override that is not yours, or an agent naming another agent', ...problemContent },
      404: { description: 'No such agent or campaign in your tenant', ...problemContent },
      409: { description: 'Agent not SIP-registered, agent on a call, or no caller ID to present', ...problemContent },
      503: { description: "The media node holding the agent's registration cannot take the call now", ...problemContent },
    },
  });
  app.post('/v1/calls/originate', async (c) => {
    const body = await validatedBody(c, OriginateRequestSchema);
    return c.json(await acceptOriginate(c.env, c.get('user'), body), 202);
  });

  return app;
}
