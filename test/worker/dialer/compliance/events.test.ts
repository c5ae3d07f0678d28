// The dialer webhook events the compliance area raises, caught at the one
// door they must pass (emitDialerEvents): dnc.added once per number actually
// added, and call.compliance_blocked for a dial the engine refused — plus
// the spec's originate 403 body built from the same result.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { DialerEvent } from '../../../../worker/src/dialer-events/emit.ts';
import { addToTenantDnc } from '../../../../worker/src/dnc/tenant-dnc.ts';
import { checkCompliance } from '../../../../worker/src/compliance/engine.ts';
import { complianceBlockedEvent } from '../../../../worker/src/compliance/blocked-event.ts';
import { complianceBlockedProblem } from '../../../../worker/src/compliance/blocked-problem.ts';
import { problemBody } from '../../../../worker/src/errors/problem.ts';
import type { Env } from '../../../../worker/src/env.ts';
import { seedDialerTenant } from '../../helpers/dialer.ts';
import { freshUaeMobile } from './fixtures.ts';

const emitted: DialerEvent[] = [];
const watch = async (_env: unknown, events: DialerEvent[]) => {
  emitted.push(...events);
};

describe('dnc.added', () => {
  it('one event per number added, none for duplicates or invalid numbers', async () => {
    const t = await seedDialerTenant();
    const [a, b] = [freshUaeMobile(), freshUaeMobile()];
    await addToTenantDnc(env as unknown as Env, { tenantId: t.tenantId, phones: [a], reason: null, source: 'api', addedBy: t.admin.id, addedByName: 'Amira Admin' }, watch);
    emitted.length = 0;
    const result = await addToTenantDnc(env as unknown as Env, { tenantId: t.tenantId, phones: [a, b, b.slice(1), 'junk'], reason: 'opt-out', source: 'api', addedBy: t.supervisor.id, addedByName: 'Samir Supervisor' }, watch);
    expect(result).toMatchObject({ added: 1, duplicatesSkipped: 2, invalidPhones: 1, invalidIndexes: [3] });
    expect(emitted).toEqual([
      {
        type: 'dnc.added',
        tenantId: t.tenantId,
        correlationId: expect.any(String),
        occurredAt: expect.any(String),
        payload: { id: expect.any(String), phone: b, source: 'api', reason: 'opt-out', added_by: 'Samir Supervisor', added_at: expect.any(String) },
      },
    ]);
    expect(emitted[0]!.correlationId).toBe(emitted[0]!.payload.id);
  });
});

describe('call.compliance_blocked', () => {
  it('carries the call, the reason and the spec’s compliance object', async () => {
    const t = await seedDialerTenant();
    const result = await checkCompliance(env as unknown as Env, { tenantId: t.tenantId, phone: '+33612345678', context: 'campaign', campaignId: null });
    expect(complianceBlockedEvent({ tenantId: t.tenantId, callId: 'call-1', campaignId: 'camp-1' }, result)).toEqual({
      type: 'call.compliance_blocked',
      tenantId: t.tenantId,
      correlationId: 'call-1',
      payload: {
        call_id: 'call-1',
        agent_id: null,
        campaign_id: 'camp-1',
        broadcast_id: null,
        contact_phone: '+33612345678',
        status: 'blocked',
        detail: 'No calling-hours rule for FR; calls are denied until one is set (PUT /v1/compliance/rules/FR).',
        compliance: { allowed: false, rule: 'calling_hours', rule_version: '2026-06-01', audit_ref: result.auditRef },
      },
    });
  });
});

describe('the originate 403', () => {
  it('is the spec’s "403 Compliance Block" body', async () => {
    const t = await seedDialerTenant();
    const result = await checkCompliance(env as unknown as Env, { tenantId: t.tenantId, phone: '+33612345678', context: 'originate' });
    const problem = complianceBlockedProblem(result);
    expect(problem.init.status).toBe(403);
    expect(problemBody(problem.init, 'https://engage.broadnet.me/errors/')).toEqual({
      type: 'https://engage.broadnet.me/errors/compliance-blocked',
      title: 'Call blocked by compliance',
      status: 403,
      detail: 'No calling-hours rule for FR; calls are denied until one is set (PUT /v1/compliance/rules/FR).',
      compliance: { allowed: false, rule: 'calling_hours', rule_version: '2026-06-01', audit_ref: result.auditRef },
    });
  });
});
