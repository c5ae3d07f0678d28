/**
 * Downloads audio bytes safely: one deadline for the whole transfer, a byte
 * cap enforced while streaming (a lying or missing Content-Length does not
 * help), conditional-GET headers in and validators out, at most a few
 * redirects each re-checked by the SSRF guard. Uses node:http(s) rather than
 * fetch so the guard's DNS lookup is the one the socket connects with.
 */
import http from 'node:http';
import https from 'node:https';
import { AudioError } from './audio-error.ts';
import { checkAudioUrl, guardedLookup } from './url-guard.ts';

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  allowPrivateAddresses: boolean;
  maxRedirects?: number;
}

export interface FetchedAudio {
  status: 200 | 304 | 404;
  body: Buffer;
  etag?: string;
  lastModified?: string;
}

export async function fetchAudioBytes(url: string, limits: FetchLimits, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<FetchedAudio> {
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
  let current = url;
  for (let hop = 0; hop <= (limits.maxRedirects ?? 3); hop++) {
    const result = await requestOnce(current, limits, headers, combined, deadline, url);
    if (result.kind === 'done') return result.value;
    current = new URL(result.location, current).toString();
  }
  throw new AudioError('fetch_failed', `too many redirects fetching ${url}`);
}

type Once = { kind: 'done'; value: FetchedAudio } | { kind: 'redirect'; location: string };

function requestOnce(url: string, limits: FetchLimits, headers: Record<string, string>, signal: AbortSignal, deadline: AbortSignal, original: string): Promise<Once> {
  const target = checkAudioUrl(url, limits.allowPrivateAddresses);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<Once>((resolve, reject) => {
    const fail = (err: unknown): void => {
      if (err instanceof AudioError) return reject(err);
      if (deadline.aborted) return reject(new AudioError('fetch_timeout', `fetching ${original} took longer than ${limits.timeoutMs} ms`));
      if (signal.aborted) return reject(new AudioError('aborted', `fetching ${original} was aborted`));
      reject(new AudioError('fetch_failed', `could not fetch ${original}: ${(err as Error).message}`, { cause: err }));
    };
    const req = client.get(target, { headers: { 'user-agent': 'crier-media-node', accept: 'audio/*, */*;q=0.5', ...headers }, lookup: guardedLookup(limits.allowPrivateAddresses) as never, signal }, (res) => {
      const status = res.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
        res.resume();
        return resolve({ kind: 'redirect', location: res.headers.location });
      }
      if (status === 304 || status === 404) {
        res.resume();
        return resolve({ kind: 'done', value: { status, body: Buffer.alloc(0) } });
      }
      if (status !== 200) {
        res.resume();
        return reject(new AudioError('fetch_failed', `fetching ${original} answered HTTP ${status}`));
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (declared > limits.maxBytes) {
        req.destroy();
        return reject(new AudioError('too_large', `${original} is ${declared} bytes, over the ${limits.maxBytes} byte limit`));
      }
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > limits.maxBytes) {
          req.destroy();
          return reject(new AudioError('too_large', `${original} is over the ${limits.maxBytes} byte limit`));
        }
        chunks.push(chunk);
      });
      res.on('error', fail);
      // Some aborts end the response with only 'close': settle anyway (later settles are no-ops).
      res.on('close', () => {
        if (!res.complete) fail(new Error('connection closed before the download ended'));
      });
      res.on('end', () => {
        if (total > limits.maxBytes) return;
        const etag = res.headers.etag;
        const lastModified = res.headers['last-modified'];
        resolve({ kind: 'done', value: { status: 200, body: Buffer.concat(chunks), ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) } });
      });
    });
    req.on('error', fail);
  });
}
