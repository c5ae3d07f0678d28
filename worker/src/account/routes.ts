/**
 * Tenant-level routes reachable with the broadcast API's Basic credentials
 * (Crier additions, docs/broadcast-api.md): account settings and the DNC list.
 * Authentication is applied here, once, for both.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env.ts';
import { appAuth } from '../middleware/app-auth/index.ts';
import { settingsRoutes } from './settings-routes.ts';
import { dncRoutes } from './dnc-routes.ts';

export function accountRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('/voice/v1/account/*', appAuth());
  app.use('/voice/v1/dnc', appAuth());
  app.use('/voice/v1/dnc/*', appAuth());
  app.route('/', settingsRoutes());
  app.route('/', dncRoutes());
  return app;
}
