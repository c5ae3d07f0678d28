/**
 * Consent records (supervisor; Crier additions, the engine's `consent` check
 * reads them):
 *   POST /v1/consents                  record a grant (optionally until expires_at, optionally for one campaign)
 *                                      or an explicit revocation (status "revoked")
 *   GET  /v1/consents?phone&campaign_id&status   newest first
 *   POST /v1/consents/{id}/revoke      the person withdrew that consent (idempotent)
 * Records are never deleted: a revocation keeps the grant's history and adds
 * revoked_at. How the engine weighs them: checks/consent.ts.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { DialerEnv } from '../../env.ts';
import { Problems, problemContent } from '../../errors/problem.ts';
import { validatedBody } from '../../middleware/validated-body/index.ts';
import { requireRole } from '../../middleware/require-role/index.ts';
import { decodeCursor, pageOf, pageQuery, pageSchema } from '../../pagination/keyset.ts';
import { parseE164 } from '../../phone/e164.ts';
import { uuidv7 } from '../../ids/uuid-v7.ts';
import { requireCampaign } from './campaign-lookup.ts';

const PhoneSchema = z
  .string({ error: 'is required' })
  .max(64)
  .refine((p) => parseE164(p).ok, 'must be a valid E.164 phone number')
  .transform((p) => (parseE164(p) as { e164: string }).e164);

const instant = z
  .string()
  .refine((v) => /^\d{4}-\d{2}-\d{2}T/.test(v) && Number.isFinite(Date.parse(v)), 'must be an ISO 8601 date-time such as 2026-06-01T00:00:00Z')
  .transform((v) => new Date(v).toISOString());

const CreateConsentSchema = z
  .object({
    phone: PhoneSchema.openapi({ example: '+971501234567' }),
    campaign_id: z.string().max(64).nullable().optional().openapi({ description: 'Only for this campaign; omitted or null: every campaign of the tenant.' }),
    status: z.enum(['granted', 'revoked'], { error: 'must be granted or revoked' }).default('granted'),
    source: z.string().trim().min(1).max(200).optional().openapi({ example: 'web_form' }),
    granted_at: instant.optional().openapi({ description: 'When the person consented (default: now); not in the future.' }),
    expires_at: instant.optional().openapi({ description: 'Consent lapses at this instant.' }),
  })
  .strict()
  .superRefine((v, ctx) => {
    const now = Date.now();
    if (v.granted_at !== undefined && Date.parse(v.granted_at) > now + 60_000) ctx.addIssue({ code: 'custom', path: ['granted_at'], message: 'must not be in the future' });
    if (v.status === 'revoked' && (v.granted_at !== undefined || v.expires_at !== undefined)) {
      ctx.addIssue({ code: 'custom', path: [v.granted_at !== undefined ? 'granted_at' : 'expires_at'], message: 'applies to a grant, not a revocation' });
    }
    if (v.expires_at !== undefined && Date.parse(v.expires_at) <= Date.parse(v.granted_at ?? new Date(now).toISOString())) {
      ctx.addIssue({ code: 'custom', path: ['expires_at'], message: 'must be after granted_at' });
    }
  })
  .openapi('CreateConsent');

const ConsentSchema = z
  .object({
    id: z.string(),
    phone: z.string(),
    campaign_id: z.string().nullable(),
    status: z.enum(['granted', 'revoked']),
    source: z.string().nullable(),
    granted_at: z.string().nullable(),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    recorded_by: z.string().nullable().openapi({ description: 'Full name of the user who recorded it' }),
    created_at: z.string(),
  })
  .openapi('Consent');

interface ConsentRow {
  id: string;
  phone: string;
  campaign_id: string | null;
  status: 'granted' | 'revoked';
  source: string | null;
  granted_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  recorded_by_name: string | null;
  created_at: string;
}

const SELECT = `SELECT c.id, c.phone, c.campaign_id, c.status, c.source, c.granted_at, c.expires_at, c.revoked_at, c.created_at, u.full_name AS recorded_by_name
  FROM consents c LEFT JOIN users u ON u.id = c.recorded_by AND u.tenant_id = c.tenant_id`;

function consentView(r: ConsentRow): z.infer<typeof ConsentSchema> {
  return {
    id: r.id,
    phone: r.phone,
    campaign_id: r.campaign_id,
    status: r.status,
    source: r.source,
    granted_at: r.granted_at,
    expires_at: r.expires_at,
    revoked_at: r.revoked_at,
    recorded_by: r.recorded_by_name,
    created_at: r.created_at,
  };
}

const IdParam = z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' } }) });

export function consentRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  const security = [{ bearerAuth: [] }];
  app.use('/v1/consents', requireRole('supervisor'));
  app.use('/v1/consents/*', requireRole('supervisor'));

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/consents',
    summary: 'Record a consent grant or revocation (supervisor; Crier addition)',
    tags: ['Compliance'],
    security,
    request: { body: { content: { 'application/json': { schema: CreateConsentSchema } }, required: true } },
    responses: {
      201: { description: 'Recorded', content: { 'application/json': { schema: ConsentSchema } } },
      400: { description: 'Invalid body', ...problemContent },
      404: { description: 'No such campaign in your tenant', ...problemContent },
    },
  });
  app.post('/v1/consents', async (c) => {
    const body = await validatedBody(c, CreateConsentSchema);
    const user = c.get('user');
    if (body.campaign_id) await requireCampaign(c.env.DB, user.tenantId, body.campaign_id);
    const now = new Date().toISOString();
    const id = uuidv7();
    const granted = body.status === 'granted';
    await c.env.DB.prepare(
      `INSERT INTO consents (id, tenant_id, phone, campaign_id, status, source, granted_at, expires_at, revoked_at, recorded_by, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
      .bind(id, user.tenantId, body.phone, body.campaign_id ?? null, body.status, body.source ?? null, granted ? (body.granted_at ?? now) : null, granted ? (body.expires_at ?? null) : null, granted ? null : now, user.userId, now)
      .run();
    return c.json(consentView(await findConsent(c.env.DB, user.tenantId, id)), 201);
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/consents',
      summary: 'Consent records, newest first (supervisor; Crier addition)',
      tags: ['Compliance'],
      security,
      request: {
        query: z.object({
          phone: PhoneSchema.optional(),
          campaign_id: z.string().max(64).optional(),
          status: z.enum(['granted', 'revoked']).optional(),
          ...pageQuery(50, 200),
        }),
      },
      responses: {
        200: { description: 'One page', content: { 'application/json': { schema: pageSchema(ConsentSchema, 'ConsentPage') } } },
        400: { description: 'Bad filter or cursor', ...problemContent },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const where = ['c.tenant_id = ?'];
      const binds: Array<string | number> = [c.get('user').tenantId];
      if (q.phone !== undefined) where.push('c.phone = ?'), binds.push(q.phone);
      if (q.campaign_id !== undefined) where.push('c.campaign_id = ?'), binds.push(q.campaign_id);
      if (q.status !== undefined) where.push('c.status = ?'), binds.push(q.status);
      const after = q.cursor ? decodeCursor(q.cursor) : null;
      const filtered = where.join(' AND ');
      const [rows, total] = await c.env.DB.batch<Record<string, unknown>>([
        c.env.DB.prepare(`${SELECT} WHERE ${filtered}${after ? ' AND c.id < ?' : ''} ORDER BY c.id DESC LIMIT ?`).bind(...binds, ...(after ? [after.id] : []), q.limit + 1),
        c.env.DB.prepare(`SELECT COUNT(*) AS n FROM consents c WHERE ${filtered}`).bind(...binds),
      ]);
      const count = (total!.results[0] as { n: number }).n;
      return c.json(pageOf(rows!.results as unknown as ConsentRow[], q.limit, count, (r) => ({ k: r.id, id: r.id }), consentView), 200);
    },
  );

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/consents/{id}/revoke',
    summary: 'Revoke a consent (supervisor; Crier addition). Revoking a revoked consent changes nothing.',
    tags: ['Compliance'],
    security,
    request: { params: IdParam },
    responses: {
      200: { description: 'Revoked', content: { 'application/json': { schema: ConsentSchema } } },
      404: { description: 'No such consent in your tenant', ...problemContent },
    },
  });
  app.post('/v1/consents/:id/revoke', async (c) => {
    const user = c.get('user');
    const id = c.req.param('id');
    await findConsent(c.env.DB, user.tenantId, id);
    await c.env.DB.prepare("UPDATE consents SET status = 'revoked', revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND tenant_id = ?").bind(new Date().toISOString(), id, user.tenantId).run();
    return c.json(consentView(await findConsent(c.env.DB, user.tenantId, id)), 200);
  });

  return app;
}

async function findConsent(db: D1Database, tenantId: string, id: string): Promise<ConsentRow> {
  const row = await db.prepare(`${SELECT} WHERE c.id = ? AND c.tenant_id = ?`).bind(id, tenantId).first<ConsentRow>();
  if (!row) throw Problems.notFound(`Consent ${id}`);
  return row;
}
