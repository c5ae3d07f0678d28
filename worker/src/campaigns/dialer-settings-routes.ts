/**
 * A campaign's dialer settings (our addition; dialer-settings.ts):
 *   GET /v1/campaigns/{id}/dialer-settings   the effective settings (any role)
 *   PUT /v1/campaigns/{id}/dialer-settings   replace them; omitted fields take their defaults (supervisor)
 * A running campaign reads them at its next tick.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { DialerEnv } from '../env.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { validatedBody } from '../middleware/validated-body/index.ts';
import { requireRole } from '../middleware/require-role/index.ts';
import { findCampaign } from './campaign-rows.ts';
import { DialerSettingsSchema, parseDialerSettings } from './dialer-settings.ts';

const IdParam = z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' } }) });
const security = [{ bearerAuth: [] }];

export function dialerSettingsRoutes() {
  const app = new OpenAPIHono<DialerEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/campaigns/{id}/dialer-settings',
      summary: "The campaign's dialer settings (any role; Crier addition)",
      tags: ['Campaigns'],
      security,
      request: { params: IdParam },
      responses: {
        200: { description: 'Effective settings', content: { 'application/json': { schema: DialerSettingsSchema } } },
        404: { description: 'No such campaign in your tenant', ...problemContent },
      },
    }),
    async (c) => {
      const tenantId = c.get('user').tenantId;
      const id = c.req.valid('param').id;
      await findCampaign(c.env.DB, tenantId, id);
      const row = await c.env.DB.prepare('SELECT dialer_settings FROM campaigns WHERE id = ?').bind(id).first<{ dialer_settings: string | null }>();
      return c.json(parseDialerSettings(row?.dialer_settings ?? null), 200);
    },
  );

  app.openAPIRegistry.registerPath({
    method: 'put',
    path: '/v1/campaigns/{id}/dialer-settings',
    summary: "Replace the campaign's dialer settings (supervisor; Crier addition)",
    tags: ['Campaigns'],
    security,
    request: { params: IdParam, body: { content: { 'application/json': { schema: DialerSettingsSchema } }, required: true } },
    responses: {
      200: { description: 'Effective settings', content: { 'application/json': { schema: DialerSettingsSchema } } },
      400: { description: 'Invalid body', ...problemContent },
      403: { description: 'Below supervisor', ...problemContent },
      404: { description: 'No such campaign in your tenant', ...problemContent },
      409: { description: 'campaign-completed', ...problemContent },
    },
  });
  app.put('/v1/campaigns/:id/dialer-settings', requireRole('supervisor'), async (c) => {
    const tenantId = c.get('user').tenantId;
    const settings = await validatedBody(c, DialerSettingsSchema);
    const row = await findCampaign(c.env.DB, tenantId, c.req.param('id'));
    if (row.status === 'completed') throw Problems.conflict('campaign-completed', 'Campaign is completed', 'A completed campaign cannot be changed.');
    await c.env.DB.prepare('UPDATE campaigns SET dialer_settings = ? WHERE id = ? AND tenant_id = ?').bind(JSON.stringify(settings), row.id, tenantId).run();
    return c.json(settings, 200);
  });

  return app;
}
