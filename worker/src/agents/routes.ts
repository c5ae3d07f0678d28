/**
 * Agent states (spec "Agents"):
 *   GET  /v1/agents/state           the floor: every enabled agent with their live state (supervisor; ?team_id)
 *   GET  /v1/agents/sip-registered  who has a live SIP registration (supervisor)
 *   POST /v1/agents/me/state        an agent changes their own state
 *   POST /v1/agents/{id}/state      a supervisor changes an agent's (an agent only their own)
 * States and SIP bindings live in the tenant's AgentFloor object; who is an
 * agent, and the day's call figures, come from D1.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { DialerEnv } from '../env.ts';
import { ProblemError, Problems, problemContent } from '../errors/problem.ts';
import { validatedBody } from '../middleware/validated-body/index.ts';
import { requireRole } from '../middleware/require-role/index.ts';
import { agentFloor } from '../durable/stubs.ts';
import { localDayOf } from '../calls/local-day.ts';
import type { Role } from '../auth/tokens.ts';
import { neverSet, summarise } from './agent-state-machine.ts';
import { findFloorAgent, floorAgentsOf, listFloorAgentsStatement, type FloorAgent } from './floor-agents.ts';
import { NO_CALLS, agentDayStatsOf, agentDayStatsStatement } from './agent-day-stats.ts';
import { changeAgentState } from './state-change.ts';
import { FloorSchema, SipRegisteredSchema, StateChangeSchema, StateChangedSchema } from './agent-schemas.ts';

const IdParam = z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' } }) });
const security = [{ bearerAuth: [] }];

const FloorQuery = z.object({
  team_id: z.string().min(1).max(64).optional().openapi({ description: "Only the agents whose users.team_id is this (PATCH /v1/users/{id}); an unknown team gives an empty floor." }),
});

export function agentRoutes() {
  const app = new OpenAPIHono<DialerEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/agents/state',
      summary: 'Live agent states (supervisor)',
      description:
        'Every enabled user with role agent, by name. An agent never set is offline since their creation. calls_today / talk_time_today_seconds count the finished calls they took that started today in the tenant timezone. sip_registered: the agent has a live (unexpired) registration on a media node.',
      tags: ['Agents'],
      security,
      middleware: [requireRole('supervisor')],
      request: { query: FloorQuery },
      responses: {
        200: { description: 'The floor', content: { 'application/json': { schema: FloorSchema } } },
        400: { description: 'Bad team_id', ...problemContent },
        403: { description: 'Below supervisor', ...problemContent },
      },
    }),
    async (c) => {
      const tenantId = c.get('user').tenantId;
      const { team_id } = c.req.valid('query');
      const db = c.env.DB;
      const floorStub = agentFloor(c.env, tenantId);
      const [[agentRows, tenantRow], records, bindings] = await Promise.all([
        db.batch([listFloorAgentsStatement(db, tenantId, team_id), db.prepare('SELECT timezone FROM tenants WHERE id = ?').bind(tenantId)]),
        floorStub.snapshot(),
        floorStub.sipBindings(),
      ]);
      const zone = (tenantRow!.results[0] as { timezone: string } | undefined)?.timezone ?? 'UTC';
      const statsResult = await agentDayStatsStatement(db, tenantId, localDayOf(Date.now(), zone)).all();
      const stats = agentDayStatsOf(statsResult);
      const agents = floorAgentsOf(agentRows!).map((agent) => {
        const record = records[agent.id] ?? neverSet(agent.createdAt);
        const today = stats.get(agent.id) ?? NO_CALLS;
        return {
          id: agent.id,
          full_name: agent.fullName,
          state: record.state,
          state_since: record.stateSince,
          sip_registered: bindings[agent.id] !== undefined,
          current_call_id: record.currentCallId,
          calls_today: today.calls,
          talk_time_today_seconds: today.talkSeconds,
        };
      });
      return c.json({ agents, summary: summarise(agents.map((a) => a.state)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/agents/sip-registered',
      summary: 'SIP registration status (supervisor)',
      description:
        'The enabled agents with a live SIP registration on a media node (a binding past its expiry is not live), by name. registered_at is when the registration began (refreshes keep it); total_agents counts every enabled agent.',
      tags: ['Agents'],
      security,
      middleware: [requireRole('supervisor')],
      responses: {
        200: { description: 'Who is registered', content: { 'application/json': { schema: SipRegisteredSchema } } },
        403: { description: 'Below supervisor', ...problemContent },
      },
    }),
    async (c) => {
      const tenantId = c.get('user').tenantId;
      const [agentRows, bindings] = await Promise.all([listFloorAgentsStatement(c.env.DB, tenantId, undefined).all(), agentFloor(c.env, tenantId).sipBindings()]);
      const agents = floorAgentsOf(agentRows);
      const registered = agents.flatMap((a) => {
        const b = bindings[a.id];
        return b ? [{ agent_id: a.id, sip_user: b.sip_user, registered_at: b.registered_at, user_agent: b.user_agent }] : [];
      });
      return c.json({ registered, total_registered: registered.length, total_agents: agents.length }, 200);
    },
  );

  const changeResponses = {
    200: { description: 'The state now (unchanged when it already was the one asked for)', content: { 'application/json': { schema: StateChangedSchema } } },
    400: { description: 'Invalid body; on_call is not settable', ...problemContent },
    409: { description: 'agent-on-call: the agent is on a call (only a supervisor can move them out of it)', ...problemContent },
    422: { description: 'tenant_id in body', ...problemContent },
  };

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/agents/me/state',
    summary: 'Change your own state (agent)',
    tags: ['Agents'],
    security,
    request: { body: { content: { 'application/json': { schema: StateChangeSchema } }, required: true } },
    responses: { ...changeResponses, 403: { description: 'not-an-agent: supervisors and admins have no state of their own', ...problemContent } },
  });
  app.post('/v1/agents/me/state', requireRole('agent'), async (c) => {
    const user = c.get('user');
    if (user.role !== 'agent') throw notAnAgent(user.role);
    const agent = await findFloorAgent(c.env.DB, user.tenantId, user.userId);
    // jwt-auth has just read this user as an enabled agent; absent means it changed since.
    if (!agent) throw notAnAgent(user.role);
    return changeState(c, agent, false);
  });

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/agents/{id}/state',
    summary: "Change an agent's state (supervisor; an agent only their own)",
    tags: ['Agents'],
    security,
    request: { params: IdParam, body: { content: { 'application/json': { schema: StateChangeSchema } }, required: true } },
    responses: {
      ...changeResponses,
      403: { description: 'An agent naming someone else', ...problemContent },
      404: { description: 'No enabled agent with this id in your tenant', ...problemContent },
    },
  });
  app.post('/v1/agents/:id/state', requireRole('agent'), async (c) => {
    const user = c.get('user');
    const id = c.req.param('id');
    if (user.role === 'agent' && id !== user.userId) throw Problems.forbidden("Agents change only their own state; changing another agent's needs the supervisor role.");
    const agent = await findFloorAgent(c.env.DB, user.tenantId, id);
    if (!agent) throw noSuchAgent(id);
    return changeState(c, agent, user.role !== 'agent');
  });

  return app;
}

/** Applies the body's state for `agent`; `override` lets a supervisor take an agent out of on_call. */
async function changeState(c: Context<DialerEnv>, agent: FloorAgent, override: boolean) {
  const body = await validatedBody(c, StateChangeSchema);
  const user = c.get('user');
  const command = { kind: 'set' as const, state: body.state, reason: body.reason ? body.reason : null, by: user.userId, override };
  const result = await changeAgentState(c.env, user.tenantId, agent, command);
  if (result.outcome === 'refused') {
    if (result.why === 'not_on_floor') throw noSuchAgent(agent.id);
    throw Problems.conflict(
      'agent-on-call',
      'Agent is on a call',
      `${agent.fullName} is on call ${result.record.currentCallId}; the state can change when the call ends${override ? '' : ' (a supervisor can override)'}.`,
    );
  }
  const r = result.record;
  return c.json({ agent_id: agent.id, state: r.state, state_since: r.stateSince, reason: r.reason }, 200);
}

const noSuchAgent = (id: string) => Problems.notFound(`Agent ${id}`);

const notAnAgent = (role: Role) =>
  new ProblemError({
    status: 403,
    slug: 'not-an-agent',
    title: 'Not an agent',
    detail: `Only users with the agent role have a state; you are ${role === 'agent' ? 'no longer an agent' : `a ${role}`}. Supervisors change an agent's state with POST /v1/agents/{id}/state.`,
  });
