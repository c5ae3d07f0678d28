// Dispositions (Crier addition): the tenant list (defaults, replace, roles,
// validation), setting a call's disposition (an agent only their own call,
// supervisors any; an unknown code is a 400 naming the field), a dnc
// disposition adding the number to the tenant DNC with source
// agent_disposition and the agent's name (and dnc.added), and the
// agent_performance / disposition_summary reports reading what was set.
import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import type { DialerEvent } from '../../../../worker/src/dialer-events/emit.ts';
import { call, dialerProblem, seedDialerTenant } from '../../helpers/dialer.ts';
import { BASE } from '../../helpers/tenant.ts';
import { addUser, json } from '../agents/fixtures.ts';
import { seedCalls } from './seed.ts';

type ListBody = { dispositions: Array<{ code: string; label: string; dnc: boolean }>; source: string };

describe('the disposition list', () => {
  it('a tenant starts with the defaults, do_not_call flagged dnc; every role may read it', async () => {
    const t = await seedDialerTenant();
    const body = await json<ListBody>(await call(t.agent, 'GET', '/v1/dispositions'));
    expect(body.source).toBe('default');
    expect(body.dispositions.map((d) => d.code)).toEqual(['sale', 'interested', 'callback', 'not_interested', 'no_answer', 'voicemail', 'wrong_number', 'do_not_call']);
    expect(body.dispositions.filter((d) => d.dnc).map((d) => d.code)).toEqual(['do_not_call']);
  });

  it('an admin replaces it (order kept, dnc defaults to false); other tenants keep theirs; below admin is 403', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const list = [{ code: 'booked', label: 'Meeting booked' }, { code: 'remove_me', label: 'Remove me', dnc: true }];
    const body = await json<ListBody>(await call(t.admin, 'PUT', '/v1/dispositions', { dispositions: list }));
    expect(body).toEqual({ source: 'tenant', dispositions: [{ code: 'booked', label: 'Meeting booked', dnc: false }, { code: 'remove_me', label: 'Remove me', dnc: true }] });
    expect(await json(await call(t.agent, 'GET', '/v1/dispositions'))).toEqual(body);
    expect((await json<ListBody>(await call(other.agent, 'GET', '/v1/dispositions'))).source).toBe('default');
    await dialerProblem(await call(t.supervisor, 'PUT', '/v1/dispositions', { dispositions: list }), 403);
    await dialerProblem(await call(t.agent, 'PUT', '/v1/dispositions', { dispositions: list }), 403);
  });

  it('validation: at least one, codes unique and well-formed, labels not empty', async () => {
    const t = await seedDialerTenant();
    const put = (dispositions: unknown) => call(t.admin, 'PUT', '/v1/dispositions', { dispositions });
    expect((await dialerProblem(await put([]), 400)).field).toBe('/dispositions');
    expect((await dialerProblem(await put([{ code: 'a', label: 'A' }, { code: 'a', label: 'B' }]), 400)).field).toBe('/dispositions/1/code');
    expect((await dialerProblem(await put([{ code: 'Not OK', label: 'A' }]), 400)).field).toBe('/dispositions/0/code');
    expect((await dialerProblem(await put([{ code: 'ok', label: '  ' }]), 400)).field).toBe('/dispositions/0/label');
    expect((await json<ListBody>(await call(t.admin, 'GET', '/v1/dispositions'))).source).toBe('default');
  });
});

describe('PUT /v1/calls/{id}/disposition', () => {
  it('an agent sets the disposition of their own call: the calls row and /v1/calls show it', async () => {
    const t = await seedDialerTenant();
    const [id] = await seedCalls(t.tenantId, [{ agentId: t.agent.id, startedAt: new Date(Date.now() - 60_000), answerAfterS: 2, endAfterS: 40 }]);
    const body = await json<Record<string, unknown>>(await call(t.agent, 'PUT', `/v1/calls/${id}/disposition`, { disposition: 'sale', notes: 'Two units' }));
    expect(body).toEqual({ call_id: id, disposition: 'sale', notes: 'Two units', disposition_set_at: expect.any(String), disposition_set_by: t.agent.id, dnc_added: false });
    const row = await env.DB.prepare('SELECT disposition, disposition_notes, disposition_set_by FROM calls WHERE id = ?').bind(id).first();
    expect(row).toEqual({ disposition: 'sale', disposition_notes: 'Two units', disposition_set_by: t.agent.id });
    const list = await json<{ items: Array<{ id: string; disposition: string | null }> }>(await call(t.agent, 'GET', '/v1/calls'));
    expect(list.items.find((i) => i.id === id)?.disposition).toBe('sale');
    // Setting it again replaces it.
    await json(await call(t.agent, 'PUT', `/v1/calls/${id}/disposition`, { disposition: 'callback' }));
    expect((await env.DB.prepare('SELECT disposition, disposition_notes FROM calls WHERE id = ?').bind(id).first())).toEqual({ disposition: 'callback', disposition_notes: null });
  });

  it("another agent's call is 404 for an agent; a supervisor may set any call of the tenant; another tenant's call is 404", async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const omar = await addUser(t, { fullName: 'Omar Khalil' });
    const [omarsCall, broadcastLeg] = await seedCalls(t.tenantId, [{ agentId: omar.id, startedAt: new Date() }, { startedAt: new Date() }]);
    await dialerProblem(await call(t.agent, 'PUT', `/v1/calls/${omarsCall}/disposition`, { disposition: 'sale' }), 404);
    await dialerProblem(await call(t.agent, 'PUT', `/v1/calls/${broadcastLeg}/disposition`, { disposition: 'sale' }), 404);
    await json(await call(t.supervisor, 'PUT', `/v1/calls/${omarsCall}/disposition`, { disposition: 'sale' }));
    await json(await call(omar, 'PUT', `/v1/calls/${omarsCall}/disposition`, { disposition: 'callback' }));
    await dialerProblem(await call(other.admin, 'PUT', `/v1/calls/${omarsCall}/disposition`, { disposition: 'sale' }), 404);
    await dialerProblem(await call(t.admin, 'PUT', '/v1/calls/no-such-call/disposition', { disposition: 'sale' }), 404);
  });

  it('an unknown disposition is a 400 naming /disposition; codes of the replaced list work, removed defaults do not', async () => {
    const t = await seedDialerTenant();
    const [id] = await seedCalls(t.tenantId, [{ agentId: t.agent.id, startedAt: new Date() }]);
    const p = await dialerProblem(await call(t.agent, 'PUT', `/v1/calls/${id}/disposition`, { disposition: 'maybe' }), 400);
    expect(p.field).toBe('/disposition');
    expect((await dialerProblem(await call(t.agent, 'PUT', `/v1/calls/${id}/disposition`, {}), 400)).field).toBe('/disposition');
    await dialerProblem(await call(t.agent, 'PUT', `/v1/calls/${id}/disposition`, { disposition: 'sale', extra: 1 }), 400);
    await json(await call(t.admin, 'PUT', '/v1/dispositions', { dispositions: [{ code: 'booked', label: 'Booked' }] }));
    expect((await dialerProblem(await call(t.agent, 'PUT', `/v1/calls/${id}/disposition`, { disposition: 'sale' }), 400)).field).toBe('/disposition');
    await json(await call(t.agent, 'PUT', `/v1/calls/${id}/disposition`, { disposition: 'booked' }));
  });

  it('a dnc disposition adds the number to the tenant DNC (source agent_disposition, added_by the agent)', async () => {
    const t = await seedDialerTenant();
    const phone = '+971509876543';
    const [id] = await seedCalls(t.tenantId, [{ agentId: t.agent.id, contactPhone: phone, startedAt: new Date(), answerAfterS: 1, endAfterS: 20 }]);
    const body = await json<{ dnc_added: boolean }>(await call(t.agent, 'PUT', `/v1/calls/${id}/disposition`, { disposition: 'do_not_call', notes: 'Customer requested no contact' }));
    expect(body.dnc_added).toBe(true);
    const dnc = await json<{ items: Array<Record<string, unknown>> }>(await call(t.supervisor, 'GET', `/v1/dnc?phone=${encodeURIComponent(phone)}`));
    expect(dnc.items).toEqual([{ id: expect.any(String), phone, source: 'agent_disposition', reason: 'Customer requested no contact', added_by: 'Layla Ahmed', added_at: expect.any(String) }]);
    // Again: already listed, nothing added.
    expect((await json<{ dnc_added: boolean }>(await call(t.agent, 'PUT', `/v1/calls/${id}/disposition`, { disposition: 'do_not_call' }))).dnc_added).toBe(false);
    // A number that is not a dnc disposition's is not added.
    const [other] = await seedCalls(t.tenantId, [{ agentId: t.agent.id, contactPhone: '+971501111111', startedAt: new Date() }]);
    await json(await call(t.agent, 'PUT', `/v1/calls/${other}/disposition`, { disposition: 'not_interested' }));
    expect((await json<{ items: unknown[] }>(await call(t.supervisor, 'GET', '/v1/dnc?phone=%2B971501111111'))).items).toEqual([]);
  });

  it('raises dnc.added like POST /v1/dnc does', async () => {
    const emitted: DialerEvent[] = [];
    vi.resetModules();
    vi.doMock('../../../../worker/src/dialer-events/emit.ts', () => ({
      emitDialerEvents: async (_env: unknown, events: DialerEvent[]) => {
        emitted.push(...events);
      },
    }));
    const app = (await import('../../../../worker/src/app.ts')).buildApp();
    vi.doUnmock('../../../../worker/src/dialer-events/emit.ts');
    const t = await seedDialerTenant();
    const phone = '+971509870000';
    const [id] = await seedCalls(t.tenantId, [{ agentId: t.agent.id, contactPhone: phone, startedAt: new Date() }]);
    const res = await app.request(
      `${BASE}/v1/calls/${id}/disposition`,
      { method: 'PUT', headers: { authorization: `Bearer ${t.agent.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ disposition: 'do_not_call' }) },
      env,
      createExecutionContext(),
    );
    expect(res.status).toBe(200);
    expect(emitted).toEqual([
      {
        type: 'dnc.added',
        tenantId: t.tenantId,
        correlationId: expect.any(String),
        occurredAt: expect.any(String),
        payload: { id: expect.any(String), phone, source: 'agent_disposition', reason: `Disposition "Do not call" on call ${id}`, added_by: 'Layla Ahmed', added_at: expect.any(String) },
      },
    ]);
  });
});

describe('reports read the dispositions agents set', () => {
  it('agent_performance and disposition_summary', async () => {
    const t = await seedDialerTenant();
    const omar = await addUser(t, { fullName: 'Omar Khalil' });
    const start = new Date('2026-06-10T10:00:00.000Z');
    const ids = await seedCalls(t.tenantId, [
      { agentId: t.agent.id, startedAt: start, answerAfterS: 10, endAfterS: 130 },
      { agentId: t.agent.id, startedAt: new Date(start.getTime() + 60_000), answerAfterS: 5, endAfterS: 65 },
      { agentId: t.agent.id, startedAt: new Date(start.getTime() + 120_000), status: 'no_answer', endAfterS: 30 },
      { agentId: omar.id, startedAt: new Date(start.getTime() + 180_000), answerAfterS: 3, endAfterS: 63 },
    ]);
    await json(await call(t.agent, 'PUT', `/v1/calls/${ids[0]}/disposition`, { disposition: 'sale' }));
    await json(await call(t.agent, 'PUT', `/v1/calls/${ids[1]}/disposition`, { disposition: 'do_not_call' }));
    await json(await call(omar, 'PUT', `/v1/calls/${ids[3]}/disposition`, { disposition: 'sale' }));
    const period = { from: '2026-06-10T00:00:00Z', to: '2026-06-10T23:59:59Z' };
    const perf = await json<{ data: Array<Record<string, unknown>> }>(await call(t.supervisor, 'POST', '/v1/reports/export', { report_type: 'agent_performance', format: 'json', ...period }));
    expect(perf.data).toEqual([
      expect.objectContaining({ agent_id: t.agent.id, agent_name: 'Layla Ahmed', calls: 3, connected: 2, disposition_rate: 66.7 }),
      expect.objectContaining({ agent_id: omar.id, agent_name: 'Omar Khalil', calls: 1, connected: 1, disposition_rate: 100 }),
    ]);
    const summary = await json<{ data: Array<Record<string, unknown>> }>(await call(t.supervisor, 'POST', '/v1/reports/export', { report_type: 'disposition_summary', format: 'json', ...period }));
    expect(summary.data.map((r) => [r.disposition, r.calls])).toEqual([
      ['sale', 2],
      [null, 1],
      ['do_not_call', 1],
    ]);
    const csv = await json<{ data: string }>(await call(t.supervisor, 'POST', '/v1/reports/export', { report_type: 'agent_performance', format: 'csv', ...period }));
    expect(csv.data.split('\n')[1]).toBe('Layla Ahmed,3,2,3.0,75,66.7%');
  });
});
