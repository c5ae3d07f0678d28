// Prompt upload, versioning, listing, deletion, tenancy, and the signed URL a
// media node uses to fetch the audio.
import { SELF, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { seedTenant, BASE } from '../session/harness.ts';
import { resolvePlay } from '../../../worker/src/media-dispatch/resolve-play.ts';

function upload(auth: string, name: string | null, bytes: Uint8Array | null, type = 'audio/wav') {
  const form = new FormData();
  if (name !== null) form.set('prompt_name', name);
  if (bytes) form.set('file', new File([bytes], 'a.wav', { type }));
  return SELF.fetch(`${BASE}/voice/v1/prompts`, { method: 'POST', headers: { authorization: auth }, body: form });
}

describe('prompts', () => {
  it('uploads, versions, lists and deletes, scoped to the tenant', async () => {
    const t = await seedTenant();
    const other = await seedTenant();
    const first = await upload(t.auth, 'welcome_prompt', new Uint8Array([1, 2, 3]));
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ prompt_name: 'welcome_prompt', version: 1, size_bytes: 3, content_type: 'audio/wav' });
    const second = await upload(t.auth, 'welcome_prompt', new Uint8Array([4, 5, 6, 7]));
    expect(await second.json()).toMatchObject({ version: 2, size_bytes: 4 });

    const list = (await (await SELF.fetch(`${BASE}/voice/v1/prompts`, { headers: { authorization: t.auth } })).json()) as { items: unknown[]; total: number };
    expect(list.total).toBe(1);
    const otherList = (await (await SELF.fetch(`${BASE}/voice/v1/prompts`, { headers: { authorization: other.auth } })).json()) as { total: number };
    expect(otherList.total).toBe(0);
    expect((await env.BLOBS.list({ prefix: `prompts/${t.tenantId}/` })).objects.map((o) => o.key)).toEqual([`prompts/${t.tenantId}/welcome_prompt/2`]);

    expect((await SELF.fetch(`${BASE}/voice/v1/prompts/welcome_prompt`, { method: 'DELETE', headers: { authorization: other.auth } })).status).toBe(404);
    expect((await SELF.fetch(`${BASE}/voice/v1/prompts/welcome_prompt`, { method: 'DELETE', headers: { authorization: t.auth } })).status).toBe(204);
    expect((await SELF.fetch(`${BASE}/voice/v1/prompts/welcome_prompt`, { method: 'DELETE', headers: { authorization: t.auth } })).status).toBe(404);
  });

  it('names the failing field and refuses non-multipart bodies', async () => {
    const t = await seedTenant();
    const bad = await upload(t.auth, 'bad name!', null);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Array<{ pointer: string }> }).errors.map((e) => e.pointer)).toEqual(['/prompt_name', '/file']);
    const json = await SELF.fetch(`${BASE}/voice/v1/prompts`, { method: 'POST', headers: { authorization: t.auth, 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
    expect((await SELF.fetch(`${BASE}/voice/v1/prompts`, { method: 'POST', body: new FormData() })).status).toBe(401);
  });

  it('refuses a chunked upload past the limit with 413 without buffering it (no Content-Length to refuse up front)', async () => {
    const t = await seedTenant();
    const boundary = 'fuzzboundary';
    const head = new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="prompt_name"\r\n\r\nbig\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`);
    const chunk = new Uint8Array(1024 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(head);
        if (sent++ < 22) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await SELF.fetch(`${BASE}/voice/v1/prompts`, { method: 'POST', headers: { authorization: t.auth, 'content-type': `multipart/form-data; boundary=${boundary}` }, body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('serves the audio to media nodes only through an unexpired signed URL', async () => {
    const t = await seedTenant();
    await upload(t.auth, 'hello', new Uint8Array([9, 8, 7]));
    const spec = await resolvePlay(
      { type: 'file', prompt_name: 'hello', prompt_ref: 'r' },
      { tenantId: t.tenantId, baseUrl: BASE, secret: env.URL_SIGNING_SECRET, promptVersion: async () => 1 },
    );
    if (spec.type !== 'prompt') throw new Error('expected a prompt spec');
    const ok = await SELF.fetch(spec.fetch_url);
    expect(ok.status).toBe(200);
    expect(new Uint8Array(await ok.arrayBuffer())).toEqual(new Uint8Array([9, 8, 7]));
    const last = spec.fetch_url.at(-1)!;
    const tampered = spec.fetch_url.slice(0, -1) + (last === '0' ? '1' : '0');
    expect((await SELF.fetch(tampered)).status).toBe(403);
    const unsigned = spec.fetch_url.split('?')[0]!;
    expect((await SELF.fetch(unsigned)).status).toBe(403);
  });
});
