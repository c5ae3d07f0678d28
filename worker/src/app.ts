/**
 * Builds the Hono app: the routes of both APIs, the internal media-node API,
 * the OpenAPI document, and the single place where errors become responses.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './env.ts';
import { ProblemError, problemResponse } from './errors/problem.ts';
import { fieldIssues } from './errors/zod-issues.ts';
import { Problems } from './errors/problem.ts';
import { broadcastRoutes } from './broadcast/routes.ts';
import { callControlRoutes } from './call-control/routes.ts';
import { accountRoutes } from './account/routes.ts';
import { mediaApiRoutes } from './media-api/routes.ts';
import { promptRoutes } from './prompts/routes.ts';
import { healthRoutes } from './health/routes.ts';
import { recordingRoutes } from './recordings/routes.ts';

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

  app.doc31('/voice/v1/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Crier Voice Broadcast API', version: '1.0.0' },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'basicAuth', { type: 'http', scheme: 'basic' });

  app.notFound(() => problemResponse({ status: 404, slug: 'not-found', title: 'Not found', detail: 'No such route.' }));
  app.onError((err, c) => {
    if (err instanceof ProblemError) return problemResponse(err.init);
    // Hono's own validators and helpers throw HTTPException (e.g. a bad Content-Type on a validated body).
    if (err instanceof HTTPException && err.status < 500) {
      return problemResponse({ status: err.status, slug: 'bad-request', title: 'Bad request', detail: err.message || 'The request was not accepted.' });
    }
    console.error(JSON.stringify({ msg: 'unhandled error', path: c.req.path, method: c.req.method, error: String(err), stack: (err as Error).stack }));
    return problemResponse({ status: 500, slug: 'internal', title: 'Internal error', detail: 'An unexpected error occurred; it has been logged.' });
  });
  return app;
}
