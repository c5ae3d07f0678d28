// A broadcast's whole life against a protocol-level media node stand-in:
// originate commands (signed), node events → ordered, signed webhooks with the
// documented payloads → exactly one broadcastcall_complete.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { verifyMessage } from '../../../worker/src/media-protocol/index.ts';
import { signWebhookBody } from '../../../worker/src/webhooks/signature.ts';
import { box, dialOneLeg, legScript, postEvents, recipients, seedTenant, startBroadcast, startNode, stopNodesAfterEach, waitFor } from './harness.ts';

const stops = stopNodesAfterEach();

describe('broadcast lifecycle', () => {
  it('dials every leg through the node, delivers documented webhooks in order, completes once', async () => {
    const tenant = await seedTenant();
    const hooks = box();
    const node = box();
    const nodeId = `node-${node.name}`;
    stops.push((await startNode(nodeId, node.nodeUrl)).stop);
    const { broadcastId } = await startBroadcast(tenant, hooks, recipients(3), { amd: true });

    const originates = await waitFor(async () => {
      const cmds = (await node.commands()).filter((c) => c.type === 'originate');
      return cmds.length === 3 ? cmds : null;
    }, 10_000, 'three originates');
    // Commands are signed with the shared secret over timestamp + body.
    const first = originates[0]!;
    expect(first.owner).toEqual({ kind: 'broadcast', id: broadcastId });
    expect(first.play).toMatchObject({ type: 'tts', text: 'Hello', voice: 'Female', language: 'en-US', prompt_ref: 'p1' });
    expect(first.amd).toBe(true);
    expect(first.to).toBe('971501000000');

    for (const [i, cmd] of originates.entries()) {
      const s = legScript(cmd.voice_id, broadcastId);
      const answeredBy = i === 2 ? 'MACHINE' : 'HUMAN';
      const results = await postEvents(nodeId, [s.ringing(), s.connected(answeredBy), s.play('initiated'), s.play('playfinished'), s.disconnected()]);
      expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
    }

    const delivered = await waitFor(async () => {
      const d = await hooks.delivered();
      return d.some((e) => e.state === 'broadcastcall_complete') ? d : null;
    }, 10_000, 'complete event');
    expect(delivered).toHaveLength(3 * 5 + 1);
    expect(delivered.at(-1)!.state).toBe('broadcastcall_complete');
    expect(delivered.filter((e) => e.state === 'broadcastcall_complete')).toHaveLength(1);

    for (const cmd of originates) {
      const legEvents = delivered.filter((e) => e.voice_id === cmd.voice_id);
      expect(legEvents.map((e) => e.state ?? `playstate:${e.playstate}`)).toEqual(['ringing', 'connected', 'playstate:initiated', 'playstate:playfinished', 'disconnected']);
      const [ringing, connected, initiated, , disconnected] = legEvents;
      expect(Object.keys(ringing!).sort()).toEqual(['broadcast_id', 'channel_id', 'custom_data', 'from', 'state', 'timestamp', 'to', 'voice_id']);
      expect(ringing).toMatchObject({ broadcast_id: broadcastId, from: '12012774877', custom_data: { booking_id: 12345 } });
      expect(ringing!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(connected!.call_answered_by).toMatch(/^(HUMAN|MACHINE)$/);
      expect(initiated).toMatchObject({ playstate: 'initiated', prompt_ref: 'p1', custom_data: { booking_id: 12345 } });
      expect(disconnected).toMatchObject({ state: 'disconnected', call_duration: 3.25, disconnect_reason: 'Normal Clearing', disconnect_cause_code: 16 });
      expect(typeof disconnected!.call_answered_by).toBe('string');
    }

    const complete = delivered.at(-1)!;
    expect(complete).toMatchObject({
      broadcast_id: broadcastId,
      blacklistednumber: { call_blacklisted: [], country_not_allowed: [] },
      custom_data: { booking_id: 12345 },
    });
    expect(complete.broadcast_call_info).toHaveLength(3);
    expect(complete.broadcast_call_info[2]).toEqual({
      voice_id: originates[2]!.voice_id,
      to: '971501000002',
      callDuration: 3.25,
      callState: 'Call Answered',
      call_answered_by: 'MACHINE',
      disconnectReason: 'Normal Clearing',
      disconnectReasonCode: 16,
    });

    // Every delivery is signed over its raw body and carries an event id.
    const raw = await hooks.hooks();
    for (const h of raw) {
      expect(h.headers['x-crier-signature']).toBe(await signWebhookBody(tenant.webhookSecret, h.body));
      expect(h.headers['x-crier-event-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(new Set(raw.map((h) => h.headers['x-crier-event-id'])).size).toBe(raw.length);

    // The history rows agree with the webhooks.
    const rows = await env.DB.prepare('SELECT status, cause_code, answered_by FROM calls WHERE broadcast_id = ? ORDER BY contact_phone').bind(broadcastId).all();
    expect(rows.results.map((r) => r.status)).toEqual(['completed', 'completed', 'voicemail']);
    const status = await waitFor(async () => {
      const s = await env.BROADCAST_SESSION.get(env.BROADCAST_SESSION.idFromName(broadcastId)).status();
      return s?.state === 'broadcastcall_complete' ? s : null;
    }, 5_000, 'complete status');
    expect(status.legs.disconnected).toBe(3);
    const row = await env.DB.prepare('SELECT status FROM broadcasts WHERE id = ?').bind(broadcastId).first();
    expect(row?.status).toBe('completed');
  });

  it('omits call_answered_by without AMD and custom_data when none was sent', async () => {
    const { hooks, nodeId, script: s } = await dialOneLeg(stops, { customData: undefined });
    await postEvents(nodeId, [s.ringing(), s.connected(), s.disconnected(17, 'User Busy', 0)]);
    const delivered = await waitFor(async () => {
      const d = await hooks.delivered();
      return d.length === 4 ? d : null;
    });
    for (const e of delivered) {
      expect(e).not.toHaveProperty('call_answered_by');
      expect(e).not.toHaveProperty('custom_data');
    }
    expect(delivered[3]!.broadcast_call_info[0]).not.toHaveProperty('call_answered_by');
  });

  it('answers duplicate and out-of-order node events without double webhooks', async () => {
    const { hooks, nodeId, script: s } = await dialOneLeg(stops);
    const ringing = s.ringing();
    const connected = s.connected();
    expect((await postEvents(nodeId, [connected]))[0]!.status).toBe('retry');
    expect((await postEvents(nodeId, [ringing, connected]))[0]!.status).toBe('applied');
    expect((await postEvents(nodeId, [ringing]))[0]!.status).toBe('duplicate');
    expect((await postEvents(nodeId, [{ ...ringing, voice_id: crypto.randomUUID() }]))[0]!.status).toBe('rejected');
    await waitFor(async () => ((await hooks.delivered()).length === 2 ? true : null));
    await new Promise((r) => setTimeout(r, 300));
    expect((await hooks.delivered()).map((e) => e.state)).toEqual(['ringing', 'connected']);
  });

  it('refuses unsigned or stale node messages', async () => {
    const body = JSON.stringify({ node_id: 'x', events: [] });
    const { SELF } = await import('cloudflare:test');
    const unsigned = await SELF.fetch('http://crier.test/internal/media/v1/events', { method: 'POST', body });
    expect(unsigned.status).toBe(401);
    const { signMessage } = await import('../../../worker/src/media-protocol/index.ts');
    const stale = await SELF.fetch('http://crier.test/internal/media/v1/events', {
      method: 'POST',
      body,
      headers: await signMessage(env.MEDIA_SHARED_SECRET, body, Date.now() - 120_000),
    });
    expect(stale.status).toBe(401);
    const wrongKey = await SELF.fetch('http://crier.test/internal/media/v1/events', { method: 'POST', body, headers: await signMessage('not-the-secret', body) });
    expect(wrongKey.status).toBe(401);
    expect(await verifyMessage('s', 'b', null, null)).toEqual({ ok: false, reason: 'missing' });
  });
});
