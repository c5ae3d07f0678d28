/**
 * The campaign side of the dialer API in one mount: CLI groups, campaigns,
 * their contacts and contact search (see each module for its routes).
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { DialerEnv } from '../env.ts';
import { cliGroupRoutes } from '../cli-groups/routes.ts';
import { campaignRoutes } from './routes.ts';
import { campaignAgentRoutes } from './assignment/routes.ts';
import { dialerSettingsRoutes } from './dialer-settings-routes.ts';
import { previewRoutes } from './preview-routes.ts';
import { dialerViewRoutes } from './dialer-view-route.ts';
import { contactRoutes } from '../contacts/routes.ts';
import { contactSearchRoutes } from '../contacts/search-routes.ts';

export function campaignAreaRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  app.route('/', cliGroupRoutes());
  app.route('/', campaignRoutes());
  app.route('/', campaignAgentRoutes());
  app.route('/', dialerSettingsRoutes());
  app.route('/', previewRoutes());
  app.route('/', dialerViewRoutes());
  app.route('/', contactRoutes());
  app.route('/', contactSearchRoutes());
  return app;
}
