/**
 * The Worker's two browser pages and their files (worker/public, served
 * through the ASSETS binding, only the files named here):
 *   GET /wallboard           supervisors' live wallboard
 *   GET /desk                the agent desk
 *   GET /pages/{file}        their scripts and styles
 *   GET /pages/vendor/{file} browser libraries bundled at build (sip.js)
 *   GET /desk/config.json    what the desk cannot know by itself: the softphone's WSS URL
 * The pages sign in against /v1 themselves; nothing here needs a token.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';

export const PAGE_FILES = ['pages.css', 'session.js', 'live-feed.js', 'wallboard.js', 'desk.js', 'softphone.js'] as const;
export const VENDOR_FILES = ['sip.js'] as const;

export function pageRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.get('/wallboard', (c) => asset(c, '/pages/wallboard.html', 'no-cache'));
  app.get('/desk', (c) => asset(c, '/pages/desk.html', 'no-cache'));
  app.get('/desk/config.json', (c) => c.json({ softphone_wss_url: c.env.SOFTPHONE_WSS_URL ?? null }));
  app.get('/pages/vendor/:file', (c) => {
    const file = c.req.param('file');
    return (VENDOR_FILES as readonly string[]).includes(file) ? asset(c, `/vendor/${file}`, 'public, max-age=3600') : c.notFound();
  });
  app.get('/pages/:file', (c) => {
    const file = c.req.param('file');
    return (PAGE_FILES as readonly string[]).includes(file) ? asset(c, `/pages/${file}`, 'no-cache') : c.notFound();
  });
  return app;
}

async function asset(c: Context<AppEnv>, path: string, cacheControl: string): Promise<Response> {
  const res = await c.env.ASSETS.fetch(new URL(path, c.req.url));
  // vendor/ is built by wrangler's [build] step; a missing file there is a build fault, not a 404 to hide.
  if (!res.ok) throw new Error(`page asset ${path}: ASSETS answered ${res.status}`);
  const headers = new Headers(res.headers);
  headers.set('cache-control', cacheControl);
  headers.set('x-content-type-options', 'nosniff');
  return new Response(res.body, { status: 200, headers });
}
