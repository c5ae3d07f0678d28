/**
 * The tenant's DNC list over the broadcast API's Basic credentials (a Crier
 * addition until the dialer API's /v1/dnc shares the same table):
 *   POST /voice/v1/dnc  {phones: [≤ 5,000], reason?} → 201 {added, duplicates_skipped, invalid_phones}
 *   GET  /voice/v1/dnc?limit&cursor                  → {items, total, next_cursor, has_more}
 * The list itself, and what adding to it sets off (campaign contacts, events),
 * is dnc/tenant-dnc.ts, shared with the dialer API's /v1/dnc. Unlike /v1/dnc,
 * a request whose numbers were all listed already is still a 201 (this route's
 * contract predates the dialer API's 409).
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../env.ts';
import { readJsonBody } from '../middleware/json-body/index.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { fieldIssues } from '../errors/zod-issues.ts';
import { addToTenantDnc, listTenantDnc, MAX_DNC_PHONES_PER_REQUEST } from '../dnc/tenant-dnc.ts';
import { decodeDncCursor, encodeDncCursor } from './dnc-cursor.ts';

export { MAX_DNC_PHONES_PER_REQUEST };
const MAX_DNC_BODY_BYTES = 1024 * 1024;

const DncAddSchema = z
  .object({
    phones: z.array(z.string().max(64)).min(1, 'must list at least one number').max(MAX_DNC_PHONES_PER_REQUEST, `must list at most ${MAX_DNC_PHONES_PER_REQUEST} numbers`),
    reason: z.string().max(500).optional(),
  })
  .strict()
  .openapi('DncAdd');

const DncAddedSchema = z.object({ added: z.number().int(), duplicates_skipped: z.number().int(), invalid_phones: z.number().int() }).openapi('DncAdded');

const DncItemSchema = z.object({ id: z.string(), phone: z.string(), source: z.string(), reason: z.string().nullable(), added_by: z.string().nullable(), added_at: z.string() });
const DncPageSchema = z
  .object({ items: z.array(DncItemSchema), total: z.number().int(), next_cursor: z.string().nullable(), has_more: z.boolean() })
  .openapi('DncPage');

export function dncRoutes() {
  const app = new OpenAPIHono<AppEnv>();

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/voice/v1/dnc',
    summary: 'Add numbers to the tenant DNC list (Crier addition)',
    security: [{ basicAuth: [] }],
    request: { body: { content: { 'application/json': { schema: DncAddSchema } }, required: true } },
    responses: {
      201: { description: 'Added; numbers already listed or repeated count as duplicates, unparseable ones as invalid', content: { 'application/json': { schema: DncAddedSchema } } },
      400: { description: 'Invalid body', ...problemContent },
      401: { description: 'Bad credentials', ...problemContent },
      413: { description: 'Body larger than 1 MiB', ...problemContent },
      415: { description: 'Not JSON', ...problemContent },
    },
  });
  app.post('/voice/v1/dnc', async (c) => {
    const parsed = DncAddSchema.safeParse((await readJsonBody(c, MAX_DNC_BODY_BYTES)).value);
    if (!parsed.success) throw Problems.validation(fieldIssues(parsed.error));
    const { phones, reason } = parsed.data;
    const principal = c.get('principal');
    const result = await addToTenantDnc(c.env, { tenantId: principal.tenantId, phones, reason: reason ?? null, source: 'api', addedBy: principal.appId, addedByName: principal.appId });
    return c.json({ added: result.added, duplicates_skipped: result.duplicatesSkipped, invalid_phones: result.invalidPhones }, 201);
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/voice/v1/dnc',
      summary: 'List the tenant DNC list, ordered by number (Crier addition)',
      security: [{ basicAuth: [] }],
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().max(512).optional().openapi({ description: 'next_cursor from the previous page' }),
        }),
      },
      responses: {
        200: { description: 'One page', content: { 'application/json': { schema: DncPageSchema } } },
        400: { description: 'Bad limit or cursor', ...problemContent },
        401: { description: 'Bad credentials', ...problemContent },
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const after = cursor === undefined ? null : decodeDncCursor(cursor);
      const { rows, total } = await listTenantDnc(c.env.DB, c.get('principal').tenantId, { afterPhone: after, limit });
      const page = rows.slice(0, limit);
      const hasMore = rows.length > limit;
      return c.json(
        {
          items: page.map((r) => ({ id: r.id, phone: r.phone, source: r.source, reason: r.reason, added_by: r.added_by, added_at: r.added_at })),
          total,
          next_cursor: hasMore ? encodeDncCursor(page.at(-1)!.phone) : null,
          has_more: hasMore,
        },
        200,
      );
    },
  );

  return app;
}
