/**
 * The dialer API's DNC list (spec "GET /v1/dnc", "POST /v1/dnc"; supervisor):
 *   GET  /v1/dnc?limit&cursor[&phone]   the tenant's internal list (national registries are not listed)
 *   POST /v1/dnc {phones ≤ 5,000, reason?}  → 201 {added, duplicates_skipped, invalid_phones}
 * The spec's 409 "duplicate phone number in DNC" is answered when a request
 * adds nothing because every valid number in it was already listed (a
 * request that adds at least one number is a 201 that counts the rest as
 * duplicates); a request with no valid number at all is a 400 naming them.
 * Shared with /voice/v1/dnc: dnc/tenant-dnc.ts.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { DialerEnv } from '../env.ts';
import { ProblemError, Problems, problemContent } from '../errors/problem.ts';
import { validatedBody } from '../middleware/validated-body/index.ts';
import { requireRole } from '../middleware/require-role/index.ts';
import { decodeCursor, pageOf, pageQuery, pageSchema } from '../pagination/keyset.ts';
import { INVALID_NUMBER_REASON, parseE164 } from '../phone/e164.ts';
import { addToTenantDnc, listTenantDnc, MAX_DNC_PHONES_PER_REQUEST, type DncRow } from './tenant-dnc.ts';

const MAX_BODY_BYTES = 1024 * 1024;
/** A 400 for thousands of bad numbers names the first ones, not all. */
const MAX_LISTED_ISSUES = 100;

const DncAddSchema = z
  .object({
    phones: z
      .array(z.string().max(64))
      .min(1, 'must list at least one number')
      .max(MAX_DNC_PHONES_PER_REQUEST, `must list at most ${MAX_DNC_PHONES_PER_REQUEST} numbers`)
      .openapi({ example: ['+971509876543', '+97144123456'] }),
    reason: z.string().max(500).optional().openapi({ example: 'Customer opt-out via email' }),
  })
  .strict()
  .openapi('DialerDncAdd');

const DncAddedSchema = z.object({ added: z.number().int(), duplicates_skipped: z.number().int(), invalid_phones: z.number().int() }).openapi('DialerDncAdded');

const DncItemSchema = z
  .object({
    id: z.string(),
    phone: z.string(),
    source: z.string(),
    reason: z.string().nullable(),
    added_by: z.string().nullable().openapi({ description: "The adding user's full name (or the broadcast app's name)" }),
    added_at: z.string(),
  })
  .openapi('DialerDncItem');

const itemView = (r: DncRow): z.infer<typeof DncItemSchema> => ({ id: r.id, phone: r.phone, source: r.source, reason: r.reason, added_by: r.added_by_name, added_at: r.added_at });

export function dialerDncRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  const security = [{ bearerAuth: [] }];
  app.use('/v1/dnc', requireRole('supervisor'));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/dnc',
      summary: 'List DNC records, in number order (supervisor)',
      tags: ['Compliance'],
      security,
      request: {
        query: z.object({
          phone: z
            .string()
            .max(64)
            .refine((p) => parseE164(p).ok, 'must be a valid E.164 phone number')
            .transform((p) => (parseE164(p) as { e164: string }).e164)
            .optional()
            .openapi({ description: 'Crier addition: only this number (is it listed?)' }),
          ...pageQuery(50, 200),
        }),
      },
      responses: {
        200: { description: 'One page', content: { 'application/json': { schema: pageSchema(DncItemSchema, 'DialerDncPage') } } },
        400: { description: 'Bad query or cursor', ...problemContent },
        403: { description: 'Agents cannot read the DNC list', ...problemContent },
      },
    }),
    async (c) => {
      const { limit, cursor, phone } = c.req.valid('query');
      const after = cursor ? decodeCursor(cursor) : null;
      const { rows, total } = await listTenantDnc(c.env.DB, c.get('user').tenantId, { afterPhone: after === null ? null : String(after.k), limit, ...(phone !== undefined ? { phone } : {}) });
      return c.json(pageOf(rows, limit, total, (r) => ({ k: r.phone, id: r.id }), itemView), 200);
    },
  );

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/dnc',
    summary: 'Add numbers to the DNC list, up to 5,000 (supervisor). Effective at once for every campaign and broadcast.',
    tags: ['Compliance'],
    security,
    request: { body: { content: { 'application/json': { schema: DncAddSchema } }, required: true } },
    responses: {
      201: { description: 'At least one number added', content: { 'application/json': { schema: DncAddedSchema } } },
      400: { description: 'Invalid body, or no valid phone number in it', ...problemContent },
      403: { description: 'Agents cannot add to the DNC list', ...problemContent },
      409: { description: 'Every valid number was already on the list (nothing added)', ...problemContent },
    },
  });
  app.post('/v1/dnc', async (c) => {
    const { phones, reason } = await validatedBody(c, DncAddSchema, MAX_BODY_BYTES);
    const user = c.get('user');
    const result = await addToTenantDnc(c.env, { tenantId: user.tenantId, phones, reason: reason ?? null, source: 'api', addedBy: user.userId, addedByName: user.fullName });
    if (result.invalidPhones === phones.length) {
      // Nothing was written: with no valid number there was nothing to insert.
      const issues = result.invalidIndexes.slice(0, MAX_LISTED_ISSUES).map((i) => ({ pointer: `/phones/${i}`, reason: INVALID_NUMBER_REASON }));
      throw Problems.validation(issues, `None of the ${phones.length} numbers is a valid phone number.`);
    }
    const counts = { added: result.added, duplicates_skipped: result.duplicatesSkipped, invalid_phones: result.invalidPhones };
    if (result.added === 0) {
      // The counts ride along so a client can tell "all duplicates" from "all duplicates and some invalid".
      throw new ProblemError({ status: 409, slug: 'dnc-duplicate', title: 'Duplicate phone number in DNC', detail: `Every valid number in the request is already on your DNC list (${result.duplicatesSkipped}).`, extra: counts });
    }
    return c.json(counts, 201);
  });

  return app;
}
