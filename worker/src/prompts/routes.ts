/**
 * Named audio prompts for play.type "file" with prompt_name (our addition to the
 * spec, which assumes prompts were uploaded in a portal):
 *   POST   /voice/v1/prompts              multipart: prompt_name, file → 201
 *   GET    /voice/v1/prompts              list
 *   DELETE /voice/v1/prompts/{prompt_name}
 * Audio lives in R2 under prompts/<tenant>/<name>/<version>; re-uploading a name
 * makes a new version, which is also the media nodes' cache key.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { and, asc, eq } from 'drizzle-orm';
import type { AppEnv } from '../env.ts';
import { appAuth } from '../middleware/app-auth/index.ts';
import { database } from '../db/client.ts';
import { prompts } from '../db/schema.ts';
import { sha256Hex } from '../db/hashing.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { readLimitedBytes } from '../middleware/body-limit/index.ts';

export const MAX_PROMPT_BYTES = 20 * 1024 * 1024;
const NAME_RULE = /^[A-Za-z0-9_.-]{1,128}$/;

const PromptSchema = z
  .object({
    prompt_name: z.string(),
    version: z.number().int(),
    content_type: z.string(),
    size_bytes: z.number().int(),
    sha256: z.string(),
    created_at: z.string(),
  })
  .openapi('Prompt');

const problem = problemContent;

function view(row: typeof prompts.$inferSelect): z.infer<typeof PromptSchema> {
  return { prompt_name: row.name, version: row.version, content_type: row.contentType, size_bytes: row.sizeBytes, sha256: row.sha256, created_at: row.createdAt };
}

export function promptRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('/voice/v1/prompts', appAuth());
  app.use('/voice/v1/prompts/*', appAuth());

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/voice/v1/prompts',
    summary: 'Upload a named audio prompt (multipart/form-data: prompt_name, file)',
    security: [{ basicAuth: [] }],
    request: {
      body: {
        content: { 'multipart/form-data': { schema: z.object({ prompt_name: z.string(), file: z.string().openapi({ format: 'binary' }) }) } },
        required: true,
      },
    },
    responses: { 201: { description: 'Stored', content: { 'application/json': { schema: PromptSchema } } }, 400: { description: 'Invalid', ...problem }, 413: { description: 'Too large', ...problem } },
  });
  app.post('/voice/v1/prompts', async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (!/^multipart\/form-data/i.test(type)) throw Problems.unsupportedMediaType(type);
    // Read within the limit first (a chunked body has no Content-Length to refuse up front), then parse.
    const raw = await readLimitedBytes(c.req.raw, MAX_PROMPT_BYTES + 64 * 1024);
    let form: FormData;
    try {
      form = await new Response(raw, { headers: { 'content-type': c.req.header('content-type') ?? '' } }).formData();
    } catch {
      throw Problems.validation([{ pointer: '', reason: 'is not a readable multipart/form-data body' }]);
    }
    const name = form.get('prompt_name');
    const file = form.get('file');
    const issues = [];
    if (typeof name !== 'string' || !NAME_RULE.test(name)) issues.push({ pointer: '/prompt_name', reason: 'must be 1-128 letters, digits, "_", "-" or "."' });
    if (!file || typeof file === 'string') issues.push({ pointer: '/file', reason: 'must be an uploaded audio file' });
    if (issues.length > 0) throw Problems.validation(issues);
    const blob = file as unknown as File;
    if (blob.size === 0) throw Problems.validation([{ pointer: '/file', reason: 'is empty' }]);
    if (blob.size > MAX_PROMPT_BYTES) throw Problems.payloadTooLarge(MAX_PROMPT_BYTES);
    const tenantId = c.get('principal').tenantId;
    const db = database(c.env.DB);
    const previous = await db.select().from(prompts).where(and(eq(prompts.tenantId, tenantId), eq(prompts.name, name as string))).get();
    const version = (previous?.version ?? 0) + 1;
    const bytes = await blob.arrayBuffer();
    const contentType = blob.type || 'application/octet-stream';
    const r2Key = `prompts/${tenantId}/${name}/${version}`;
    await c.env.BLOBS.put(r2Key, bytes, { httpMetadata: { contentType } });
    const row = {
      tenantId,
      name: name as string,
      version,
      r2Key,
      contentType,
      sizeBytes: bytes.byteLength,
      sha256: await sha256Hex(bytes),
      createdAt: new Date().toISOString(),
    };
    await db.insert(prompts).values(row).onConflictDoUpdate({ target: [prompts.tenantId, prompts.name], set: row });
    if (previous) await c.env.BLOBS.delete(previous.r2Key);
    return c.json(view(row), 201);
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/voice/v1/prompts',
      summary: 'List prompts',
      security: [{ basicAuth: [] }],
      responses: { 200: { description: 'Prompts', content: { 'application/json': { schema: z.object({ items: z.array(PromptSchema), total: z.number() }) } } } },
    }),
    async (c) => {
      const rows = await database(c.env.DB).select().from(prompts).where(eq(prompts.tenantId, c.get('principal').tenantId)).orderBy(asc(prompts.name)).all();
      return c.json({ items: rows.map(view), total: rows.length }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/voice/v1/prompts/{prompt_name}',
      summary: 'Delete a prompt',
      security: [{ basicAuth: [] }],
      request: { params: z.object({ prompt_name: z.string() }) },
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such prompt', ...problem } },
    }),
    async (c) => {
      const { prompt_name } = c.req.valid('param');
      const tenantId = c.get('principal').tenantId;
      const db = database(c.env.DB);
      const row = await db.select().from(prompts).where(and(eq(prompts.tenantId, tenantId), eq(prompts.name, prompt_name))).get();
      if (!row) throw Problems.notFound(`Prompt ${prompt_name}`);
      await db.delete(prompts).where(and(eq(prompts.tenantId, tenantId), eq(prompts.name, prompt_name)));
      await c.env.BLOBS.delete(row.r2Key);
      return c.body(null, 204);
    },
  );
  return app;
}
