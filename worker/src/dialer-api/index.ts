/**
 * The dialer API (/v1, dialer-campaign-api.txt) assembled: who may call what
 * is decided here, once, for every route — sign-in and the platform
 * operator's routes are public to the bearer check, everything else needs a
 * user's access token and counts against the tenant's rate limit. Resource
 * modules add their routes and their role checks.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { DialerEnv } from '../env.ts';
import { jwtAuth, PUBLIC_DIALER_PATHS } from '../middleware/jwt-auth/index.ts';
import { tenantRateLimit } from '../middleware/rate-limit/index.ts';
import { authRoutes } from '../auth/routes.ts';
import { platformRoutes } from '../platform/routes.ts';
import { userRoutes } from '../users/routes.ts';
import { tenantRoutes } from '../tenant/routes.ts';
import { appRoutes } from '../apps/routes.ts';
import { campaignAreaRoutes } from '../campaigns/index.ts';
import { complianceRoutes } from '../compliance/routes/index.ts';
import { webhookSubscriptionRoutes } from '../webhook-subscriptions/routes.ts';
import { agentRoutes } from '../agents/routes.ts';
import { sipCredentialRoutes } from '../sip-credentials/routes.ts';
import { dispositionRoutes } from '../dispositions/routes.ts';
import { callRoutes } from '../calls/routes.ts';
import { originateRoutes } from '../originate/routes.ts';
import { dialerRecordingRoutes } from '../recordings/dialer-routes.ts';
import { reportRoutes } from '../reports/routes.ts';
import { wallboardRoutes } from '../wallboard/routes.ts';
import { myDeskRoutes } from '../agents/my-desk-route.ts';

export function dialerApiRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  const authenticated = jwtAuth({ except: PUBLIC_DIALER_PATHS });
  const limited: typeof authenticated = (c, next) => (PUBLIC_DIALER_PATHS.some((p) => c.req.path.startsWith(p)) ? next() : tenantRateLimit()(c, next));
  app.use('/v1/*', authenticated, limited);

  app.route('/', authRoutes());
  app.route('/', platformRoutes());
  app.route('/', tenantRoutes());
  app.route('/', userRoutes());
  app.route('/', appRoutes());
  app.route('/', campaignAreaRoutes());
  app.route('/', complianceRoutes());
  app.route('/', webhookSubscriptionRoutes());
  app.route('/', agentRoutes());
  app.route('/', sipCredentialRoutes());
  app.route('/', dispositionRoutes());
  app.route('/', callRoutes());
  app.route('/', originateRoutes());
  app.route('/', dialerRecordingRoutes());
  app.route('/', reportRoutes());
  app.route('/', wallboardRoutes());
  app.route('/', myDeskRoutes());
  return app;
}
