/**
 * GET /metrics: who may scrape, and the HTTP answer. With METRICS_TOKEN set, a
 * request needs `Authorization: Bearer <token>`; without one, the endpoint
 * answers only on a loopback listener (a scraper on the same host, or an SSH
 * tunnel / sidecar), and 403 elsewhere. Served on the control server's port, or
 * on a listener of its own when METRICS_BIND is set (media-node/README.md "Metrics").
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual, createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { NodeMetrics } from './node-metrics.ts';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

export type MetricsAccess = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/** The decision alone, for the endpoint and its tests. */
export function metricsAccess(authorization: string | undefined, token: string | undefined, listenerHost: string): MetricsAccess {
  if (token) {
    const given = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (given === undefined) return { ok: false, status: 401, reason: 'bearer token required' };
    // Compare digests: equal length, constant time.
    const digest = (s: string) => createHash('sha256').update(s).digest();
    return timingSafeEqual(digest(given), digest(token)) ? { ok: true } : { ok: false, status: 401, reason: 'bad token' };
  }
  if (isLoopbackHost(listenerHost)) return { ok: true };
  return { ok: false, status: 403, reason: 'set METRICS_TOKEN to scrape a listener that is not on loopback' };
}

export async function serveMetrics(req: IncomingMessage, res: ServerResponse, metrics: NodeMetrics, token: string | undefined, listenerHost: string): Promise<void> {
  const access = metricsAccess(req.headers.authorization, token, listenerHost);
  if (!access.ok) {
    res.writeHead(access.status, { 'content-type': 'text/plain', ...(access.status === 401 ? { 'www-authenticate': 'Bearer' } : {}) });
    res.end(`${access.reason}\n`);
    return;
  }
  const { contentType, body } = await metrics.scrape();
  res.writeHead(200, { 'content-type': contentType });
  res.end(body);
}

/** A listener of its own (METRICS_BIND): GET /metrics only. */
export class MetricsServer {
  readonly #server: Server;

  constructor(
    private readonly metrics: NodeMetrics,
    private readonly token: string | undefined,
    private readonly host: string,
  ) {
    this.#server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      serveMetrics(req, res, this.metrics, this.token, this.host).catch((err: Error) => res.writeHead(500).end(err.message));
    });
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, this.host, () => resolve((this.#server.address() as { port: number }).port));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
