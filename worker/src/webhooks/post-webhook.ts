/**
 * One webhook attempt, shared by both APIs' outboxes: POST the stored body
 * verbatim, signed over those exact bytes, with the event id and the attempt
 * number in headers; a 2xx answered within the timeout is success, anything
 * else (another status, a network error, the timeout) is a failure with a
 * reason worth showing a customer.
 */
import { drainReply } from './drain-reply.ts';
import { signWebhookBody } from './signature.ts';

/** "Your endpoint must return a 2xx status within 10 seconds" (dialer spec); both APIs are held to it. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/** What each API calls its headers (Crier's for the broadcast API, the spec's X-BroadNet-* for the dialer API). */
export interface WebhookHeaderNames {
  eventId: string;
  signature: string;
  attempt: string;
  /** Only the dialer API names the event type in a header. */
  eventType?: string;
}

export interface WebhookRequest {
  url: string;
  secret: string;
  /** The raw body: signed and sent byte for byte. */
  body: string;
  eventId: string;
  attempt: number;
  eventType?: string;
  headers: WebhookHeaderNames;
  timeoutMs?: number;
  /**
   * The dialer API treats a 3xx as a failure (a signed event must not wander to
   * another host); the broadcast API has always followed redirects, and still does.
   */
  followRedirects?: boolean;
}

export interface WebhookAttemptResult {
  ok: boolean;
  /** The receiver's HTTP status, or null when none arrived (timeout, network error). */
  statusCode: number | null;
  /** Why the attempt failed; null on success. */
  error: string | null;
  durationMs: number;
}

export async function postWebhook(req: WebhookRequest, now: () => number = Date.now): Promise<WebhookAttemptResult> {
  const started = now();
  const timeoutMs = req.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Crier-Webhooks/1',
      [req.headers.eventId]: req.eventId,
      [req.headers.attempt]: String(req.attempt),
      [req.headers.signature]: await signWebhookBody(req.secret, req.body),
    };
    if (req.headers.eventType && req.eventType) headers[req.headers.eventType] = req.eventType;
    const res = await fetch(req.url, { method: 'POST', headers, body: req.body, redirect: req.followRedirects === false ? 'manual' : 'follow', signal: AbortSignal.timeout(timeoutMs) });
    statusCode = res.status;
    // The status decides; a reply body that breaks off after it does not undo a 2xx.
    await drainReply(res).catch(() => undefined);
    if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
  } catch (err) {
    const name = (err as Error).name;
    error = name === 'TimeoutError' || name === 'AbortError' ? `timeout: no response within ${timeoutMs} ms` : (err as Error).message || String(err);
  }
  return { ok: error === null, statusCode, error, durationMs: now() - started };
}
