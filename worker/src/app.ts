/**
 * Builds the Hono app: the routes of both APIs, the internal media-node API,
 * the OpenAPI document, and the single place where errors become responses.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv, Env } from './env.ts';
import { DIALER_TYPE_BASE, ProblemError, TYPE_BASE, problemResponse } from './errors/problem.ts';
import { fieldIssues } from './errors/zod-issues.ts';
import { Problems } from './errors/problem.ts';
import { broadcastRoutes } from './broadcast/routes.ts';
import { callControlRoutes } from './call-control/routes.ts';
import { accountRoutes } from './account/routes.ts';
import { mediaApiRoutes } from './media-api/routes.ts';
import { promptRoutes } from './prompts/routes.ts';
import { healthRoutes } from './health/routes.ts';
import { recordingRoutes } from './recordings/routes.ts';
import { dialerApiRoutes } from './dialer-api/index.ts';
import { serveApiReference } from './api-reference/routes.ts';
import { pageRoutes } from './pages/routes.ts';

export function buildApp() {
  const app = new OpenAPIHono<AppEnv>({
    // Validation failures from route schemas become 400 problem+json naming every field.
    defaultHook: (result) => {
      if (!result.success) throw Problems.validation(fieldIssues(result.error));
    },
  });

  app.route('/', broadcastRoutes());
  app.route('/', callControlRoutes());
  app.route('/', accountRoutes());
  app.route('/', healthRoutes());
  app.route('/', promptRoutes());
  app.route('/', recordingRoutes());
  app.route('/', mediaApiRoutes());
  app.route('/', dialerApiRoutes() as unknown as OpenAPIHono<AppEnv>);
  app.route('/', pageRoutes());

  app.openAPIRegistry.registerComponent('securitySchemes', 'basicAuth', { type: 'http', scheme: 'basic' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'platformToken', { type: 'http', scheme: 'bearer' });
  // Both OpenAPI documents (one registry, each API's paths and webhooks) and the /docs page.
  serveApiReference(app);

  app.notFound((c) => problemResponse({ status: 404, slug: 'not-found', title: 'Not found', detail: 'No such route.' }, typeBaseFor(c.req.path, c.env)));
  app.onError((err, c) => {
    const typeBase = typeBaseFor(c.req.path, c.env);
    if (err instanceof ProblemError) return problemResponse(err.init, typeBase);
    // Hono's own validators and helpers throw HTTPException (e.g. a bad Content-Type on a validated body).
    if (err instanceof HTTPException && err.status < 500) {
      return problemResponse({ status: err.status, slug: 'bad-request', title: 'Bad request', detail: err.message || 'The request was not accepted.' }, typeBase);
    }
    // The instance id ties a client's report to this log line ("contact support with instance ID").
    const instance = `urn:crier:request:${crypto.randomUUID()}`;
    console.error(JSON.stringify({ msg: 'unhandled error', instance, path: c.req.path, method: c.req.method, error: String(err), stack: (err as Error).stack }));
    return problemResponse({ status: 500, slug: 'internal', title: 'Internal error', detail: 'An unexpected error occurred; it has been logged.', extra: { instance } }, typeBase);
  });
  return app;
}

/** The dialer API answers with the spec's problem `type` URIs; everything else with Crier's. */
function typeBaseFor(path: string, env: Env): string {
  return path === '/v1' || path.startsWith('/v1/') ? (env.DIALER_PROBLEM_TYPE_BASE ?? DIALER_TYPE_BASE) : TYPE_BASE;
}
