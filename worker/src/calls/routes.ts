/**
 * Call history and live counts of the dialer API (spec "Calls"):
 *   GET /v1/calls               history, newest first, every documented filter + broadcast_id
 *   GET /v1/calls/count-today   today's finished calls in the tenant's timezone
 *   GET /v1/calls/active-count  live calls, from the TenantPacer (not D1)
 * Broadcast legs are calls like any other. Agents see only their own calls
 * in the history; the counts are the tenant's (a wallboard's numbers).
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { and, count, desc, eq, gte, lte } from 'drizzle-orm';
import type { DialerEnv } from '../env.ts';
import { database } from '../db/client.ts';
import { calls } from '../db/schema.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { afterKeyset, decodeCursor, pageOf, pageQuery, pageSchema } from '../pagination/keyset.ts';
import { InstantSchema, rangeIssue } from '../time/instant.ts';
import { loadTenantSettings } from '../account/tenant-settings.ts';
import { CALL_STATUSES } from './call-metrics.ts';
import { CallItemSchema, callView } from './call-view.ts';
import { localDayOf } from './local-day.ts';
import { TodayStatsSchema, todayStats } from './today-stats.ts';
import { tenantPacer } from '../durable/stubs.ts';

const security = [{ bearerAuth: [] }];
const Id = z.string().min(1).max(64);

const CallsQuery = z.object({
  campaign_id: Id.optional().openapi({ description: 'Filter to a campaign.' }),
  agent_id: Id.optional().openapi({ description: 'Filter to an agent (agents only ever see their own calls).' }),
  broadcast_id: Id.optional().openapi({ description: 'Filter to the legs of one broadcast (Crier addition).' }),
  status: z.enum(CALL_STATUSES).optional().openapi({ description: 'completed | no_answer | busy | failed | voicemail, or in_progress for live calls (Crier addition).' }),
  from: InstantSchema.optional().openapi({ description: 'started_at ≥ from (ISO-8601).' }),
  to: InstantSchema.optional().openapi({ description: 'started_at ≤ to (ISO-8601).' }),
  ...pageQuery(50, 200),
});

const LiveCallsSchema = z
  .object({ active_calls: z.number().int(), ringing: z.number().int(), connected: z.number().int(), as_of: z.string() })
  .openapi('ActiveCalls');

export function callRoutes() {
  const app = new OpenAPIHono<DialerEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/calls',
      summary: 'List calls with filters, newest first (broadcast legs included; agents see their own calls only)',
      tags: ['Calls'],
      security,
      request: { query: CallsQuery },
      responses: {
        200: { description: 'One page, newest first', content: { 'application/json': { schema: pageSchema(CallItemSchema, 'CallPage') } } },
        400: { description: 'Bad query', ...problemContent },
        401: { description: 'No valid token', ...problemContent },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const issue = rangeIssue(q.from, q.to);
      if (issue) throw Problems.validation([issue]);
      const user = c.get('user');
      const filter = and(
        eq(calls.tenantId, user.tenantId),
        q.campaign_id ? eq(calls.campaignId, q.campaign_id) : undefined,
        q.agent_id ? eq(calls.agentId, q.agent_id) : undefined,
        // An agent's own calls only, whatever they filter on: another agent_id simply matches nothing.
        user.role === 'agent' ? eq(calls.agentId, user.userId) : undefined,
        q.broadcast_id ? eq(calls.broadcastId, q.broadcast_id) : undefined,
        q.status ? eq(calls.status, q.status) : undefined,
        q.from ? gte(calls.startedAt, q.from) : undefined,
        q.to ? lte(calls.startedAt, q.to) : undefined,
      );
      const after = q.cursor ? decodeCursor(q.cursor) : null;
      const db = database(c.env.DB);
      const [rows, total] = await Promise.all([
        db
          .select()
          .from(calls)
          .where(and(filter, after ? afterKeyset(calls.startedAt, calls.id, after, 'desc') : undefined))
          .orderBy(desc(calls.startedAt), desc(calls.id))
          .limit(q.limit + 1)
          .all(),
        db.select({ n: count() }).from(calls).where(filter).get(),
      ]);
      return c.json(pageOf(rows, q.limit, total?.n ?? 0, (r) => ({ k: r.startedAt, id: r.id }), callView), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/calls/count-today',
      summary: "Today's statistics (the calendar day in the tenant's timezone)",
      tags: ['Calls'],
      security,
      request: { query: z.object({ campaign_id: Id.optional().openapi({ description: 'Scope to one campaign.' }) }) },
      responses: {
        200: { description: "Today's finished calls", content: { 'application/json': { schema: TodayStatsSchema } } },
        400: { description: 'Bad query', ...problemContent },
        401: { description: 'No valid token', ...problemContent },
      },
    }),
    async (c) => {
      const { tenantId } = c.get('user');
      const settings = await loadTenantSettings(c.env, tenantId);
      if (!settings) throw Problems.notFound(`Tenant ${tenantId}`);
      const now = new Date();
      const day = localDayOf(now.getTime(), settings.timezone);
      return c.json(await todayStats(c.env.DB, tenantId, day, c.req.valid('query').campaign_id, now), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/calls/active-count',
      summary: "Live call count: the tenant's calls ringing and connected right now",
      tags: ['Calls'],
      security,
      responses: {
        200: { description: 'Live counts', content: { 'application/json': { schema: LiveCallsSchema } } },
        401: { description: 'No valid token', ...problemContent },
      },
    }),
    async (c) => {
      const pacer = tenantPacer(c.env, c.get('user').tenantId);
      return c.json(await pacer.liveCalls(), 200);
    },
  );

  return app;
}
