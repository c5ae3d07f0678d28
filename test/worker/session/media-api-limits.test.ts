// The internal media-node routes judge a request by its headers before its
// body (issue 16: an unsigned 150 MB PUT was read whole before its 401).
// Bodies here are streams that record whether anyone read them.
import { SELF, createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import app from '../../../worker/src/index.ts';
import { MediaPaths, signMessage, signBinary, CONTENT_SHA256_HEADER } from '../../../worker/src/media-protocol/index.ts';
import { MAX_NODE_MESSAGE_BYTES } from '../../../worker/src/media-api/verify-node.ts';
import { BASE } from '../helpers/tenant.ts';

/** A body that counts the chunks pulled from it: `mib` MiB of zeros. No read ahead, so every pull is a reader's. */
function watchedBody(mib: number) {
  const seen = { pulls: 0 };
  const chunk = new Uint8Array(1024 * 1024);
  let left = mib;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        seen.pulls++;
        if (left-- > 0) controller.enqueue(chunk);
        else controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, seen };
}

const send = (method: string, path: string, body: BodyInit, headers: Record<string, string>) =>
  SELF.fetch(`${BASE}${path}`, { method, body, headers, duplex: 'half' } as RequestInit);

/**
 * A body the Worker must refuse unread goes to the app in-process, not through
 * SELF.fetch: there the runtime pumps the test's stream into a pipe, and when
 * the Worker answers without reading, that pump's pending write fails once the
 * request ends; workerd reports it as an uncaught "Network connection lost"
 * that no test can catch (seven per suite run, traced to this file). In-process
 * the stream is the request body itself, so "never read" is exact: no pull, no
 * reader. The stream is then cancelled, as a client drops an upload it no longer needs.
 */
async function sendUnread(method: string, path: string, body: ReadableStream<Uint8Array>, headers: Record<string, string>, seen: { pulls: number }) {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`${BASE}${path}`, { method, body, headers, duplex: 'half' } as RequestInit), env, ctx);
  await waitOnExecutionContext(ctx);
  expect(seen.pulls).toBe(0);
  expect(body.locked).toBe(false);
  await body.cancel('answered');
  return res;
}

async function problem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as { status: number; detail: string };
}

describe('recording upload', () => {
  it('refuses an unsigned upload with 401 without reading its body', async () => {
    const { stream, seen } = watchedBody(150);
    await problem(await sendUnread('PUT', `${MediaPaths.recordings}/rec-unknown`, stream, { 'content-type': 'audio/wav' }, seen), 401);
  });

  it('refuses a wrongly signed upload with 401 from its headers alone', async () => {
    const signed = await signBinary('not-the-secret', new Uint8Array([1, 2, 3]));
    const { stream, seen } = watchedBody(150);
    await problem(await sendUnread('PUT', `${MediaPaths.recordings}/rec-unknown`, stream, { 'content-type': 'audio/wav', ...signed }, seen), 401);
  });

  it('refuses a signed upload declaring more than 200 MiB with 413, and one with no length with 411', async () => {
    const digest = '0'.repeat(64);
    const headers = { 'content-type': 'audio/wav', ...(await signMessage(env.MEDIA_SHARED_SECRET, digest)), [CONTENT_SHA256_HEADER]: digest };
    const big = await send('PUT', `${MediaPaths.recordings}/rec-unknown`, new Uint8Array(16), { ...headers, 'content-length': String(201 * 1024 * 1024) }).catch((err: Error) => err);
    // workerd may refuse to send a body shorter than its declared length; either way nothing was stored.
    if (big instanceof Response) await problem(big, 413);
    const { stream, seen } = watchedBody(1);
    await problem(await sendUnread('PUT', `${MediaPaths.recordings}/rec-unknown`, stream, headers, seen), 411);
  });
});

describe('heartbeat and events', () => {
  it.each([MediaPaths.heartbeat, MediaPaths.events])('%s: unsigned → 401 without reading the body', async (path) => {
    const { stream, seen } = watchedBody(50);
    await problem(await sendUnread('POST', path, stream, { 'content-type': 'application/json' }, seen), 401);
  });

  it.each([MediaPaths.heartbeat, MediaPaths.events])('%s: stale timestamp → 401 without reading the body', async (path) => {
    const { stream, seen } = watchedBody(50);
    const headers = await signMessage(env.MEDIA_SHARED_SECRET, '{}', Date.now() - 10 * 60_000);
    await problem(await sendUnread('POST', path, stream, { 'content-type': 'application/json', ...headers }, seen), 401);
  });

  it.each([MediaPaths.heartbeat, MediaPaths.events])('%s: a chunked body past the limit → 413, declared or not', async (path) => {
    const headers = { 'content-type': 'application/json', ...(await signMessage(env.MEDIA_SHARED_SECRET, 'not this body')) };
    const { stream, seen } = watchedBody(MAX_NODE_MESSAGE_BYTES / (1024 * 1024) + 20);
    await problem(await send('POST', path, stream, headers), 413);
    // The rest is drained, not cancelled (middleware/body-limit): the whole upload was read, none of it kept.
    expect(seen.pulls).toBeGreaterThan(MAX_NODE_MESSAGE_BYTES / (1024 * 1024) + 20);
    const declared = new Uint8Array(MAX_NODE_MESSAGE_BYTES + 1);
    await problem(await send('POST', path, declared, headers), 413);
  });
});
