// Broadcasts pass the same compliance engine as every other dial:
//  - at acceptance, a number on a national DNC registry joins call_blacklisted
//    like a tenant DNC number;
//  - at dial time, each leg about to be dialled is checked (and audited); a
//    blocked leg is never sent to a node, ends with a `disconnected` webhook
//    (cause 21, Call Rejected), a failed history row and its place in
//    broadcast_call_info, and gives its node slot back.
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { seedTenant as seedBroadcastTenant } from '../../helpers/tenant.ts';
import { broadcastBody, plays } from '../../helpers/broadcast-body.ts';
import { postBroadcast } from '../../helpers/http.ts';
import { box, legScript, postEvents, recipients, seedTenant, startBroadcast, startNode, stopNodesAfterEach, waitFor } from '../../session/harness.ts';
import { alwaysOpenRules } from '../../../../worker/src/compliance/rules/always-open.ts';
import { clearLegsForDialing } from '../../../../worker/src/durable/broadcast-session/compliance-gate.ts';
import type { BroadcastInit } from '../../../../worker/src/durable/broadcast-session/contract.ts';
import type { Env } from '../../../../worker/src/env.ts';
import { freshUaeMobile, importRegistry } from './fixtures.ts';

const stops = stopNodesAfterEach();

/** A new revision of the tenant's rules: the always-open set with these jurisdictions closed. */
async function closeHours(tenantId: string, ...jurisdictions: string[]): Promise<void> {
  const rules = { ...alwaysOpenRules(), ...Object.fromEntries(jurisdictions.map((j) => [j, { calling_windows: [], consent_required: false }])) };
  await env.DB.prepare('INSERT INTO compliance_rule_sets (tenant_id, revision, rules, created_at) SELECT ?1, MAX(revision) + 1, ?2, ?3 FROM compliance_rule_sets WHERE tenant_id = ?1')
    .bind(tenantId, JSON.stringify(rules), new Date().toISOString())
    .run();
}

async function auditRows(tenantId: string) {
  return (await env.DB.prepare('SELECT phone, context, subject, allowed, blocking_rule FROM compliance_audit WHERE tenant_id = ? ORDER BY seq').bind(tenantId).all()).results;
}

describe('broadcast acceptance', () => {
  it('puts national DNC numbers in call_blacklisted, next to the tenant’s own DNC numbers', async () => {
    // Only SA is allowed, so the unlisted UAE number lands in country_not_allowed: DNC is sorted first, and
    // no leg is left queued to be dialled by a later test's node.
    const t = await seedBroadcastTenant({ allowedCountries: ['SA'] });
    const [national, tenantListed, clean] = [freshUaeMobile(), freshUaeMobile(), freshUaeMobile()];
    expect((await importRegistry('TDRA', [national])).status).toBe(201);
    await env.DB.prepare('INSERT INTO dnc (id, tenant_id, phone, added_at) VALUES (?, ?, ?, ?)').bind(crypto.randomUUID(), t.tenantId, tenantListed, new Date().toISOString()).run();
    const recipientList = [national.slice(1), tenantListed, clean.slice(1)].map((to) => ({ to, play: plays.tts }));
    const res = await postBroadcast(t, broadcastBody({ recipients: recipientList }));
    expect(res.status).toBe(200);
    const json = (await res.json()) as { to: { call_initiated: unknown[]; call_blacklisted: Array<{ to: string }>; country_not_allowed: Array<{ to: string }> } };
    expect(json.to.call_blacklisted.map((r) => r.to)).toEqual([national.slice(1), tenantListed]);
    expect(json.to.country_not_allowed.map((r) => r.to)).toEqual([clean.slice(1)]);
    expect(json.to.call_initiated).toEqual([]);
  });
});

describe('broadcast dial time', () => {
  it('does not dial a leg the rules block: cause 21 webhook, history row, broadcast_call_info, audit row', async () => {
    const tenant = await seedTenant();
    await closeHours(tenant.tenantId, 'AE');
    const hooks = box();
    const node = box();
    const nodeId = `node-${node.name}`;
    stops.push((await startNode(nodeId, node.nodeUrl)).stop);
    const legs = [...recipients(2), { to: '918088394833', play: recipients(1)[0]!.play }];
    const { broadcastId } = await startBroadcast(tenant, hooks, legs);

    // Only the Indian leg reaches the node.
    const [originate] = await waitFor(async () => {
      const cmds = (await node.commands()).filter((c) => c.type === 'originate');
      return cmds.length >= 1 ? cmds : null;
    }, 10_000, 'the allowed originate');
    expect(originate!.to).toBe('918088394833');

    const blocked = await waitFor(async () => {
      const d = (await hooks.delivered()).filter((e) => e.state === 'disconnected');
      return d.length === 2 ? d : null;
    }, 10_000, 'two disconnected webhooks');
    for (const [i, hook] of blocked.sort((a, b) => String(a.to).localeCompare(String(b.to))).entries()) {
      expect(hook).toMatchObject({ broadcast_id: broadcastId, to: legs[i]!.to, state: 'disconnected', call_duration: 0, disconnect_reason: 'Call Rejected', disconnect_cause_code: 21 });
    }
    const calls = await env.DB.prepare('SELECT id, contact_phone, status, cause_code FROM calls WHERE broadcast_id = ? AND status = ?').bind(broadcastId, 'failed').all();
    expect(calls.results.map((c) => [c.contact_phone, c.cause_code]).sort()).toEqual([
      ['+971501000000', 21],
      ['+971501000001', 21],
    ]);
    expect(new Set(calls.results.map((c) => c.id))).toEqual(new Set(blocked.map((h) => h.voice_id)));

    expect(await auditRows(tenant.tenantId)).toEqual(
      expect.arrayContaining([
        { phone: '+971501000000', context: 'broadcast', subject: broadcastId, allowed: 0, blocking_rule: 'calling_hours' },
        { phone: '+971501000001', context: 'broadcast', subject: broadcastId, allowed: 0, blocking_rule: 'calling_hours' },
        { phone: '+918088394833', context: 'broadcast', subject: broadcastId, allowed: 1, blocking_rule: null },
      ]),
    );
    // The blocked legs gave their slots back: the node carries only the live leg.
    const fleet = await env.MEDIA_FLEET.get(env.MEDIA_FLEET.idFromName('global')).nodes();
    expect(fleet.find((n) => n.node_id === nodeId)!.assigned).toBe(1);

    const s = legScript(originate!.voice_id, broadcastId);
    await postEvents(nodeId, [s.ringing(), s.connected(), s.disconnected()]);
    const complete = await waitFor(async () => (await hooks.delivered()).find((e) => e.state === 'broadcastcall_complete'), 10_000, 'complete');
    expect(complete.broadcast_call_info).toHaveLength(3);
    expect(complete.broadcast_call_info.filter((i: Record<string, unknown>) => i.disconnectReasonCode === 21)).toEqual([
      { voice_id: expect.any(String), to: '971501000000', callDuration: 0, callState: 'Rejected', disconnectReason: 'Call Rejected', disconnectReasonCode: 21 },
      { voice_id: expect.any(String), to: '971501000001', callDuration: 0, callState: 'Rejected', disconnectReason: 'Call Rejected', disconnectReasonCode: 21 },
    ]);
  });

  it('refuses a number put on the DNC list after acceptance, and a caller ID the tenant does not own', async () => {
    const tenant = await seedTenant();
    const node = box();
    const nodeId = `node-${node.name}`;
    stops.push((await startNode(nodeId, node.nodeUrl)).stop);
    const legs = recipients(2);
    await env.DB.prepare('INSERT INTO dnc (id, tenant_id, phone, added_at) VALUES (?, ?, ?, ?)').bind(crypto.randomUUID(), tenant.tenantId, '+971501000000', new Date().toISOString()).run();

    const listed = box();
    const first = await startBroadcast(tenant, listed, legs);
    await waitFor(async () => ((await listed.delivered()).filter((e) => e.state === 'disconnected').length === 1 ? true : null), 10_000, 'the listed leg ends');
    const originates = await waitFor(async () => {
      const cmds = (await node.commands()).filter((c) => c.type === 'originate');
      return cmds.length === 1 ? cmds : null;
    }, 10_000, 'one originate');
    expect(originates[0]!.to).toBe('971501000001');

    const foreignCli = box();
    const second = await startBroadcast(tenant, foreignCli, legs, { from: '12025550199' });
    await waitFor(async () => ((await foreignCli.delivered()).filter((e) => e.state === 'disconnected').length === 2 ? true : null), 10_000, 'both legs end');
    expect((await node.commands()).filter((c) => c.type === 'originate')).toHaveLength(1);

    const rows = await auditRows(tenant.tenantId);
    expect(rows.filter((r) => r.subject === first.broadcastId && r.allowed === 0)).toEqual([{ phone: '+971501000000', context: 'broadcast', subject: first.broadcastId, allowed: 0, blocking_rule: 'dnc_tenant' }]);
    expect(rows.filter((r) => r.subject === second.broadcastId).map((r) => r.blocking_rule)).toEqual(['dnc_tenant', 'cli_ownership']);
  });

  it('a tenant on the default rules is judged by them (no open-hours fixture): the audit names rule_version 2026-06-01', async () => {
    const tenant = await seedTenant({ compliance: 'defaults' });
    const hooks = box();
    const node = box();
    stops.push((await startNode(`node-${node.name}`, node.nodeUrl)).stop);
    await startBroadcast(tenant, hooks, recipients(1));
    // No CLI of its own: whatever the hour in Dubai, the leg is refused.
    await waitFor(async () => ((await hooks.delivered()).some((e) => e.state === 'disconnected' && e.disconnect_cause_code === 21) ? true : null), 10_000, 'refused');
    const row = await env.DB.prepare('SELECT rule_version, blocking_rule FROM compliance_audit WHERE tenant_id = ?').bind(tenant.tenantId).first();
    expect(row).toEqual({ rule_version: '2026-06-01', blocking_rule: 'cli_ownership' });
    expect((await node.commands()).filter((c) => c.type === 'originate')).toHaveLength(0);
  });

  it('dials nothing when the audit cannot be written: the legs stay queued and their slots go back', async () => {
    const tenant = await seedTenant();
    const node = box();
    const nodeId = `node-${node.name}`;
    stops.push((await startNode(nodeId, node.nodeUrl)).stop);
    const broadcastId = crypto.randomUUID();
    const fleet = env.MEDIA_FLEET.get(env.MEDIA_FLEET.idFromName('global'));
    const slots = await fleet.reserve({ kind: 'broadcast', id: broadcastId }, 2);
    expect(slots.map((s) => s.nodeId)).toEqual([nodeId, nodeId]);
    // D1 answers the read but refuses the audit write (the second batch).
    let batches = 0;
    const db = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === 'batch') return async (statements: D1PreparedStatement[]) => (++batches === 2 ? Promise.reject(new Error('D1_ERROR: injected')) : target.batch(statements));
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const init = { broadcastId, tenantId: tenant.tenantId, from: '12012774877' } as BroadcastInit;
    // A session object that was never started: its storage holds the legs, no alarm runs.
    const stub = env.BROADCAST_SESSION.get(env.BROADCAST_SESSION.idFromName(broadcastId));
    await runInDurableObject(stub, async (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec("INSERT INTO legs (idx, to_number, play) VALUES (0, '971501000000', '{}'), (1, '971501000001', '{}')");
      const legs = sql.exec<{ idx: number; to_number: string; voice_id: string | null }>('SELECT idx, to_number, voice_id FROM legs ORDER BY idx').toArray();
      const blocked: unknown[] = [];
      const cleared = await clearLegsForDialing({ env: { ...(env as unknown as Env), DB: db }, sql, init, legs, slots, nowMs: Date.now(), block: async (leg) => void blocked.push(leg) });
      expect(cleared).toEqual([]);
      expect(blocked).toEqual([]);
      expect(sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM legs WHERE state = 'queued' AND voice_id IS NULL").one().n).toBe(2);
    });
    expect(batches).toBe(2);
    expect((await fleet.nodes()).find((n) => n.node_id === nodeId)!.assigned).toBe(0);
    expect(await auditRows(tenant.tenantId)).toEqual([]);
  });
});
