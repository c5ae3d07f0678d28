/**
 * Campaigns (spec "Campaigns"):
 *   GET  /v1/campaigns              list: status, dialing_mode, created_from/created_to; newest first
 *   POST /v1/campaigns              create a draft (supervisor)
 *   GET  /v1/campaigns/{id}         one campaign (Crier addition)
 *   POST /v1/campaigns/{id}/start   draft|paused → active (supervisor)
 *   POST /v1/campaigns/{id}/pause   active → paused (supervisor)
 * Start and pause raise campaign.started / campaign.paused. The status in D1
 * is what the dialer obeys: once pause has answered, no new dial may begin.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { DialerEnv, UserPrincipal } from '../env.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { validatedBody } from '../middleware/validated-body/index.ts';
import { requireRole } from '../middleware/require-role/index.ts';
import { decodeCursor, pageOf, pageQuery, pageSchema } from '../pagination/keyset.ts';
import { uuidv7 } from '../ids/uuid-v7.ts';
import { emitDialerEvents } from '../dialer-events/emit.ts';
import {
  CampaignDetailSchema,
  CampaignItemSchema,
  CampaignStatusSchema,
  CreateCampaignSchema,
  CreatedCampaignSchema,
  DialingModeSchema,
  PausedCampaignSchema,
  StartedCampaignSchema,
  createdView,
  detailView,
  itemView,
} from './campaign-schemas.ts';
import { CAMPAIGN_COLUMNS, findCampaign, type CampaignRow } from './campaign-rows.ts';
import { ZERO_COUNTERS, campaignCounters } from './campaign-counters.ts';
import { cliGroupEmpty, noAgentsAssigned, noAgentsReady, noContacts, pauseTransition, startTransition } from './campaign-transitions.ts';
import { campaignFloor } from './assignment/floor-readiness.ts';
import { startRefusal } from './assignment/agent-readiness.ts';
import { campaignDialer } from '../durable/stubs.ts';

const IdParam = z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' } }) });
const security = [{ bearerAuth: [] }];

const Instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO-8601 date-time such as 2026-06-01T00:00:00Z' })
  .transform((s) => new Date(s).toISOString());

const ListQuery = z.object({
  status: CampaignStatusSchema.optional(),
  dialing_mode: DialingModeSchema.optional(),
  created_from: Instant.optional().openapi({ description: 'Only campaigns created at or after this instant (ISO-8601).' }),
  created_to: Instant.optional().openapi({ description: 'Only campaigns created at or before this instant (ISO-8601).' }),
  ...pageQuery(20, 100),
});

export function campaignRoutes() {
  const app = new OpenAPIHono<DialerEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/campaigns',
      summary: 'List campaigns, newest first (any role)',
      tags: ['Campaigns'],
      security,
      request: { query: ListQuery },
      responses: {
        200: { description: 'One page', content: { 'application/json': { schema: pageSchema(CampaignItemSchema, 'CampaignPage') } } },
        400: { description: 'Bad filter, limit or cursor', ...problemContent },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      if (q.created_from && q.created_to && q.created_from > q.created_to) {
        throw Problems.validation([{ pointer: '/query/created_to', reason: 'must not be before created_from' }]);
      }
      const tenantId = c.get('user').tenantId;
      const after = q.cursor ? decodeCursor(q.cursor) : null;
      const where = ['tenant_id = ?1'];
      const args: Array<string | number> = [tenantId];
      const filter = (sql: string, value: string | undefined) => {
        if (value === undefined) return;
        args.push(value);
        where.push(sql.replace('?', `?${args.length}`));
      };
      filter('status = ?', q.status);
      filter('dialing_mode = ?', q.dialing_mode);
      filter('created_at >= ?', q.created_from);
      filter('created_at <= ?', q.created_to);
      const matching = where.join(' AND ');
      // Newest first by id (UUIDv7, time-ordered): a campaign created while a client pages
      // sorts before the cursor, so it never shifts, repeats or hides a row of a later page.
      const pageArgs = [...args, after?.id ?? '\uffff', q.limit + 1];
      const db = c.env.DB;
      const [rows, total] = await db.batch<CampaignRow | { n: number }>([
        db.prepare(`SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE ${matching} AND id < ?${args.length + 1} ORDER BY id DESC LIMIT ?${args.length + 2}`).bind(...pageArgs),
        db.prepare(`SELECT count(*) AS n FROM campaigns WHERE ${matching}`).bind(...args),
      ]);
      const campaigns = rows!.results as CampaignRow[];
      const counters = await campaignCounters(db, tenantId, campaigns.slice(0, q.limit).map((r) => r.id));
      const n = (total!.results[0] as { n: number } | undefined)?.n ?? 0;
      return c.json(pageOf(campaigns, q.limit, n, (r) => ({ k: 0, id: r.id }), (r) => itemView(r, counters.get(r.id) ?? ZERO_COUNTERS)), 200);
    },
  );

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/campaigns',
    summary: 'Create a campaign in draft (supervisor)',
    tags: ['Campaigns'],
    security,
    request: { body: { content: { 'application/json': { schema: CreateCampaignSchema } }, required: true } },
    responses: {
      201: { description: 'Created', content: { 'application/json': { schema: CreatedCampaignSchema } } },
      400: { description: 'Invalid body, or cli_group_id names no CLI group of your tenant (field /cli_group_id)', ...problemContent },
      403: { description: 'Below supervisor', ...problemContent },
      422: { description: 'tenant_id in body', ...problemContent },
    },
  });
  app.post('/v1/campaigns', requireRole('supervisor'), async (c) => {
    const body = await validatedBody(c, CreateCampaignSchema);
    const user = c.get('user');
    const row: CampaignRow = {
      id: uuidv7(),
      tenant_id: user.tenantId,
      name: body.name,
      status: 'draft',
      dialing_mode: body.dialing_mode,
      cli_group_id: body.cli_group_id,
      max_attempts: body.max_attempts,
      retry_delay_minutes: body.retry_delay_minutes,
      dial_ratio: body.dial_ratio,
      timezone: body.timezone,
      total_contacts: 0,
      created_by: user.userId,
      created_at: new Date().toISOString(),
      started_at: null,
      paused_at: null,
      completed_at: null,
    };
    // The group must exist in the tenant when the row is written (one statement, so a
    // group deleted meanwhile cannot leave a campaign pointing at nothing).
    const inserted = await c.env.DB.prepare(
      `INSERT INTO campaigns (id, tenant_id, name, status, dialing_mode, cli_group_id, max_attempts, retry_delay_minutes, dial_ratio, timezone, total_contacts, created_by, created_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11, ?12
       WHERE EXISTS (SELECT 1 FROM cli_groups WHERE id = ?6 AND tenant_id = ?2)
       RETURNING id`,
    )
      .bind(row.id, row.tenant_id, row.name, row.status, row.dialing_mode, row.cli_group_id, row.max_attempts, row.retry_delay_minutes, row.dial_ratio, row.timezone, row.created_by, row.created_at)
      .first();
    if (!inserted) throw Problems.validation([{ pointer: '/cli_group_id', reason: `names no CLI group of your tenant (${body.cli_group_id})` }]);
    return c.json(createdView(row), 201);
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/campaigns/{id}',
      summary: 'Get a campaign with its counters and settings (any role; Crier addition)',
      tags: ['Campaigns'],
      security,
      request: { params: IdParam },
      responses: {
        200: { description: 'The campaign', content: { 'application/json': { schema: CampaignDetailSchema } } },
        404: { description: 'No such campaign in your tenant', ...problemContent },
      },
    }),
    async (c) => {
      const tenantId = c.get('user').tenantId;
      const row = await findCampaign(c.env.DB, tenantId, c.req.valid('param').id);
      const counters = (await campaignCounters(c.env.DB, tenantId, [row.id])).get(row.id) ?? ZERO_COUNTERS;
      return c.json(detailView(row, counters), 200);
    },
  );

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/campaigns/{id}/start',
    summary: 'Start (or resume) dialing (supervisor)',
    description:
      'draft or paused → active; 200 without change when already active. Needs at least one pending contact (409 campaign-no-contacts), a CLI group with at least one number (409 campaign-cli-group-empty), and at least one agent assigned (PUT /v1/campaigns/{id}/agents; 409 campaign-no-agents-assigned) who is logged in (not offline) and SIP-registered (409 campaign-no-agents-ready). Wakes the campaign\'s dialer.',
    tags: ['Campaigns'],
    security,
    request: { params: IdParam },
    responses: {
      200: { description: 'Active', content: { 'application/json': { schema: StartedCampaignSchema } } },
      403: { description: 'Below supervisor', ...problemContent },
      404: { description: 'No such campaign in your tenant', ...problemContent },
      409: { description: 'campaign-no-contacts, campaign-cli-group-empty, campaign-no-agents-assigned, campaign-no-agents-ready or campaign-completed', ...problemContent },
    },
  });
  app.post('/v1/campaigns/:id/start', requireRole('supervisor'), async (c) => {
    const user = c.get('user');
    const db = c.env.DB;
    // Optimistic: read, decide, then change only if the status is still the one decided on.
    // A request that loses a race re-reads and decides again (at most a few times).
    for (let attempt = 0; attempt < 3; attempt++) {
      const row = await findCampaign(db, user.tenantId, c.req.param('id'));
      const transition = startTransition(row.status);
      if (transition.kind === 'refused') throw transition.problem;
      // Active means started: started_at is set by the same UPDATE that makes a campaign active.
      if (transition.kind === 'unchanged') {
        await campaignDialer(c.env, row.id).wake({ tenantId: row.tenant_id, campaignId: row.id });
        return c.json({ id: row.id, status: 'active' as const, started_at: row.started_at!, message: 'Campaign is already active.' }, 200);
      }
      // Refusals in the order a supervisor fixes them: contacts, caller IDs, then agents.
      const [pendingNow, numbersNow] = await db.batch<{ n: number }>([
        db.prepare("SELECT 1 AS n FROM contacts WHERE campaign_id = ? AND status = 'pending' LIMIT 1").bind(row.id),
        db.prepare('SELECT 1 AS n FROM cli_numbers WHERE cli_group_id = ? LIMIT 1').bind(row.cli_group_id),
      ]);
      if (pendingNow!.results.length === 0) throw noContacts();
      if (numbersNow!.results.length === 0) throw cliGroupEmpty(row.cli_group_id);
      const { assigned, readiness } = await campaignFloor(c.env, user.tenantId, row.id);
      const refusal = startRefusal(assigned, readiness);
      if (refusal === 'no_agents_assigned') throw noAgentsAssigned(row.id);
      if (refusal === 'no_agents_ready') throw noAgentsReady();
      const now = new Date().toISOString();
      const changed = await db
        .prepare(
          `UPDATE campaigns SET status = 'active', started_at = coalesce(started_at, ?3), paused_at = NULL
           WHERE id = ?1 AND tenant_id = ?2 AND status = ?4
             AND EXISTS (SELECT 1 FROM contacts WHERE campaign_id = ?1 AND status = 'pending')
             AND EXISTS (SELECT 1 FROM cli_numbers WHERE cli_group_id = campaigns.cli_group_id)
           RETURNING started_at`,
        )
        .bind(row.id, user.tenantId, now, row.status)
        .first<{ started_at: string }>();
      if (changed) {
        await emitDialerEvents(c.env, [campaignEvent('campaign.started', row, user, now, { status: 'active', previous_status: row.status, started_at: changed.started_at })]);
        await campaignDialer(c.env, row.id).wake({ tenantId: row.tenant_id, campaignId: row.id });
        return c.json({ id: row.id, status: 'active' as const, started_at: changed.started_at, message: 'Campaign dialing started.' }, 200);
      }
      const [pending, numbers] = await db.batch<{ n: number }>([
        db.prepare("SELECT count(*) AS n FROM (SELECT 1 FROM contacts WHERE campaign_id = ? AND status = 'pending' LIMIT 1)").bind(row.id),
        db.prepare('SELECT count(*) AS n FROM (SELECT 1 FROM cli_numbers WHERE cli_group_id = ? LIMIT 1)').bind(row.cli_group_id),
      ]);
      if (!pending!.results[0]?.n) throw noContacts();
      if (!numbers!.results[0]?.n) throw cliGroupEmpty(row.cli_group_id);
      // Neither: the status changed under us. Decide again from the new row.
    }
    throw Problems.conflict('campaign-busy', 'Campaign is changing', 'The campaign changed repeatedly while starting it; retry.');
  });

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/campaigns/{id}/pause',
    summary: 'Pause dialing (supervisor)',
    description: 'active → paused; 200 without change when already paused. Calls in progress complete; no new dial starts after this answers.',
    tags: ['Campaigns'],
    security,
    request: { params: IdParam },
    responses: {
      200: { description: 'Paused', content: { 'application/json': { schema: PausedCampaignSchema } } },
      403: { description: 'Below supervisor', ...problemContent },
      404: { description: 'No such campaign in your tenant', ...problemContent },
      409: { description: 'campaign-not-active (a draft) or campaign-completed', ...problemContent },
    },
  });
  app.post('/v1/campaigns/:id/pause', requireRole('supervisor'), async (c) => {
    const user = c.get('user');
    const db = c.env.DB;
    for (let attempt = 0; attempt < 3; attempt++) {
      const row = await findCampaign(db, user.tenantId, c.req.param('id'));
      const transition = pauseTransition(row.status);
      if (transition.kind === 'refused') throw transition.problem;
      // Paused means paused by this route: paused_at is set by the same UPDATE.
      if (transition.kind === 'unchanged') return c.json({ id: row.id, status: 'paused' as const, paused_at: row.paused_at! }, 200);
      const now = new Date().toISOString();
      const changed = await db
        .prepare("UPDATE campaigns SET status = 'paused', paused_at = ?3 WHERE id = ?1 AND tenant_id = ?2 AND status = 'active' RETURNING paused_at")
        .bind(row.id, user.tenantId, now)
        .first<{ paused_at: string }>();
      if (changed) {
        await emitDialerEvents(c.env, [campaignEvent('campaign.paused', row, user, now, { status: 'paused', paused_at: changed.paused_at })]);
        // The dialer reads the status before every dial; waking it only refreshes its live view.
        await campaignDialer(c.env, row.id).wake({ tenantId: row.tenant_id, campaignId: row.id });
        return c.json({ id: row.id, status: 'paused' as const, paused_at: changed.paused_at }, 200);
      }
    }
    throw Problems.conflict('campaign-busy', 'Campaign is changing', 'The campaign changed repeatedly while pausing it; retry.');
  });

  return app;
}

/** campaign.* payloads (the spec names the events, not their payloads; docs/dialer-api.md documents these). */
function campaignEvent(type: 'campaign.started' | 'campaign.paused', row: CampaignRow, user: UserPrincipal, at: string, fields: Record<string, unknown>) {
  return {
    type,
    tenantId: row.tenant_id,
    correlationId: row.id,
    occurredAt: at,
    payload: { campaign_id: row.id, name: row.name, dialing_mode: row.dialing_mode, ...fields, changed_by: user.userId },
  };
}
