/**
 * GET /v1/wallboard/feed (Crier addition): a WebSocket of the tenant's live
 * events for the wallboard and the agent desk (WallboardFeed). Browsers pass
 * the access token as ?access_token= (jwt-auth); supervisors and admins get
 * every agent.state_changed / call.* / campaign.* event, an agent only the
 * ones about themselves. Each message is one JSON event
 * {type, occurred_at, correlation_id, payload} (payload as in the webhooks);
 * the first is {type: "feed.ready"}. Nothing is replayed: re-read the REST
 * endpoints after every (re)connect.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { DialerEnv } from '../env.ts';
import { ProblemError, problemContent } from '../errors/problem.ts';
import { type FeedViewer } from '../durable/wallboard-feed/index.ts';
import { wallboardFeed } from '../durable/stubs.ts';

export function wallboardRoutes() {
  const app = new OpenAPIHono<DialerEnv>();

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/wallboard/feed',
    summary: 'Live event feed over WebSocket (wallboard, agent desk; Crier addition)',
    description:
      'Upgrade to a WebSocket (the access token may be sent as ?access_token=). Messages are JSON events {type, occurred_at, correlation_id, payload}: agent.state_changed, call.*, campaign.*, payloads as in the webhooks; first {type: "feed.ready"}. Agents receive only events about themselves. No replay: re-read the REST endpoints after every (re)connect. Closed with 4001 once the token has expired.',
    tags: ['Agents'],
    security: [{ bearerAuth: [] }],
    responses: {
      101: { description: 'Switching protocols' },
      401: { description: 'No valid token', ...problemContent },
      426: { description: 'Not a WebSocket upgrade', ...problemContent },
    },
  });
  app.get('/v1/wallboard/feed', async (c) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      throw new ProblemError({ status: 426, slug: 'upgrade-required', title: 'Upgrade required', detail: 'Open this URL as a WebSocket (Upgrade: websocket).' });
    }
    const user = c.get('user');
    const viewer: FeedViewer = { userId: user.userId, role: user.role, expiresAtMs: c.get('tokenExpiresAtMs') };
    const headers = new Headers(c.req.raw.headers);
    headers.set('x-crier-feed-viewer', JSON.stringify(viewer));
    const upgraded = await wallboardFeed(c.env, user.tenantId).fetch(new Request(c.req.url, { headers }));
    // A fresh response: the stub's has immutable headers, and middleware (the rate limit) adds some.
    return new Response(upgraded.body, { status: upgraded.status, headers: new Headers(upgraded.headers), webSocket: upgraded.webSocket });
  });

  return app;
}
