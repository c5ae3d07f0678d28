/**
 * POST /v1/contacts/search (spec "Search contacts"; any role): full-text over
 * the tenant's contacts — name, phone in every form people type, custom
 * field values — ranked by BM25 with a name or phone hit weighing more than
 * a custom-field hit. `campaign_id` narrows to one campaign (404 if it is not
 * the tenant's). No cursor: the spec answers one ranked list and its total.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { DialerEnv } from '../env.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { validatedBody } from '../middleware/validated-body/index.ts';
import { findCampaign } from '../campaigns/campaign-rows.ts';
import { SearchContactsSchema, SearchResultSchema, type ContactRow } from './contact-schemas.ts';
import { matchExpression } from './search-query.ts';

/** bm25 weights by column: contact_id, tenant_id, campaign_id (unindexed), name, phone, custom. */
const RANK = 'bm25(contacts_fts, 0, 0, 0, 10.0, 10.0, 2.0)';

type Hit = Pick<ContactRow, 'id' | 'phone' | 'first_name' | 'last_name' | 'status'> & { campaign_id: string; campaign_name: string };

export function contactSearchRoutes() {
  const app = new OpenAPIHono<DialerEnv>();

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/contacts/search',
    summary: "Search the tenant's contacts by name, phone or custom field values, best match first (any role)",
    tags: ['Contacts'],
    security: [{ bearerAuth: [] }],
    request: { body: { content: { 'application/json': { schema: SearchContactsSchema } }, required: true } },
    responses: {
      200: { description: 'Up to `limit` matches, best first, and how many match in all', content: { 'application/json': { schema: SearchResultSchema } } },
      400: { description: 'Invalid body, or q has no letter or digit', ...problemContent },
      404: { description: 'campaign_id names no campaign of your tenant', ...problemContent },
    },
  });
  app.post('/v1/contacts/search', async (c) => {
    const body = await validatedBody(c, SearchContactsSchema);
    const tenantId = c.get('user').tenantId;
    const match = matchExpression(body.q);
    if (match === null) throw Problems.validation([{ pointer: '/q', reason: 'must contain at least one letter or digit' }]);
    if (body.campaign_id !== undefined) await findCampaign(c.env.DB, tenantId, body.campaign_id);
    const scope = body.campaign_id === undefined ? 'tenant_id = ?2 AND ?3 IS NULL' : 'tenant_id = ?2 AND campaign_id = ?3';
    const db = c.env.DB;
    const [hits, total] = await db.batch<Hit | { n: number }>([
      db
        .prepare(
          `WITH ranked AS (
             SELECT contact_id, ${RANK} AS rank FROM contacts_fts
             WHERE contacts_fts MATCH ?1 AND ${scope}
             ORDER BY rank, contact_id LIMIT ?4)
           SELECT c.id, c.phone, c.first_name, c.last_name, c.campaign_id, k.name AS campaign_name, c.status
           FROM ranked r
           JOIN contacts c ON c.id = r.contact_id AND c.tenant_id = ?2
           JOIN campaigns k ON k.id = c.campaign_id
           ORDER BY r.rank, r.contact_id`,
        )
        .bind(match, tenantId, body.campaign_id ?? null, body.limit),
      db.prepare(`SELECT count(*) AS n FROM contacts_fts WHERE contacts_fts MATCH ?1 AND ${scope}`).bind(match, tenantId, body.campaign_id ?? null),
    ]);
    const items = (hits!.results as Hit[]).map((h) => ({
      id: h.id,
      phone: h.phone,
      first_name: h.first_name,
      last_name: h.last_name,
      campaign_id: h.campaign_id,
      campaign_name: h.campaign_name,
      status: h.status,
    }));
    return c.json({ items, total: (total!.results[0] as { n: number } | undefined)?.n ?? 0 }, 200);
  });

  return app;
}
