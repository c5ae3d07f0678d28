/**
 * The API reference: /voice/v1/openapi.json and /v1/openapi.json (both cut from
 * the app's one registry, webhooks included) and the page that renders them,
 * GET /docs (?api=dialer opens the dialer API first). The page's scripts and
 * styles come from the ASSETS binding (wrangler.toml [assets], the
 * swagger-ui-dist package), only the files it names.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env.ts';
import { API_DOCUMENTS, apiDocument } from './documents.ts';
import { ASSETS_PREFIX, PAGE_ASSETS, referencePage } from './page.ts';
import { registerWebhooks } from './webhook-events.ts';

/** Call after every API route is registered: the documents are read from the app's registry. */
export function serveApiReference(app: OpenAPIHono<AppEnv>): void {
  registerWebhooks(app);
  for (const spec of API_DOCUMENTS) app.get(spec.path, (c) => c.json(apiDocument(app, spec)));

  app.get('/docs', (c) => c.html(referencePage(c.req.query('api') === 'dialer' ? 'dialer' : 'broadcast')));
  app.get(`${ASSETS_PREFIX}:file`, async (c) => {
    const file = c.req.param('file');
    if (!(PAGE_ASSETS as readonly string[]).includes(file)) return c.notFound();
    const res = await c.env.ASSETS.fetch(new URL(`/swagger-ui/${file}`, c.req.url));
    if (!res.ok) throw new Error(`API reference asset ${file}: ASSETS answered ${res.status}`);
    const headers = new Headers(res.headers);
    headers.set('cache-control', 'public, max-age=3600');
    return new Response(res.body, { status: 200, headers });
  });
}
