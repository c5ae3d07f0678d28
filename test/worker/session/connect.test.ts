// PUT /voice/v1/call/{voice_id}/connect in the Worker: the documented response,
// validation naming the field, 404/409/403, the connect command sent to the
// node, the leg's connecting/bridged states and counts, the connectstate
// webhooks field for field, the destination's calls row, and the guards (idle
// suspended while bridged, maximum duration still applies).
import { SELF, env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, dialOneLeg, postEvents, seedTenant, stopNodesAfterEach, waitFor } from './harness.ts';

const stops = stopNodesAfterEach();
const DEST = '918088394833';
const CLI = '12012774877';

function connect(voiceId: string, auth: string, body: unknown, contentType = 'application/json') {
  return SELF.fetch(`${BASE}/voice/v1/call/${voiceId}/connect`, {
    method: 'PUT',
    headers: { authorization: auth, 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function putJson(voiceId: string, auth: string, path: string, body: unknown) {
  return SELF.fetch(`${BASE}/voice/v1/call/${voiceId}/${path}`, { method: 'PUT', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function problem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as { type: string; status: number; field?: string; reason?: string; errors?: Array<{ pointer: string; reason: string }> };
}

/** A leg that answered and finished its first prompt (idle), as a client would connect it. */
async function idleLeg(overrides: Parameters<typeof dialOneLeg>[1] = {}) {
  const leg = await dialOneLeg(stops, overrides);
  await postEvents(leg.nodeId, [leg.script.ringing(), leg.script.connected(), leg.script.play('initiated'), leg.script.play('playfinished')]);
  return leg;
}

async function connectCommand(leg: Awaited<ReturnType<typeof idleLeg>>) {
  return waitFor(async () => (await leg.node.commands()).find((c) => c.type === 'connect'), 5_000, 'the connect command');
}

async function legCounts(leg: { broadcastId: string; tenant: { auth: string } }) {
  const res = await SELF.fetch(`${BASE}/voice/v1/broadcast/${leg.broadcastId}`, { headers: { authorization: leg.tenant.auth } });
  return ((await res.json()) as { legs: Record<string, number> }).legs;
}

const hooksOf = async (leg: Awaited<ReturnType<typeof idleLeg>>, n: number) =>
  waitFor(async () => {
    const d = await leg.hooks.delivered();
    return d.length >= n ? d : null;
  }, 10_000, `${n} webhooks`);

describe('PUT /voice/v1/call/{voice_id}/connect', () => {
  it('answers exactly as documented and sends the node a connect with E.164 digits', async () => {
    const leg = await idleLeg();
    const res = await connect(leg.voiceId, leg.tenant.auth, { from: `+${CLI}`, to: DEST });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['broadcast_id', 'state', 'timestamp', 'voice_id']);
    expect(body).toMatchObject({ broadcast_id: leg.broadcastId, voice_id: leg.voiceId, state: 'connecting' });
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const cmd = await connectCommand(leg);
    expect(cmd).toMatchObject({ voice_id: leg.voiceId, from: CLI, to: DEST, ring_timeout_s: 30 });
    expect(cmd.connect_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(cmd.command_id).toBe(`${cmd.connect_id}:connect`);
    expect(await legCounts(leg)).toMatchObject({ connecting: 1, idle: 0 });
    // The destination is a call of its own in the history, in the same broadcast.
    const row = await env.DB.prepare('SELECT tenant_id, broadcast_id, contact_phone, from_number, status FROM calls WHERE id = ?').bind(cmd.connect_id).first();
    expect(row).toEqual({ tenant_id: leg.tenant.tenantId, broadcast_id: leg.broadcastId, contact_phone: `+${DEST}`, from_number: `+${CLI}`, status: 'in_progress' });
  });

  it('names the failing field for bad bodies, never 5xx on junk', async () => {
    const leg = await idleLeg();
    const cases: Array<[unknown, string[]]> = [
      [{ to: DEST }, ['/from']],
      [{ from: CLI }, ['/to']],
      [{}, ['/from', '/to']],
      [{ from: CLI, to: '91-808-839-4833' }, ['/to']],
      [{ from: '+99912345678', to: DEST }, ['/from']],
      [{ from: CLI, to: '+971 12' }, ['/to']],
      [{ from: CLI, to: 918088394833 }, ['/to']],
      [{ from: CLI, to: DEST, extra: 1 }, ['']],
    ];
    for (const [body, pointers] of cases) {
      const p = await problem(await connect(leg.voiceId, leg.tenant.auth, body), 400);
      expect(p.errors!.map((e) => e.pointer).sort(), JSON.stringify(body)).toEqual(pointers);
      expect(p.field).toBe(p.errors![0]!.pointer);
    }
    for (const junk of ['null', '[]', '"x"', '{']) expect((await connect(leg.voiceId, leg.tenant.auth, junk)).status, junk).toBe(400);
    expect((await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: DEST }, 'text/plain')).status).toBe(415);
    expect((await leg.node.commands()).filter((c) => c.type === 'connect')).toHaveLength(0);
  });

  it('404 for an unknown or another tenant’s voice_id; 409 before answer and after the end', async () => {
    const leg = await dialOneLeg(stops);
    expect((await problem(await connect(crypto.randomUUID(), leg.tenant.auth, { from: CLI, to: DEST }), 404)).type).toMatch(/not-found$/);
    expect((await connect(leg.voiceId, (await seedTenant()).auth, { from: CLI, to: DEST })).status).toBe(404);
    await postEvents(leg.nodeId, [leg.script.ringing()]);
    expect((await problem(await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: DEST }), 409)).type).toMatch(/call-not-answered$/);
    await postEvents(leg.nodeId, [leg.script.connected(), leg.script.disconnected()]);
    expect((await problem(await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: DEST }), 409)).type).toMatch(/call-ended$/);
  });

  it('403 connect-blocked for a destination on the DNC list or outside the allowed countries, nothing dialled', async () => {
    const leg = await idleLeg();
    const dnc = await SELF.fetch(`${BASE}/voice/v1/dnc`, { method: 'POST', headers: { authorization: leg.tenant.auth, 'content-type': 'application/json' }, body: JSON.stringify({ phones: [`+${DEST}`] }) });
    expect(dnc.status).toBeLessThan(300);
    const blocked = await problem(await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: DEST }), 403);
    expect(blocked).toMatchObject({ type: 'https://crier.dev/problems/connect-blocked', status: 403, reason: 'call_blacklisted', field: '/to' });
    await env.DB.prepare('UPDATE tenants SET allowed_countries = ? WHERE id = ?').bind(JSON.stringify(['AE']), leg.tenant.tenantId).run();
    // DNC first, as for broadcast recipients; then the country.
    expect((await problem(await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: DEST }), 403)).reason).toBe('call_blacklisted');
    const country = await problem(await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: '14155550123' }), 403);
    expect(country).toMatchObject({ reason: 'country_not_allowed', field: '/to' });
    expect((await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: '971501234570' })).status).toBe(200);
    expect((await leg.node.commands()).filter((c) => c.type === 'connect').map((c) => c.to)).toEqual(['971501234570']);
  });

  it('403 compliance-blocked when the engine refuses the dial (a caller ID the tenant does not own), audited, nothing dialled', async () => {
    const leg = await idleLeg();
    const blocked = await problem(await connect(leg.voiceId, leg.tenant.auth, { from: '14155550100', to: DEST }), 403);
    expect(blocked).toMatchObject({ status: 403, compliance: { allowed: false, rule: 'cli_ownership' } });
    expect(blocked.type).toMatch(/compliance-blocked$/);
    const ref = (blocked as unknown as { compliance: { audit_ref: string } }).compliance.audit_ref;
    expect(ref).toMatch(/^AUD-\d+$/);
    const audit = await env.DB.prepare('SELECT context, subject, allowed FROM compliance_audit WHERE tenant_id = ? ORDER BY seq DESC LIMIT 1').bind(leg.tenant.tenantId).first();
    expect(audit).toMatchObject({ context: 'connect', subject: leg.voiceId, allowed: 0 });
    expect((await leg.node.commands()).filter((c) => c.type === 'connect')).toHaveLength(0);
  });

  it('a second connect while one rings or is bridged is 409; play is 409 call-bridged; hold and recording still work', async () => {
    const leg = await idleLeg();
    expect((await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: DEST })).status).toBe(200);
    const cmd = await connectCommand(leg);
    expect((await problem(await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: DEST }), 409)).type).toMatch(/connect-in-progress$/);
    const play = { play: { type: 'tts', text: 'Hi', voice: 'Female', language: 'en-US', prompt_ref: 'p2' } };
    expect((await problem(await putJson(leg.voiceId, leg.tenant.auth, 'play', play), 409)).type).toMatch(/connect-in-progress$/);
    await postEvents(leg.nodeId, [leg.script.connect(cmd.connect_id, 'ringing'), leg.script.connect(cmd.connect_id, 'connected')]);
    expect(await legCounts(leg)).toMatchObject({ bridged: 1, connecting: 0 });
    expect((await problem(await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: DEST }), 409)).type).toMatch(/call-bridged$/);
    expect((await problem(await putJson(leg.voiceId, leg.tenant.auth, 'play', play), 409)).type).toMatch(/call-bridged$/);
    expect((await putJson(leg.voiceId, leg.tenant.auth, 'hold', { hold: true })).status).toBe(200);
    expect((await putJson(leg.voiceId, leg.tenant.auth, 'recording', { start: true, recording_name: 'bridged' })).status).toBe(200);
    expect((await leg.node.commands()).filter((c) => c.type === 'connect')).toHaveLength(1);
    expect((await leg.node.commands()).filter((c) => c.type === 'play')).toHaveLength(0);
  });

  it('bridged, then the destination hangs up: webhooks field for field, the leg is idle again and can play', async () => {
    const leg = await idleLeg();
    await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: `+${DEST}` });
    const { connect_id } = await connectCommand(leg);
    await postEvents(leg.nodeId, [
      leg.script.connect(connect_id, 'ringing'),
      leg.script.connect(connect_id, 'connected'),
      leg.script.connect(connect_id, 'disconnected', { cause: 16, reason: 'Normal Clearing', duration_s: 12.0894, ended_by: 'destination' }),
    ]);
    const hooks = await hooksOf(leg, 7);
    const connects = hooks.filter((h) => h.connectstate);
    expect(connects.map((h) => h.connectstate)).toEqual(['ringing', 'connected', 'disconnected']);
    const common = { broadcast_id: leg.broadcastId, voice_id: leg.voiceId, from: CLI, to: '971501000000', connect_voice_id: connect_id, connect_from: CLI, connect_to: `+${DEST}`, custom_data: { booking_id: 12345 } };
    expect(Object.keys(connects[0]!).sort()).toEqual(['broadcast_id', 'connect_from', 'connect_to', 'connect_voice_id', 'connectstate', 'custom_data', 'from', 'timestamp', 'to', 'voice_id']);
    expect(connects[0]).toMatchObject({ ...common, connectstate: 'ringing' });
    expect(connects[1]).toMatchObject({ ...common, connectstate: 'connected' });
    expect(connects[2]).toEqual({
      ...common,
      connectstate: 'disconnected',
      call_duration: 12.089,
      disconnect_reason: 'Normal Clearing',
      disconnect_cause_code: 16,
      ended_by: 'destination',
      timestamp: expect.stringMatching(/Z$/),
    });
    expect(await legCounts(leg)).toMatchObject({ idle: 1, bridged: 0 });
    const row = await env.DB.prepare('SELECT status, cause_code, cause_reason, duration_seconds, answered_at, ended_at FROM calls WHERE id = ?').bind(connect_id).first();
    expect(row).toMatchObject({ status: 'completed', cause_code: 16, cause_reason: 'Normal Clearing', duration_seconds: 12.0894 });
    expect(row!.answered_at).toBeTruthy();
    expect(row!.ended_at).toBeTruthy();
    // The destination is controlled through the recipient's voice_id only.
    expect((await SELF.fetch(`${BASE}/voice/v1/call/${connect_id}`, { method: 'DELETE', headers: { authorization: leg.tenant.auth } })).status).toBe(404);
    const play = { play: { type: 'tts', text: 'Sorry, the line dropped.', voice: 'Female', language: 'en-US', prompt_ref: 'p2' } };
    expect((await putJson(leg.voiceId, leg.tenant.auth, 'play', play)).status).toBe(200);
    // The leg's history through the session's RPC: one connect, how it ended.
    const history = await leg.stub.connectsOf(leg.voiceId);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ connect_id, to_number: `+${DEST}`, from_number: CLI, state: 'disconnected', cause: 16, ended_by: 'destination' });
  });

  it.each([
    [17, 'User Busy', 486, 'busy'],
    [19, 'No Answer from User', 487, 'no_answer'],
    [21, 'Call Rejected', 603, 'failed'],
  ])('destination fails with cause %i: connectstate failed, the recipient stays (idle)', async (cause, reason, sip, status) => {
    const leg = await idleLeg();
    await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: DEST });
    const { connect_id } = await connectCommand(leg);
    await postEvents(leg.nodeId, [leg.script.connect(connect_id, 'failed', { cause, reason, sip_status: sip, ended_by: 'destination' })]);
    const failed = (await hooksOf(leg, 5)).find((h) => h.connectstate === 'failed')!;
    expect(failed).toMatchObject({ voice_id: leg.voiceId, connect_voice_id: connect_id, disconnect_cause_code: cause, disconnect_reason: reason, ended_by: 'destination' });
    expect(failed).not.toHaveProperty('call_duration');
    expect(await legCounts(leg)).toMatchObject({ idle: 1, connecting: 0 });
    expect((await env.DB.prepare('SELECT status FROM calls WHERE id = ?').bind(connect_id).first())!.status).toBe(status);
    expect((await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: '971501234570' })).status).toBe(200); // a retry is allowed
  });

  it('the idle guard does not fire while connecting or bridged, and applies again once the destination is gone', async () => {
    const leg = await idleLeg({ idleTimeoutS: 1 });
    await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: DEST });
    const { connect_id } = await connectCommand(leg);
    await postEvents(leg.nodeId, [leg.script.connect(connect_id, 'ringing')]);
    await new Promise((r) => setTimeout(r, 1500));
    await postEvents(leg.nodeId, [leg.script.connect(connect_id, 'connected')]);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await leg.node.commands()).filter((c) => c.type === 'hangup')).toHaveLength(0);
    const endedAt = Date.now();
    await postEvents(leg.nodeId, [leg.script.connect(connect_id, 'disconnected', { cause: 16, reason: 'Normal Clearing', duration_s: 1.5, ended_by: 'destination' })]);
    const hangup = await waitFor(async () => (await leg.node.commands()).find((c) => c.type === 'hangup'), 5_000, 'idle hangup');
    expect(hangup).toMatchObject({ voice_id: leg.voiceId, cause: 16 });
    expect(hangup.received_at - endedAt).toBeGreaterThanOrEqual(900);
  });

  it('the maximum call duration still applies while bridged', async () => {
    const leg = await idleLeg({ maxCallDurationS: 2 });
    await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: DEST });
    const { connect_id } = await connectCommand(leg);
    await postEvents(leg.nodeId, [leg.script.connect(connect_id, 'connected')]);
    const hangup = await waitFor(async () => (await leg.node.commands()).find((c) => c.type === 'hangup'), 6_000, 'max-duration hangup');
    expect(hangup).toMatchObject({ voice_id: leg.voiceId, cause: 16 });
  });

  it('DELETE while bridged hangs up the leg; the node ends both and the connect reports before the leg’s disconnected', async () => {
    const leg = await idleLeg();
    await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: DEST });
    const { connect_id } = await connectCommand(leg);
    await postEvents(leg.nodeId, [leg.script.connect(connect_id, 'ringing'), leg.script.connect(connect_id, 'connected')]);
    const del = await SELF.fetch(`${BASE}/voice/v1/call/${leg.voiceId}`, { method: 'DELETE', headers: { authorization: leg.tenant.auth } });
    expect(del.status).toBe(200);
    expect((await leg.node.commands()).find((c) => c.type === 'hangup')).toMatchObject({ voice_id: leg.voiceId, cause: 16 });
    await postEvents(leg.nodeId, [
      leg.script.connect(connect_id, 'disconnected', { cause: 16, reason: 'Normal Clearing', duration_s: 2, ended_by: 'recipient' }),
      leg.script.disconnected(16, 'Normal Clearing', 9),
    ]);
    const hooks = await waitFor(async () => {
      const d = await leg.hooks.delivered();
      return d.some((h) => h.state === 'broadcastcall_complete') ? d : null;
    }, 10_000, 'complete');
    expect(hooks.map((h) => h.connectstate ?? h.playstate ?? h.state)).toEqual([
      'ringing',
      'connected',
      'initiated',
      'playfinished',
      'ringing',
      'connected',
      'disconnected',
      'disconnected',
      'broadcastcall_complete',
    ]);
    expect(hooks[6]).toMatchObject({ connectstate: 'disconnected', ended_by: 'recipient' });
    expect(hooks[7]).toMatchObject({ state: 'disconnected', disconnect_cause_code: 16 });
    // The destination is not a broadcast recipient: broadcastcall_complete lists the recipient only.
    expect(hooks[8]!.broadcast_call_info).toHaveLength(1);
    expect(await legCounts(leg)).toMatchObject({ disconnected: 1, bridged: 0 });
  });

  it('a leg that ends without its connect closed (node lost, guard) closes it first, with the same cause', async () => {
    const leg = await idleLeg();
    await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: DEST });
    const { connect_id } = await connectCommand(leg);
    await postEvents(leg.nodeId, [leg.script.connect(connect_id, 'ringing'), leg.script.disconnected(41, 'Temporary Failure', 5)]);
    const hooks = await hooksOf(leg, 8);
    expect(hooks.at(-1)).toMatchObject({ state: 'broadcastcall_complete' });
    const tail = hooks.slice(-3, -1);
    expect(tail[0]).toMatchObject({ connectstate: 'failed', connect_voice_id: connect_id, disconnect_cause_code: 41, ended_by: 'recipient' });
    expect(tail[1]).toMatchObject({ state: 'disconnected', disconnect_cause_code: 41 });
    expect((await env.DB.prepare('SELECT status, cause_code FROM calls WHERE id = ?').bind(connect_id).first())).toEqual({ status: 'failed', cause_code: 41 });
  });

  it('a connect its node never resolves fails with cause 102 after ring timeout + 60 s, and the leg is idle again', async () => {
    const leg = await idleLeg({ ringTimeoutS: 5 });
    await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: DEST });
    const { connect_id } = await connectCommand(leg);
    await postEvents(leg.nodeId, [leg.script.connect(connect_id, 'ringing')]);
    // As if requested 66 s ago: past the ring timeout (5 s) and the 60 s grace.
    await runInDurableObject(leg.stub, (_instance, state) => {
      state.storage.sql.exec('UPDATE connects SET requested_at = ? WHERE connect_id = ?', Date.now() - 66_000, connect_id);
    });
    await runDurableObjectAlarm(leg.stub);
    const failed = (await hooksOf(leg, 6)).find((h) => h.connectstate === 'failed')!;
    expect(failed).toMatchObject({ connect_voice_id: connect_id, disconnect_cause_code: 102, disconnect_reason: 'Recovery on Timer Expiry', ended_by: 'destination' });
    expect(await legCounts(leg)).toMatchObject({ idle: 1, connecting: 0 });
    // A late word from the node about that connect changes nothing.
    await postEvents(leg.nodeId, [leg.script.connect(connect_id, 'connected')]);
    expect(await legCounts(leg)).toMatchObject({ idle: 1, bridged: 0 });
  });

  it('a playstate the node sent just before the connect does not end it; a node that refuses the connect leaves the leg as it was', async () => {
    const leg = await dialOneLeg(stops);
    await postEvents(leg.nodeId, [leg.script.ringing(), leg.script.connected(), leg.script.play('initiated')]);
    expect((await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: DEST })).status).toBe(200);
    await postEvents(leg.nodeId, [leg.script.play('playfinished')]);
    expect(await legCounts(leg)).toMatchObject({ connecting: 1, idle: 0 });
    // ...but the client still hears how that prompt ended.
    await waitFor(async () => (await leg.hooks.delivered()).find((h) => h.playstate === 'playfinished'), 10_000, 'the playfinished webhook');

    const other = await idleLeg();
    await other.node.configure({ refuse: true });
    // The node did not take it (503 from the node): the call may still be up, so 503 media-node-unavailable, nothing dialled.
    expect((await problem(await connect(other.voiceId, other.tenant.auth, { from: CLI, to: DEST }), 503)).type).toMatch(/media-node-unavailable$/);
    expect(await legCounts(other)).toMatchObject({ idle: 1, connecting: 0 });
    expect((await env.DB.prepare('SELECT COUNT(*) AS n FROM calls WHERE broadcast_id = ?').bind(other.broadcastId).first())!.n).toBe(1);
  });

  it('the prompt a connect interrupted reaches the client as playstate "interrupted"; the leg stays connecting', async () => {
    const leg = await dialOneLeg(stops);
    await postEvents(leg.nodeId, [leg.script.ringing(), leg.script.connected(), leg.script.play('initiated', 'welcome')]);
    expect((await connect(leg.voiceId, leg.tenant.auth, { from: CLI, to: DEST })).status).toBe(200);
    await postEvents(leg.nodeId, [leg.script.play('interrupted', 'welcome')]);
    const hook = await waitFor(async () => (await leg.hooks.delivered()).find((h) => h.playstate === 'interrupted'), 10_000, 'the interrupted webhook');
    expect(hook).toMatchObject({ voice_id: leg.voiceId, playstate: 'interrupted', prompt_ref: 'welcome' });
    expect(await legCounts(leg)).toMatchObject({ connecting: 1, playing: 0, idle: 0 });
  });
});
