/**
 * GET /healthz: liveness for load balancers and the local stack, plus how many
 * media nodes are alive (the stack waits for one before saying it is ready).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { mediaFleet } from '../durable/stubs.ts';

export function healthRoutes() {
  const app = new Hono<AppEnv>();
  app.get('/healthz', async (c) => {
    const nodes = await mediaFleet(c.env).nodes();
    return c.json({ ok: true, live_media_nodes: nodes.filter((n) => n.alive && !n.draining).length, timestamp: new Date().toISOString() });
  });
  return app;
}
