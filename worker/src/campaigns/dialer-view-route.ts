/**
 * GET /v1/campaigns/{id}/dialer (supervisor; Crier addition): the campaign's
 * dialer as it runs — the mode's dial level and reason, calls in flight,
 * waiting for an agent and bridged, and the abandon rate over the campaign,
 * the rolling 24 h and the rolling 30 days (0–1, null before any live answer).
 * A wallboard polls it; docs/campaign-engine.md explains the figures.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { DialerEnv } from '../env.ts';
import { problemContent } from '../errors/problem.ts';
import { requireRole } from '../middleware/require-role/index.ts';
import { campaignDialer } from '../durable/stubs.ts';
import { findCampaign } from './campaign-rows.ts';

const IdParam = z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' } }) });

const Rate = z.number().nullable();
export const DialerViewSchema = z
  .object({
    campaign_id: z.string(),
    status: z.string(),
    dial_level: z.number().openapi({ description: 'Lines per available agent the mode dials at.' }),
    reason: z.string(),
    calls_in_flight: z.number().int(),
    calls_waiting: z.number().int(),
    calls_bridged: z.number().int(),
    abandon_rate: z.object({ campaign: Rate, last_24_hours: Rate, last_30_days: Rate }),
  })
  .openapi('CampaignDialerView');

export function dialerViewRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/campaigns/{id}/dialer',
      summary: "The campaign's dialer, live (supervisor; Crier addition)",
      tags: ['Campaigns'],
      security: [{ bearerAuth: [] }],
      middleware: [requireRole('supervisor')],
      request: { params: IdParam },
      responses: {
        200: { description: 'Live figures', content: { 'application/json': { schema: DialerViewSchema } } },
        403: { description: 'Below supervisor', ...problemContent },
        404: { description: 'No such campaign in your tenant', ...problemContent },
      },
    }),
    async (c) => {
      const row = await findCampaign(c.env.DB, c.get('user').tenantId, c.req.valid('param').id);
      const v = await campaignDialer(c.env, row.id).view();
      return c.json(
        {
          campaign_id: row.id,
          status: row.status,
          dial_level: v.dialLevel,
          reason: v.reason,
          calls_in_flight: v.callsInFlight,
          calls_waiting: v.callsWaiting,
          calls_bridged: v.callsBridged,
          abandon_rate: { campaign: v.abandon.campaign, last_24_hours: v.abandon.last24Hours, last_30_days: v.abandon.last30Days },
        },
        200,
      );
    },
  );
  return app;
}
