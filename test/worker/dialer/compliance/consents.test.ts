// Consent records: recording grants and revocations, listing, revoking, and
// what the engine makes of them; roles, validation, cross-tenant 404s.
import { describe, expect, it } from 'vitest';
import { allPages, call, dialerProblem, seedDialerTenant } from '../../helpers/dialer.ts';
import { ALWAYS, check, putRule, seedCampaign } from './fixtures.ts';

interface Consent {
  id: string;
  phone: string;
  campaign_id: string | null;
  status: string;
  source: string | null;
  granted_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  recorded_by: string | null;
  created_at: string;
}

async function grant(t: Awaited<ReturnType<typeof seedDialerTenant>>, body: Record<string, unknown>): Promise<Consent> {
  const res = await call(t.supervisor, 'POST', '/v1/consents', body);
  expect(res.status).toBe(201);
  return (await res.json()) as Consent;
}

const US_PHONE = '+12025550143';

describe('consents', () => {
  it('records a grant, lists it by phone, and revokes it (idempotently)', async () => {
    const t = await seedDialerTenant();
    const c = await grant(t, { phone: US_PHONE.slice(1), source: 'web_form', expires_at: '2099-01-01T00:00:00Z' });
    expect(c).toEqual({
      id: expect.any(String),
      phone: US_PHONE,
      campaign_id: null,
      status: 'granted',
      source: 'web_form',
      granted_at: expect.stringMatching(/^\d{4}-/),
      expires_at: '2099-01-01T00:00:00.000Z',
      revoked_at: null,
      recorded_by: 'Samir Supervisor',
      created_at: expect.any(String),
    });
    const listed = (await (await call(t.supervisor, 'GET', `/v1/consents?phone=${encodeURIComponent(US_PHONE)}`)).json()) as { items: Consent[]; total: number };
    expect(listed.total).toBe(1);
    expect(listed.items[0]!.id).toBe(c.id);

    const revoked = (await (await call(t.admin, 'POST', `/v1/consents/${c.id}/revoke`)).json()) as Consent;
    expect(revoked).toMatchObject({ id: c.id, status: 'revoked', granted_at: c.granted_at, revoked_at: expect.any(String) });
    const again = (await (await call(t.supervisor, 'POST', `/v1/consents/${c.id}/revoke`)).json()) as Consent;
    expect(again.revoked_at).toBe(revoked.revoked_at);
  });

  it('drives the consent check: required and granted passes, revoked fails, expiry and campaign scope count', async () => {
    const t = await seedDialerTenant();
    await putRule(t, 'US', { ...ALWAYS, consent_required: true });
    const campaignA = await seedCampaign(t);
    const campaignB = await seedCampaign(t);
    expect((await check(t.agent, { phone: US_PHONE })).checks.consent).toBe('failed');

    const forA = await grant(t, { phone: US_PHONE, campaign_id: campaignA });
    expect((await check(t.agent, { phone: US_PHONE, campaign_id: campaignA })).checks.consent).toBe('passed');
    expect((await check(t.agent, { phone: US_PHONE, campaign_id: campaignB })).checks.consent).toBe('failed');
    expect((await check(t.agent, { phone: US_PHONE })).checks.consent).toBe('failed');

    await call(t.supervisor, 'POST', `/v1/consents/${forA.id}/revoke`);
    expect(await check(t.agent, { phone: US_PHONE, campaign_id: campaignA })).toMatchObject({ allowed: false, blocking_rule: 'consent', blocking_reason: expect.stringMatching(/revoked/) });

    // An expired grant is no grant where consent is required.
    await grant(t, { phone: '+12025550144', granted_at: '2025-01-01T00:00:00Z', expires_at: '2025-06-01T00:00:00Z' });
    expect(await check(t.agent, { phone: '+12025550144' })).toMatchObject({ blocking_rule: 'consent', blocking_reason: 'Prior consent is required for calls to US; the consent on record expired on 2025-06-01.' });
  });

  it('filters and pages newest first', async () => {
    const t = await seedDialerTenant();
    const campaignId = await seedCampaign(t);
    for (let i = 0; i < 6; i++) await grant(t, { phone: `+1202555017${i}`, ...(i % 2 ? { campaign_id: campaignId } : {}) });
    await grant(t, { phone: '+12025550179', status: 'revoked' });
    const all = await allPages<Consent>(t.supervisor, '/v1/consents', 3);
    expect(all.map((c) => c.phone)).toEqual(['+12025550179', '+12025550175', '+12025550174', '+12025550173', '+12025550172', '+12025550171', '+12025550170']);
    expect((await allPages<Consent>(t.supervisor, `/v1/consents?campaign_id=${campaignId}`, 2)).length).toBe(3);
    expect((await allPages<Consent>(t.supervisor, '/v1/consents?status=revoked', 2)).map((c) => c.phone)).toEqual(['+12025550179']);
  });

  it.each([
    [{}, '/phone'],
    [{ phone: 'call me' }, '/phone'],
    [{ phone: US_PHONE, status: 'maybe' }, '/status'],
    [{ phone: US_PHONE, granted_at: '2999-01-01T00:00:00Z' }, '/granted_at'],
    [{ phone: US_PHONE, expires_at: 'tomorrow' }, '/expires_at'],
    [{ phone: US_PHONE, granted_at: '2026-01-02T00:00:00Z', expires_at: '2026-01-01T00:00:00Z' }, '/expires_at'],
    [{ phone: US_PHONE, status: 'revoked', expires_at: '2099-01-01T00:00:00Z' }, '/expires_at'],
    [{ phone: US_PHONE, note: 'x' }, ''],
  ])('400 for %j', async (body, pointer) => {
    const t = await seedDialerTenant();
    const p = await dialerProblem(await call(t.supervisor, 'POST', '/v1/consents', body), 400);
    expect(p.errors!.map((e) => e.pointer)).toContain(pointer);
  });

  it('supervisors and admins only; other tenants’ consents and campaigns are 404', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const c = await grant(t, { phone: US_PHONE });
    await dialerProblem(await call(t.agent, 'POST', '/v1/consents', { phone: US_PHONE }), 403);
    await dialerProblem(await call(t.agent, 'GET', '/v1/consents'), 403);
    await dialerProblem(await call(t.agent, 'POST', `/v1/consents/${c.id}/revoke`), 403);
    await dialerProblem(await call(null, 'GET', '/v1/consents'), 401);
    await dialerProblem(await call(other.supervisor, 'POST', `/v1/consents/${c.id}/revoke`), 404);
    await dialerProblem(await call(other.supervisor, 'POST', '/v1/consents', { phone: US_PHONE, campaign_id: await seedCampaign(t) }), 404);
    expect(((await (await call(other.supervisor, 'GET', '/v1/consents')).json()) as { total: number }).total).toBe(0);
    await dialerProblem(await call(t.supervisor, 'POST', '/v1/consents', { phone: US_PHONE, tenant_id: other.tenantId }), 422);
  });
});
