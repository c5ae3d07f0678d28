/**
 * Every compliance route of the dialer API in one module, so the /v1
 * assembly registers them with one line: the check, rules, audit, consents,
 * the DNC list and the operator's national registries.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { DialerEnv } from '../../env.ts';
import { checkRoutes } from './check-routes.ts';
import { rulesRoutes } from './rules-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { consentRoutes } from './consent-routes.ts';
import { registryRoutes } from './registry-routes.ts';
import { dialerDncRoutes } from '../../dnc/routes.ts';

export function complianceRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  app.route('/', registryRoutes());
  app.route('/', checkRoutes());
  app.route('/', rulesRoutes());
  app.route('/', auditRoutes());
  app.route('/', consentRoutes());
  app.route('/', dialerDncRoutes());
  return app;
}
