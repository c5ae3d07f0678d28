// The API reference: /docs loads with its own scripts and styles (no CDN), and the two
// OpenAPI documents it is fed describe every operation the app routes, and both APIs' webhooks.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../../worker/src/app.ts';
import { API_DOCUMENTS } from '../../../worker/src/api-reference/documents.ts';
import { PAGE_ASSETS } from '../../../worker/src/api-reference/page.ts';
import { DIALER_EVENT_TYPES } from '../../../worker/src/dialer-events/catalog.ts';

const BASE = 'http://crier.test';
type Doc = { openapi: string; info: { description?: string }; paths: Record<string, Record<string, unknown>>; webhooks: Record<string, Record<string, { requestBody?: unknown; parameters?: { name: string }[] }>>; components: { schemas?: Record<string, unknown> } };

async function document(path: string): Promise<Doc> {
  const res = await SELF.fetch(`${BASE}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
}

/** Every operation in the app's OpenAPI registry, as "METHOD /path" with {param} segments. */
function registeredOperations(): string[] {
  const app = buildApp();
  return app.openAPIRegistry.definitions
    .filter((d) => d.type === 'route')
    .map((d) => `${d.route.method.toUpperCase()} ${d.route.path.replace(/:(\w+)/g, '{$1}')}`)
    .filter((op) => API_DOCUMENTS.some((spec) => op.split(' ')[1]!.startsWith(spec.prefix)));
}

function documentedOperations(doc: Doc): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => m !== 'parameters').map((m) => `${m.toUpperCase()} ${path}`));
}

describe('API reference', () => {
  it('serves the page as HTML that loads only its own assets', async () => {
    const res = await SELF.fetch(`${BASE}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThanOrEqual(3);
    for (const src of sources) expect(src.startsWith('/'), `${src} is served by the Worker`).toBe(true);
    for (const doc of API_DOCUMENTS) expect(html).toContain(doc.path);
  });

  it('serves every asset the page names, and nothing else from the package', async () => {
    for (const file of PAGE_ASSETS) {
      const res = await SELF.fetch(`${BASE}/docs/assets/${file}`);
      expect(res.status, file).toBe(200);
      const body = await res.arrayBuffer();
      expect(body.byteLength, file).toBeGreaterThan(100);
    }
    const js = await SELF.fetch(`${BASE}/docs/assets/swagger-ui-bundle.js`);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(await js.text()).toContain('SwaggerUIBundle');
    expect((await SELF.fetch(`${BASE}/docs/assets/package.json`)).status).toBe(404);
    expect((await SELF.fetch(`${BASE}/docs/assets/index.html`)).status).toBe(404);
  });

  it('documents every operation of the app in exactly one of the two documents', async () => {
    const documented: string[] = [];
    for (const spec of API_DOCUMENTS) {
      const doc = await document(spec.path);
      expect(doc.openapi).toBe('3.1.0');
      for (const op of documentedOperations(doc)) {
        expect(op.split(' ')[1]!.startsWith(spec.prefix), `${op} in ${spec.path}`).toBe(true);
        documented.push(op);
      }
    }
    const registered = registeredOperations();
    expect(registered.length).toBeGreaterThan(60);
    expect(documented.sort()).toEqual([...new Set(registered)].sort());
  });

  it('documents both APIs’ webhooks with their signature headers', async () => {
    const broadcast = await document('/voice/v1/openapi.json');
    expect(Object.keys(broadcast.webhooks)).toEqual(expect.arrayContaining(['playstate', 'connectstate', 'streamstate', 'broadcastcall_complete']));
    for (const hook of Object.values(broadcast.webhooks)) {
      expect(hook.post!.parameters!.map((p) => p.name)).toContain('X-Crier-Signature');
      expect(hook.post!.requestBody).toBeDefined();
    }
    expect(broadcast.info.description).toContain('X-Crier-Signature');

    const dialer = await document('/v1/openapi.json');
    expect(Object.keys(dialer.webhooks)).toEqual(expect.arrayContaining([...DIALER_EVENT_TYPES, 'webhook.test']));
    for (const hook of Object.values(dialer.webhooks)) expect(hook.post!.parameters!.map((p) => p.name)).toContain('X-BroadNet-Signature');
    expect(dialer.info.description).toContain('X-BroadNet-Signature');

    // The subscription routes are not grouped under Swagger UI's own "Webhooks" heading.
    const dialerTags = Object.values(dialer.paths).flatMap((item) => Object.values(item).flatMap((op) => (op as { tags?: string[] }).tags ?? []));
    expect(dialerTags).toContain('Webhook subscriptions');
    expect(dialerTags).not.toContain('Webhooks');

    // Each document carries only the schemas its own operations and webhooks reach.
    expect(Object.keys(dialer.components.schemas ?? {})).not.toContain('BroadcastPlayStateEvent');
    expect(Object.keys(broadcast.components.schemas ?? {})).toContain('BroadcastPlayStateEvent');
  });

  it('every $ref in each document resolves inside it', async () => {
    for (const spec of API_DOCUMENTS) {
      const doc = await document(spec.path);
      const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/(\w+)\/([^"]+)"/g)];
      for (const [, kind, name] of refs) expect((doc.components as Record<string, Record<string, unknown>>)[kind!]?.[name!], `${spec.path} ${kind}/${name}`).toBeDefined();
    }
  });
});
