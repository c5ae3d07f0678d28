/** Worker entry: the HTTP app and the Durable Object classes wrangler binds. */
import { buildApp } from './app.ts';

export { BroadcastSession } from './durable/broadcast-session/index.ts';
export { MediaFleet } from './durable/media-fleet/index.ts';
export { TenantPacer } from './durable/tenant-pacer/index.ts';
export { RateLimiter } from './durable/rate-limiter/index.ts';
export { TenantEvents } from './durable/tenant-events/index.ts';
export { AgentFloor } from './durable/agent-floor/index.ts';
export { AgentCall } from './durable/agent-call/index.ts';
export { WebhookSender } from './durable/webhook-sender/index.ts';
export { CampaignDialer } from './durable/campaign-dialer/index.ts';
export { WallboardFeed } from './durable/wallboard-feed/index.ts';

const app = buildApp();
export default app;
