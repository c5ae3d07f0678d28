/**
 * The tenant's DNC list over the broadcast API's Basic credentials (a Crier
 * addition until the dialer API's /v1/dnc shares the same table):
 *   POST /voice/v1/dnc  {phones: [≤ 5,000], reason?} → 201 {added, duplicates_skipped, invalid_phones}
 *   GET  /voice/v1/dnc?limit&cursor                  → {items, total, next_cursor, has_more}
 * Numbers are stored normalised (E.164 with '+'), so "9715…" and "+9715…" are
 * one entry, and broadcast acceptance matches either form.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { AppEnv } from '../env.ts';
import { readJsonBody } from '../middleware/json-body/index.ts';
import { database } from '../db/client.ts';
import { dnc } from '../db/schema.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { fieldIssues } from '../errors/zod-issues.ts';
import { parseE164 } from '../phone/e164.ts';
import { decodeDncCursor, encodeDncCursor } from './dnc-cursor.ts';

export const MAX_DNC_PHONES_PER_REQUEST = 5_000;
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
    let invalid = 0;
    const numbers = new Set<string>();
    for (const phone of phones) {
      const p = parseE164(phone);
      if (p.ok) numbers.add(p.e164);
      else invalid++;
    }
    let added = 0;
    if (numbers.size > 0) {
      // One statement for the whole list (D1 binds at most 100 parameters; rows travel as one JSON
      // parameter); the unique (tenant, phone) index turns existing numbers into skipped rows.
      const rows = JSON.stringify([...numbers].map((phone) => [crypto.randomUUID(), phone]));
      const result = await c.env.DB.prepare(
        `INSERT INTO dnc (id, tenant_id, phone, source, reason, added_by, added_at)
         SELECT json_extract(value, '$[0]'), ?1, json_extract(value, '$[1]'), 'api', ?2, ?3, ?4 FROM json_each(?5) WHERE true
         ON CONFLICT (tenant_id, phone) DO NOTHING
         RETURNING phone`,
      )
        .bind(principal.tenantId, reason ?? null, principal.appId, new Date().toISOString(), rows)
        .all();
      added = result.results.length;
    }
    return c.json({ added, duplicates_skipped: phones.length - invalid - added, invalid_phones: invalid }, 201);
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
      const tenantId = c.get('principal').tenantId;
      const after = cursor === undefined ? null : decodeDncCursor(cursor);
      const db = database(c.env.DB);
      const rows = await db
        .select()
        .from(dnc)
        .where(after === null ? eq(dnc.tenantId, tenantId) : and(eq(dnc.tenantId, tenantId), gt(dnc.phone, after)))
        .orderBy(asc(dnc.phone))
        .limit(limit + 1)
        .all();
      const total = (await db.select({ n: sql<number>`count(*)` }).from(dnc).where(eq(dnc.tenantId, tenantId)).get())?.n ?? 0;
      const page = rows.slice(0, limit);
      const hasMore = rows.length > limit;
      return c.json(
        {
          items: page.map((r) => ({ id: r.id, phone: r.phone, source: r.source, reason: r.reason, added_by: r.addedBy, added_at: r.addedAt })),
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
