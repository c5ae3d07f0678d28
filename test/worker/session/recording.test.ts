// PUT /voice/v1/call/{voice_id}/recording as documented, the node's signed
// upload into R2 with metadata in D1, and the Basic-auth listing and signed,
// expiring download URL served by the Worker.
import { SELF, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { signBinary } from '../../../worker/src/media-protocol/index.ts';
import { BASE, dialOneLeg, postEvents, seedTenant, stopNodesAfterEach } from './harness.ts';

const stops = stopNodesAfterEach();
const rec = (voiceId: string, auth: string, body: unknown) =>
  SELF.fetch(`${BASE}/voice/v1/call/${voiceId}/recording`, { method: 'PUT', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('recording', () => {
  it('starts and stops with the documented bodies; the node’s upload becomes a downloadable recording', async () => {
    const leg = await dialOneLeg(stops);
    await postEvents(leg.nodeId, [leg.script.ringing(), leg.script.connected()]);
    const started = await rec(leg.voiceId, leg.tenant.auth, { start: true, recording_name: 'my_voice_recording' });
    expect(started.status).toBe(200);
    const startBody = (await started.json()) as Record<string, unknown>;
    expect(Object.keys(startBody).sort()).toEqual(['broadcast_id', 'recording_name', 'state', 'timestamp', 'voice_id']);
    expect(startBody).toMatchObject({ broadcast_id: leg.broadcastId, voice_id: leg.voiceId, recording_name: 'my_voice_recording', state: 'recording_started' });
    const cmd = (await leg.node.commands()).find((c) => c.type === 'recording')!;
    expect(cmd).toMatchObject({ action: 'start', voice_id: leg.voiceId });

    const stopped = await rec(leg.voiceId, leg.tenant.auth, { stop: true });
    expect(await stopped.json()).toMatchObject({ broadcast_id: leg.broadcastId, voice_id: leg.voiceId, state: 'recording_stopped' });
    expect((await rec(leg.voiceId, leg.tenant.auth, { stop: true })).status).toBe(409);

    // The node uploads the file, signed over its SHA-256.
    const wav = new Uint8Array(44 + 16000).fill(7);
    const put = (body: Uint8Array, headers: Record<string, string>) =>
      SELF.fetch(`${BASE}/internal/media/v1/recordings/${cmd.recording_id}?duration_ms=1000`, { method: 'PUT', headers: { 'content-type': 'audio/wav', ...headers }, body });
    expect((await put(wav, await signBinary('wrong-secret', wav))).status).toBe(401);
    expect((await put(wav, await signBinary(env.MEDIA_SHARED_SECRET, new Uint8Array([1])))).status).toBe(401);
    expect((await put(wav, await signBinary(env.MEDIA_SHARED_SECRET, wav))).status).toBe(200);

    const list = (await (await SELF.fetch(`${BASE}/voice/v1/recordings`, { headers: { authorization: leg.tenant.auth } })).json()) as { items: Array<Record<string, unknown>> };
    expect(list.items[0]).toMatchObject({ id: cmd.recording_id, call_id: leg.voiceId, recording_name: 'my_voice_recording', status: 'stored', format: 'wav', duration_seconds: 1, size_bytes: wav.length });
    const other = await seedTenant();
    expect(((await (await SELF.fetch(`${BASE}/voice/v1/recordings`, { headers: { authorization: other.auth } })).json()) as { items: unknown[] }).items).toHaveLength(0);
    expect((await SELF.fetch(`${BASE}/voice/v1/recordings/${cmd.recording_id}/url`, { headers: { authorization: other.auth } })).status).toBe(404);

    const signed = (await (await SELF.fetch(`${BASE}/voice/v1/recordings/${cmd.recording_id}/url`, { headers: { authorization: leg.tenant.auth } })).json()) as { url: string; expires_at: string };
    const expiresIn = Date.parse(signed.expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(3500_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    const file = await SELF.fetch(signed.url);
    expect(file.status).toBe(200);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(wav);
    expect((await SELF.fetch(signed.url.replace(/expires=\d+/, 'expires=9999999999'))).status).toBe(403);
    const row = await env.DB.prepare('SELECT recording_id FROM calls WHERE id = ?').bind(leg.voiceId).first();
    expect(row?.recording_id).toBe(cmd.recording_id);
  });

  it('refuses start and stop together, neither, or a start without a name (400); before answer (409); other tenant (404)', async () => {
    const leg = await dialOneLeg(stops);
    const cases: Array<[unknown, string]> = [
      [{ start: true, stop: true, recording_name: 'x' }, '/stop'],
      [{}, '/start'],
      [{ start: true }, '/recording_name'],
      [{ start: false, recording_name: 'x' }, '/start'],
    ];
    for (const [body, pointer] of cases) {
      const res = await rec(leg.voiceId, leg.tenant.auth, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { errors: Array<{ pointer: string }> }).errors.map((e) => e.pointer)).toContain(pointer);
    }
    expect((await rec(leg.voiceId, leg.tenant.auth, { start: true, recording_name: 'x' })).status).toBe(409);
    expect((await rec(leg.voiceId, (await seedTenant()).auth, { start: true, recording_name: 'x' })).status).toBe(404);
  });
});
