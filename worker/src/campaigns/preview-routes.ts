/**
 * Preview dialing (docs/dialer-api.md "Preview"): an agent assigned to an
 * active preview campaign is offered one contact at a time and decides.
 *   GET  /v1/campaigns/{id}/preview/next            the caller's offer (held until accept or skip), or offer null
 *   POST /v1/campaigns/{id}/preview/{contact_id}/accept  dial it now: the agent is taken, the customer dialled on their node
 *   POST /v1/campaigns/{id}/preview/{contact_id}/skip    give it back; due again after the retry delay
 * Only agents, each for themselves; the dial starts only on accept.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { DialerEnv, UserPrincipal } from '../env.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { requireRole } from '../middleware/require-role/index.ts';
import { campaignDialer } from '../durable/stubs.ts';
import { findCampaign, type CampaignRow } from './campaign-rows.ts';
import { assignedAgents } from './assignment/campaign-agents.ts';

const IdParam = z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' } }) });
const OfferParam = IdParam.extend({ contact_id: z.string().max(64).openapi({ param: { name: 'contact_id', in: 'path' } }) });
const security = [{ bearerAuth: [] }];

const OfferSchema = z
  .object({
    offer: z
      .object({
        contact_id: z.string(),
        phone: z.string(),
        first_name: z.string().nullable(),
        last_name: z.string().nullable(),
        custom_fields: z.record(z.string(), z.unknown()).nullable(),
        attempts: z.number().int(),
        offered_at: z.string(),
      })
      .nullable()
      .openapi({ description: 'null: no contact is due now.' }),
  })
  .openapi('PreviewOffer');

const AcceptedSchema = z.object({ call_id: z.string(), status: z.literal('dialing') }).openapi('PreviewAccepted');

async function previewCampaign(env: DialerEnv['Bindings'], user: UserPrincipal, id: string): Promise<CampaignRow> {
  const row = await findCampaign(env.DB, user.tenantId, id);
  if (row.dialing_mode !== 'preview') throw Problems.conflict('campaign-not-preview', 'Not a preview campaign', `Campaign ${id} dials in ${row.dialing_mode} mode; offers exist only in preview mode.`);
  if (row.status !== 'active') throw Problems.conflict('campaign-not-active', 'Campaign is not active', 'Offers are made only while the campaign is active.');
  const agents = await assignedAgents(env.DB, user.tenantId, id);
  if (!agents.some((a) => a.agent_id === user.userId && a.on_floor)) throw Problems.forbidden('You are not assigned to this campaign.');
  return row;
}

export function previewRoutes() {
  const app = new OpenAPIHono<DialerEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/campaigns/{id}/preview/next',
      summary: 'Your next preview offer (agent; Crier addition)',
      tags: ['Campaigns'],
      security,
      middleware: [requireRole('agent')],
      request: { params: IdParam },
      responses: {
        200: { description: 'The offer, or offer null', content: { 'application/json': { schema: OfferSchema } } },
        403: { description: 'Not an agent assigned to the campaign', ...problemContent },
        404: { description: 'No such campaign in your tenant', ...problemContent },
        409: { description: 'campaign-not-preview or campaign-not-active', ...problemContent },
      },
    }),
    async (c) => {
      const user = c.get('user');
      const row = await previewCampaign(c.env, user, c.req.valid('param').id);
      const offer = await campaignDialer(c.env, row.id).previewNext(user.userId);
      if (!offer) return c.json({ offer: null }, 200);
      const k = offer.contact;
      return c.json(
        { offer: { contact_id: k.id, phone: k.phone, first_name: k.first_name, last_name: k.last_name, custom_fields: k.custom_fields ? (JSON.parse(k.custom_fields) as Record<string, unknown>) : null, attempts: k.attempts, offered_at: new Date(offer.offeredAtMs).toISOString() } },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/campaigns/{id}/preview/{contact_id}/accept',
      summary: 'Accept your offer: dial it now (agent; Crier addition)',
      tags: ['Campaigns'],
      security,
      middleware: [requireRole('agent')],
      request: { params: OfferParam },
      responses: {
        202: { description: 'Dialling; events follow as call.* webhooks', content: { 'application/json': { schema: AcceptedSchema } } },
        403: { description: 'Not an agent assigned to the campaign', ...problemContent },
        404: { description: 'No such campaign, or no such offer of yours', ...problemContent },
        409: { description: 'agent-not-ready (not registered or on a call), or the dial could not be placed', ...problemContent },
      },
    }),
    async (c) => {
      const user = c.get('user');
      const { id, contact_id } = c.req.valid('param');
      const row = await previewCampaign(c.env, user, id);
      const result = await campaignDialer(c.env, row.id).previewAccept(user.userId, contact_id);
      if (result.ok) return c.json({ call_id: result.callId, status: 'dialing' as const }, 202);
      if (result.error === 'no_offer') throw Problems.notFound(`Offer of contact ${contact_id}`);
      if (result.error === 'agent_unavailable') throw Problems.conflict('agent-not-ready', 'You cannot take a call now', 'Your softphone must be registered and you must not be on a call.');
      throw Problems.conflict('preview-not-dialled', 'The contact was not dialled', 'The contact could not be dialled now (compliance, or no media node); it is back in the list.');
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/campaigns/{id}/preview/{contact_id}/skip',
      summary: 'Skip your offer (agent; Crier addition)',
      tags: ['Campaigns'],
      security,
      middleware: [requireRole('agent')],
      request: { params: OfferParam },
      responses: {
        204: { description: 'Skipped: due again after the retry delay, no attempt counted' },
        403: { description: 'Not an agent assigned to the campaign', ...problemContent },
        404: { description: 'No such campaign, or no such offer of yours', ...problemContent },
      },
    }),
    async (c) => {
      const user = c.get('user');
      const { id, contact_id } = c.req.valid('param');
      const row = await previewCampaign(c.env, user, id);
      if (!(await campaignDialer(c.env, row.id).previewSkip(user.userId, contact_id))) throw Problems.notFound(`Offer of contact ${contact_id}`);
      return c.body(null, 204);
    },
  );

  return app;
}
