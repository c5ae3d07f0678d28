/**
 * Reports (spec "Reports"), for supervisors and admins:
 *   POST /v1/reports/export          one of four reports in json, csv or pdf
 *   GET  /exports/{id}.{ext}?…       a large export's file, behind a 30-minute signed URL
 * The campaign and agents a report is filtered to must be the tenant's (404
 * otherwise, like any other tenant's resource).
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { DialerEnv } from '../env.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { validatedBody } from '../middleware/validated-body/index.ts';
import { requireRole } from '../middleware/require-role/index.ts';
import { InstantSchema, rangeIssue } from '../time/instant.ts';
import { exportReport } from './export-report.ts';
import { serveExportFile } from './export-files.ts';
import { REPORT_TYPES } from './report-types.ts';

const Id = z.string().min(1).max(64);

const ExportRequestSchema = z
  .object({
    report_type: z.enum(REPORT_TYPES),
    format: z.enum(['json', 'csv', 'pdf']),
    from: InstantSchema.openapi({ description: 'Calls that started at or after this instant.' }),
    to: InstantSchema.openapi({ description: 'Calls that started at or before this instant.' }),
    campaign_id: Id.optional(),
    agent_ids: z.array(Id).min(1, 'must name at least one agent').max(500).optional(),
  })
  .strict()
  .openapi('ReportExportRequest');

const InlineSchema = z
  .object({
    report_type: z.enum(REPORT_TYPES),
    format: z.enum(['json', 'csv', 'pdf']),
    rows: z.number().int(),
    data: z.union([z.string(), z.array(z.record(z.string(), z.unknown()))]).openapi({
      description: 'csv: the CSV text; json: the rows as an array of objects; pdf: the PDF file, base64-encoded.',
    }),
  })
  .openapi('ReportInline');

const DownloadSchema = z
  .object({
    report_type: z.enum(REPORT_TYPES),
    format: z.enum(['json', 'csv', 'pdf']),
    rows: z.number().int(),
    download_url: z.string().openapi({ description: 'Served by this Worker; valid 30 minutes.' }),
    expires_at: z.string(),
  })
  .openapi('ReportDownload');

export function reportRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  app.use('/v1/reports/*', requireRole('supervisor'));

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/reports/export',
    summary: 'Export a report (supervisor): inline up to 10,000 rows, a 30-minute download URL beyond',
    tags: ['Reports'],
    security: [{ bearerAuth: [] }],
    request: { body: { content: { 'application/json': { schema: ExportRequestSchema } }, required: true } },
    responses: {
      200: { description: 'The report, inline or as a download URL', content: { 'application/json': { schema: z.union([InlineSchema, DownloadSchema]) } } },
      400: { description: 'Invalid body', ...problemContent },
      403: { description: 'Agents cannot export reports', ...problemContent },
      404: { description: 'campaign_id or an agent id is not in your tenant', ...problemContent },
      422: { description: 'tenant_id in body', ...problemContent },
    },
  });
  app.post('/v1/reports/export', async (c) => {
    const body = await validatedBody(c, ExportRequestSchema);
    const issue = rangeIssue(body.from, body.to);
    if (issue) throw Problems.validation([issue]);
    const { tenantId } = c.get('user');
    const agentIds = body.agent_ids ? [...new Set(body.agent_ids)] : undefined;
    await requireOwnScope(c.env.DB, tenantId, body.campaign_id, agentIds);
    const ctx = { db: c.env.DB, tenantId, filters: { from: body.from, to: body.to, campaignId: body.campaign_id, agentIds } };
    return c.json(await exportReport(c.env, c.req.url, ctx, body.report_type, body.format), 200);
  });

  app.get('/exports/:file', (c) => serveExportFile(c.env, c.req.url, c.req.param('file')));

  return app;
}

async function requireOwnScope(db: D1Database, tenantId: string, campaignId: string | undefined, agentIds: string[] | undefined): Promise<void> {
  if (campaignId) {
    const row = await db.prepare('SELECT 1 AS ok FROM campaigns WHERE id = ? AND tenant_id = ?').bind(campaignId, tenantId).first();
    if (!row) throw Problems.notFound(`Campaign ${campaignId}`);
  }
  if (agentIds) {
    const { results } = await db
      .prepare('SELECT id FROM users WHERE tenant_id = ?1 AND id IN (SELECT value FROM json_each(?2))')
      .bind(tenantId, JSON.stringify(agentIds))
      .all<{ id: string }>();
    const known = new Set(results.map((r) => r.id));
    const missing = agentIds.filter((id) => !known.has(id));
    if (missing.length > 0) throw Problems.notFound(`Agent ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}`);
  }
}
