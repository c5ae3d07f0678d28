// Reading a webhook reply to its end (webhooks/drain-reply.ts): a declared
// length in one go, a chunked reply from the network in one BYOB read when it
// is small, several reads when it is not, bodies made in JavaScript through
// the default reader, and never more than the bound (the rest is cancelled).
import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
import { drainReply, SMALL_REPLY_BYTES } from '../../../worker/src/webhooks/drain-reply.ts';

function jsBody(chunks: Uint8Array[], onCancel: () => void = () => {}): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else controller.close();
    },
    cancel: onCancel,
  });
}

describe('drainReply', () => {
  it('reads a reply that declares its length', async () => {
    expect(await drainReply(new Response('{"ok":true}', { headers: { 'content-length': '11' } }))).toBe(11);
  });

  it('reads a body made in JavaScript chunk by chunk, to its end', async () => {
    const chunks = [new Uint8Array(3), new Uint8Array(SMALL_REPLY_BYTES * 2), new Uint8Array(5)];
    expect(await drainReply(new Response(jsBody(chunks)))).toBe(3 + SMALL_REPLY_BYTES * 2 + 5);
  });

  it('stops past the bound and cancels the rest', async () => {
    let cancelled = false;
    const chunks = Array.from({ length: 10 }, () => new Uint8Array(1000));
    const read = await drainReply(new Response(jsBody(chunks, () => (cancelled = true))), 2500);
    expect(read).toBe(3000);
    expect(cancelled).toBe(true);
  });

  it('reads a chunked reply from the network, small (one read) or large (several), and stops past the bound', async () => {
    // The test receiver answers chunked (writeHead then end, no length), as the bench's does.
    const base = inject('receiverUrl');
    const small = await fetch(`${base}/hooks/drain-${crypto.randomUUID()}`, { method: 'POST', body: '{}' });
    expect(small.headers.get('content-length')).toBeNull();
    expect(await drainReply(small)).toBe('{"ok":true}'.length);
    // GET /hooks/<box> answers the box's deliveries: one delivery with a large body makes a large chunked reply.
    const boxName = `drain-large-${crypto.randomUUID()}`;
    await fetch(`${base}/hooks/${boxName}`, { method: 'POST', body: JSON.stringify({ pad: 'x'.repeat(20_000) }) });
    const large = await fetch(`${base}/hooks/${boxName}`);
    expect(large.headers.get('content-length')).toBeNull();
    const bytes = await drainReply(large.clone());
    expect(bytes).toBe(new TextEncoder().encode(await large.text()).byteLength);
    expect(bytes).toBeGreaterThan(SMALL_REPLY_BYTES);
    const again = await fetch(`${base}/hooks/${boxName}`);
    expect(await drainReply(again, 5000)).toBeLessThan(5000 + SMALL_REPLY_BYTES + 2);
  });
});
