import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

describe('worker smoke', () => {
  it('answers unknown routes with problem+json 404', async () => {
    const res = await SELF.fetch('http://crier.test/nope');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('health', () => {
  it('reports liveness and live media nodes', async () => {
    const res = await SELF.fetch('http://crier.test/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, live_media_nodes: expect.any(Number) });
  });
});
