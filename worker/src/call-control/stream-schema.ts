/**
 * PUT /voice/v1/call/{voice_id}/stream: the request and response bodies.
 * `{ "wss_host": "wss://..." }` starts a stream (replacing a running one);
 * `{ "stop": true }` is Crier's way to stop it; the two are exclusive, like
 * recording's start and stop. Only an absolute wss:// URL is accepted (the spec
 * refuses plain ws://). The host must pass the outbound-URL policy
 * (outbound-urls/url-policy.ts: no loopback, private or link-local address);
 * whether it is reachable and trusted is the media node's to find out: it
 * reports that in a stream webhook.
 */
import { z } from '@hono/zod-openapi';
import { outboundUrlProblem } from '../outbound-urls/url-policy.ts';

/** The outbound-URL policy for a wss_host the schema accepted (it depends on the deployment's development setting). */
export function wssHostPolicyProblem(value: string, allowLoopback: boolean): string | null {
  return outboundUrlProblem(value, { schemes: ['wss:'], allowLoopback });
}

/** Why `value` is not a usable wss:// URL, or null if it is. */
export function wssHostProblem(value: string): string | null {
  if (/^ws:\/\//i.test(value)) return 'must use the wss:// scheme: plain ws:// is not accepted';
  if (!/^wss:\/\//i.test(value)) return 'must be an absolute wss:// URL';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute wss:// URL';
  }
  if (!url.hostname) return 'must name a host';
  if (url.username || url.password) return 'must not carry credentials (put a token in the query string)';
  if (url.hash) return 'must not have a #fragment (WebSocket URLs cannot)';
  return null;
}

export const StreamBodySchema = z
  .object({
    wss_host: z.string().max(2048).optional().openapi({ example: 'wss://your-websocket-url/ws', description: 'Start streaming to this wss:// URL (replaces a running stream).' }),
    stop: z.literal(true).optional().openapi({ description: 'Crier addition: stop the running stream. Exclusive with wss_host.' }),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.wss_host !== undefined) {
      const problem = wssHostProblem(b.wss_host);
      if (problem) ctx.addIssue({ code: 'custom', path: ['wss_host'], message: problem });
    }
    if (b.wss_host !== undefined && b.stop) ctx.addIssue({ code: 'custom', path: ['stop'], message: 'wss_host and stop are mutually exclusive: send one or the other' });
    else if (b.wss_host === undefined && !b.stop) ctx.addIssue({ code: 'custom', path: ['wss_host'], message: 'is required: send {"wss_host": "wss://..."} or {"stop": true}' });
  })
  .openapi('StreamRequest');

export const StreamResponseSchema = z
  .object({
    broadcast_id: z.string(),
    voice_id: z.string(),
    state: z.enum(['stream_started', 'stream_stopped']),
    wss_host: z.string().optional().openapi({ description: 'Present when the stream started.' }),
    timestamp: z.string(),
  })
  .openapi('StreamResponse');
