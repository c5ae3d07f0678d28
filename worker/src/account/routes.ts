/**
 * Tenant-level settings reachable with the broadcast API's Basic credentials
 * (our additions, docs/broadcast-api.md):
 *   GET/PATCH /voice/v1/account/settings   allowed countries, pacing limits
 *   GET/POST  /voice/v1/dnc                the tenant's DNC list (the dialer API's
 *                                          /v1/dnc will share the same table)
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { AppEnv } from '../env.ts';
import { appAuth } from '../middleware/app-auth/index.ts';
import { readJsonBody } from '../middleware/json-body/index.ts';
import { database } from '../db/client.ts';
import { dnc, tenants } from '../db/schema.ts';
import { Problems } from '../errors/problem.ts';
import { fieldIssues } from '../errors/zod-issues.ts';
import { parseE164 } from '../phone/e164.ts';

const SettingsPatchSchema = z
  .object({
    allowed_countries: z.array(z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as AE')).max(250).nullable().optional(),
    calls_per_second: z.number().int().min(1).max(1000).nullable().optional(),
    max_concurrent_calls: z.number().int().min(1).max(100_000).nullable().optional(),
  })
  .strict();

const DncAddSchema = z.object({ phones: z.array(z.string()).min(1).max(5000), reason: z.string().max(500).optional() }).strict();

export function accountRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('/voice/v1/account/*', appAuth());
  app.use('/voice/v1/dnc', appAuth());

  const settingsView = async (tenantId: string, env: AppEnv['Bindings']) => {
    const t = await database(env.DB).select().from(tenants).where(eq(tenants.id, tenantId)).get();
    if (!t) throw Problems.notFound('Tenant');
    return {
      tenant_id: t.id,
      allowed_countries: t.allowedCountries ? (JSON.parse(t.allowedCountries) as string[]) : null,
      calls_per_second: t.callsPerSecond ?? Number(env.DEFAULT_CALLS_PER_SECOND),
      max_concurrent_calls: t.maxConcurrentCalls ?? Number(env.DEFAULT_MAX_CONCURRENT_CALLS),
      timezone: t.timezone,
    };
  };

  app.get('/voice/v1/account/settings', async (c) => c.json(await settingsView(c.get('principal').tenantId, c.env)));

  app.patch('/voice/v1/account/settings', async (c) => {
    const parsed = SettingsPatchSchema.safeParse((await readJsonBody(c, 64 * 1024)).value);
    if (!parsed.success) throw Problems.validation(fieldIssues(parsed.error));
    const p = parsed.data;
    const set: Partial<typeof tenants.$inferInsert> = {};
    if (p.allowed_countries !== undefined) set.allowedCountries = p.allowed_countries === null ? null : JSON.stringify([...new Set(p.allowed_countries)]);
    if (p.calls_per_second !== undefined) set.callsPerSecond = p.calls_per_second;
    if (p.max_concurrent_calls !== undefined) set.maxConcurrentCalls = p.max_concurrent_calls;
    if (Object.keys(set).length > 0) await database(c.env.DB).update(tenants).set(set).where(eq(tenants.id, c.get('principal').tenantId));
    return c.json(await settingsView(c.get('principal').tenantId, c.env));
  });

  app.post('/voice/v1/dnc', async (c) => {
    const parsed = DncAddSchema.safeParse((await readJsonBody(c, 1024 * 1024)).value);
    if (!parsed.success) throw Problems.validation(fieldIssues(parsed.error));
    const tenantId = c.get('principal').tenantId;
    const now = new Date().toISOString();
    let invalid = 0;
    const numbers = new Set<string>();
    for (const phone of parsed.data.phones) {
      const p = parseE164(phone);
      if (p.ok) numbers.add(p.e164);
      else invalid++;
    }
    const rows = [...numbers].map((phone) => ({ id: crypto.randomUUID(), tenantId, phone, source: 'api', reason: parsed.data.reason ?? null, addedBy: c.get('principal').appId, addedAt: now }));
    const db = database(c.env.DB);
    let added = 0;
    // 7 bound values per row; D1 allows 100 per statement.
    for (let i = 0; i < rows.length; i += 14) {
      const inserted = await db.insert(dnc).values(rows.slice(i, i + 14)).onConflictDoNothing().returning({ id: dnc.id });
      added += inserted.length;
    }
    return c.json({ added, duplicates_skipped: parsed.data.phones.length - invalid - added, invalid_phones: invalid }, 201);
  });

  app.get('/voice/v1/dnc', async (c) => {
    const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 50) || 50, 1), 200);
    const cursor = c.req.query('cursor');
    const tenantId = c.get('principal').tenantId;
    const db = database(c.env.DB);
    const after = cursor ? decodeCursor(cursor) : null;
    const rows = await db
      .select()
      .from(dnc)
      .where(after ? and(eq(dnc.tenantId, tenantId), gt(dnc.phone, after)) : eq(dnc.tenantId, tenantId))
      .orderBy(asc(dnc.phone))
      .limit(limit + 1)
      .all();
    const total = (await db.select({ n: sql<number>`count(*)` }).from(dnc).where(eq(dnc.tenantId, tenantId)).get())?.n ?? 0;
    const page = rows.slice(0, limit);
    const hasMore = rows.length > limit;
    return c.json({
      items: page.map((r) => ({ id: r.id, phone: r.phone, source: r.source, reason: r.reason, added_by: r.addedBy, added_at: r.addedAt })),
      total,
      next_cursor: hasMore ? encodeCursor(page.at(-1)!.phone) : null,
      has_more: hasMore,
    });
  });

  return app;
}

function encodeCursor(phone: string): string {
  return btoa(JSON.stringify({ p: phone })).replace(/=+$/, '');
}

function decodeCursor(cursor: string): string {
  try {
    const value = JSON.parse(atob(cursor)) as { p?: unknown };
    if (typeof value.p === 'string') return value.p;
  } catch {
    // fall through to the 400 below
  }
  throw Problems.validation([{ pointer: '/query/cursor', reason: 'is not a cursor this API issued' }]);
}
