/**
 * A campaign's contacts (spec "Contacts"):
 *   POST /v1/campaigns/{id}/contacts   bulk upload ≤ 10,000 (supervisor), 201 with the counts
 *   GET  /v1/campaigns/{id}/contacts   ?status, oldest first (upload order), cursor pagination (any role)
 * Numbers are read in `default_region` (Crier addition) or else the country
 * of the campaign's time zone, normalised to E.164; see prepare-upload.ts and
 * store-contacts.ts for what is counted as what.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { CountryCode } from 'libphonenumber-js/max';
import type { DialerEnv } from '../env.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { fieldIssues } from '../errors/zod-issues.ts';
import { validatedBody } from '../middleware/validated-body/index.ts';
import { requireRole } from '../middleware/require-role/index.ts';
import { decodeCursor, pageOf, pageQuery, pageSchema } from '../pagination/keyset.ts';
import { isDialableCountry } from '../phone/countries.ts';
import { countryOfTimeZone } from '../time/zone-country.ts';
import { findCampaign } from '../campaigns/campaign-rows.ts';
import {
  ContactSchema,
  ContactStatusSchema,
  MAX_CONTACTS_PER_UPLOAD,
  MAX_UPLOAD_BODY_BYTES,
  UploadContactsSchema,
  UploadResultSchema,
  contactView,
  type ContactRow,
} from './contact-schemas.ts';
import { prepareUpload } from './prepare-upload.ts';
import { storeContacts } from './store-contacts.ts';

const IdParam = z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' } }) });
const security = [{ bearerAuth: [] }];
/** A 10,000-row body can fail on every row; the problem lists the first ones and counts the rest. */
const MAX_ISSUES_LISTED = 100;

export function contactRoutes() {
  const app = new OpenAPIHono<DialerEnv>();

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/campaigns/{id}/contacts',
    summary: 'Upload contacts, up to 10,000 per request (supervisor)',
    description:
      'imported + duplicates_skipped + dnc_filtered + invalid_phones = the number of contacts sent. Stored whole or not at all. Numbers without a country code are read in default_region, else the country of the campaign time zone.',
    tags: ['Contacts'],
    security,
    request: { params: IdParam, body: { content: { 'application/json': { schema: UploadContactsSchema } }, required: true } },
    responses: {
      201: { description: 'Stored', content: { 'application/json': { schema: UploadResultSchema } } },
      400: { description: 'Invalid body (more than 10,000 contacts: field /contacts)', ...problemContent },
      403: { description: 'Below supervisor', ...problemContent },
      404: { description: 'No such campaign in your tenant', ...problemContent },
      409: { description: 'The campaign is completed', ...problemContent },
      413: { description: 'Body larger than 16 MiB', ...problemContent },
    },
  });
  app.post('/v1/campaigns/:id/contacts', requireRole('supervisor'), async (c) => {
    const tenantId = c.get('user').tenantId;
    const campaign = await findCampaign(c.env.DB, tenantId, c.req.param('id'));
    if (campaign.status === 'completed') {
      throw Problems.conflict('campaign-completed', 'Campaign is completed', 'Contacts cannot be added to a completed campaign; create a new campaign.');
    }
    const body = await uploadBody(c);
    const region = (body.default_region ?? regionOfZone(campaign.timezone)) as CountryCode | null;
    const prepared = prepareUpload(body.contacts, region);
    const stored = await storeContacts(c.env.DB, tenantId, campaign.id, prepared.contacts);
    return c.json(
      {
        imported: stored.imported,
        duplicates_skipped: prepared.duplicatesInRequest + (prepared.contacts.length - stored.imported - stored.dnc),
        dnc_filtered: stored.dnc,
        invalid_phones: prepared.invalidCount,
        total_in_campaign: stored.totalInCampaign,
        invalid: prepared.invalid,
      },
      201,
    );
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/campaigns/{id}/contacts',
      summary: "List a campaign's contacts in upload order (any role)",
      tags: ['Contacts'],
      security,
      request: { params: IdParam, query: z.object({ status: ContactStatusSchema.optional(), ...pageQuery(50, 200) }) },
      responses: {
        200: { description: 'One page, oldest first', content: { 'application/json': { schema: pageSchema(ContactSchema, 'ContactPage') } } },
        400: { description: 'Bad status, limit or cursor', ...problemContent },
        404: { description: 'No such campaign in your tenant', ...problemContent },
      },
    }),
    async (c) => {
      const { status, limit, cursor } = c.req.valid('query');
      const campaign = await findCampaign(c.env.DB, c.get('user').tenantId, c.req.valid('param').id);
      const after = cursor ? decodeCursor(cursor) : null;
      const matching = status ? 'campaign_id = ?1 AND status = ?2' : 'campaign_id = ?1 AND ?2 IS NULL';
      const db = c.env.DB;
      const [rows, total] = await db.batch<ContactRow | { n: number }>([
        db
          .prepare(`SELECT id, phone, first_name, last_name, status, attempts, last_call_at, disposition, custom_fields FROM contacts WHERE ${matching} AND id > ?3 ORDER BY id LIMIT ?4`)
          .bind(campaign.id, status ?? null, after?.id ?? '', limit + 1),
        db.prepare(`SELECT count(*) AS n FROM contacts WHERE ${matching}`).bind(campaign.id, status ?? null),
      ]);
      const n = (total!.results[0] as { n: number } | undefined)?.n ?? 0;
      return c.json(pageOf(rows!.results as ContactRow[], limit, n, (r) => ({ k: 0, id: r.id }), contactView), 200);
    },
  );

  return app;
}

/**
 * The upload body, validated: a list past the limit is refused whole before
 * its entries are examined (a 16 MiB body of 100,000 bad rows would
 * otherwise cost a zod run and an issue each), and a problem lists at most
 * the first MAX_ISSUES_LISTED failing fields, counting the rest.
 */
async function uploadBody(c: Context<DialerEnv>): Promise<z.infer<typeof UploadContactsSchema>> {
  const value = await validatedBody(c, z.unknown(), MAX_UPLOAD_BODY_BYTES);
  const list = (value as { contacts?: unknown } | null)?.contacts;
  if (Array.isArray(list) && list.length > MAX_CONTACTS_PER_UPLOAD) {
    throw Problems.validation([{ pointer: '/contacts', reason: `must list at most ${MAX_CONTACTS_PER_UPLOAD} contacts (got ${list.length})` }]);
  }
  const parsed = UploadContactsSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = fieldIssues(parsed.error);
  const listed = issues.slice(0, MAX_ISSUES_LISTED);
  const more = issues.length > listed.length ? `; the first ${listed.length} are listed` : '';
  throw Problems.validation(listed, `${issues.length} field${issues.length === 1 ? '' : 's'} failed validation${more}: ${listed.slice(0, 3).map((e) => `${e.pointer} ${e.reason}`).join('; ')}${listed.length > 3 ? '; ...' : ''}`);
}

function regionOfZone(zone: string): string | null {
  const country = countryOfTimeZone(zone);
  return country && isDialableCountry(country) ? country : null;
}
