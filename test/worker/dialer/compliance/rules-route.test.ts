// The tenant's calling rules: the defaults as GET shows them, each edit an
// immutable revision that changes rule_version (in GET and in checks), old
// revisions readable, DELETE back to the default, concurrent edits all kept,
// validation, roles and tenant isolation.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, dialerProblem, seedDialerTenant } from '../../helpers/dialer.ts';
import { ALWAYS, NEVER, check, freshUaeMobile, putRule } from './fixtures.ts';

interface RulesBody {
  rule_version: string;
  defaults_version: string;
  revision: number | null;
  updated_at: string | null;
  updated_by: string | null;
  rules: Array<{ jurisdiction: string; source: string; timezones: string[] | null; calling_windows: unknown[]; consent_required: boolean; summary: string; national_registry: string | null }>;
}

async function rules(who: Parameters<typeof call>[0], query = ''): Promise<RulesBody> {
  const res = await call(who, 'GET', `/v1/compliance/rules${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as RulesBody;
}
const rule = (body: RulesBody, j: string) => body.rules.find((r) => r.jurisdiction === j);

describe('GET /v1/compliance/rules', () => {
  it('shows the defaults to every role, with their version and the national registries', async () => {
    const t = await seedDialerTenant();
    const body = await rules(t.agent);
    expect(body).toMatchObject({ rule_version: '2026-06-01', defaults_version: '2026-06-01', revision: null, updated_at: null, updated_by: null });
    expect(body.rules.map((r) => r.jurisdiction)).toEqual(['AE', 'BH', 'EG', 'GB', 'IN', 'JO', 'KW', 'OM', 'QA', 'SA', 'US']);
    expect(rule(body, 'AE')).toEqual({
      jurisdiction: 'AE',
      source: 'default',
      timezones: ['Asia/Dubai'],
      calling_windows: [{ days: ['sun', 'mon', 'tue', 'wed', 'thu'], start: '09:00', end: '18:00' }],
      consent_required: false,
      summary: '09:00–18:00 Sun–Thu',
      national_registry: 'TDRA',
    });
    expect(rule(body, 'US')).toMatchObject({ consent_required: true, summary: '08:00–21:00 daily', national_registry: null });
    expect([rule(body, 'SA')!.national_registry, rule(body, 'EG')!.national_registry, rule(body, 'JO')!.national_registry]).toEqual(['CITC', 'NTRA', 'TRC']);
    await dialerProblem(await call(null, 'GET', '/v1/compliance/rules'), 401);
  });
});

describe('PUT /v1/compliance/rules/{jurisdiction}', () => {
  it('makes a new revision: rule_version changes in GET and in every check after it', async () => {
    const t = await seedDialerTenant();
    const phone = freshUaeMobile();
    expect((await check(t.agent, { phone })).rule_version).toBe('2026-06-01');

    const res = await call(t.admin, 'PUT', '/v1/compliance/rules/ae', ALWAYS);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      rule_version: '2026-06-01+r1',
      revision: 1,
      rule: { jurisdiction: 'AE', source: 'tenant', timezones: null, calling_windows: ALWAYS.calling_windows, consent_required: false, summary: '00:00–24:00 daily', national_registry: 'TDRA' },
    });
    expect(await check(t.agent, { phone })).toMatchObject({ allowed: true, rule_version: '2026-06-01+r1' });

    const body = await rules(t.agent);
    expect(body).toMatchObject({ rule_version: '2026-06-01+r1', revision: 1, updated_by: 'Amira Admin' });
    expect(rule(body, 'AE')!.source).toBe('tenant');

    // A second edit keeps the first: each revision holds every override of the tenant.
    expect(await putRule(t, 'SA', NEVER)).toMatchObject({ revision: 2, rule_version: '2026-06-01+r2' });
    const after = await rules(t.agent);
    expect([rule(after, 'AE')!.source, rule(after, 'SA')!.source]).toEqual(['tenant', 'tenant']);
    expect((await check(t.agent, { phone })).rule_version).toBe('2026-06-01+r2');
  });

  it('keeps every revision as it was: ?revision=n shows the rules an audit names', async () => {
    const t = await seedDialerTenant();
    await putRule(t, 'AE', ALWAYS);
    const stored = async () => (await env.DB.prepare('SELECT revision, rules, created_at FROM compliance_rule_sets WHERE tenant_id = ? ORDER BY revision').bind(t.tenantId).all()).results;
    const before = await stored();
    await putRule(t, 'AE', NEVER);
    const after = await stored();
    expect(after.slice(0, 1)).toEqual(before);
    expect(after).toHaveLength(2);
    expect(rule(await rules(t.agent, '?revision=1'), 'AE')!.summary).toBe('00:00–24:00 daily');
    expect(rule(await rules(t.agent, '?revision=2'), 'AE')!.summary).toBe('never');
    expect((await rules(t.agent, '?revision=1')).rule_version).toBe('2026-06-01+r1');
    await dialerProblem(await call(t.agent, 'GET', '/v1/compliance/rules?revision=3'), 404);
    await dialerProblem(await call(t.agent, 'GET', '/v1/compliance/rules?revision=0'), 400);
  });

  it('loses no edit when admins write at the same time', async () => {
    const t = await seedDialerTenant();
    const keys = ['AE', 'SA', 'EG', 'JO', 'KW', 'QA', 'BH', 'OM'];
    const answers = await Promise.all(keys.map((k) => call(t.admin, 'PUT', `/v1/compliance/rules/${k}`, NEVER)));
    expect(answers.map((r) => r.status)).toEqual(keys.map(() => 200));
    const revisions = await Promise.all(answers.map(async (r) => ((await r.json()) as { revision: number }).revision));
    expect(revisions.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const body = await rules(t.agent);
    expect(body.revision).toBe(8);
    expect(keys.map((k) => rule(body, k)!.source)).toEqual(keys.map(() => 'tenant'));
  });

  it('takes a catch-all "*" and any dialable country', async () => {
    const t = await seedDialerTenant();
    await putRule(t, '*', { ...ALWAYS, consent_required: true });
    await putRule(t, 'FR', { timezones: ['Europe/Paris'], calling_windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '10:00', end: '13:00' }, { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '14:00', end: '20:00' }], consent_required: false });
    const body = await rules(t.agent);
    expect(body.rules.at(-1)).toMatchObject({ jurisdiction: '*', source: 'tenant', national_registry: null });
    expect(rule(body, 'FR')!.summary).toBe('10:00–13:00 Mon–Fri, 14:00–20:00 Mon–Fri');
  });

  it.each([
    [{ calling_windows: [], consent_required: 'yes' }, '/consent_required'],
    [{ calling_windows: [] }, '/consent_required'],
    [{ consent_required: false }, '/calling_windows'],
    [{ ...ALWAYS, timezones: ['Mars/Olympus'] }, '/timezones/0'],
    [{ ...ALWAYS, timezones: [] }, '/timezones'],
    [{ calling_windows: [{ days: ['fri'], start: '18:00', end: '09:00' }], consent_required: false }, '/calling_windows/0/end'],
    [{ calling_windows: [{ days: ['friday'], start: '09:00', end: '18:00' }], consent_required: false }, '/calling_windows/0/days/0'],
    [{ calling_windows: [{ days: [], start: '09:00', end: '18:00' }], consent_required: false }, '/calling_windows/0/days'],
    [{ calling_windows: [{ days: ['fri'], start: '9:00', end: '25:00' }], consent_required: false }, '/calling_windows/0/start'],
    [{ ...ALWAYS, note: 'x' }, ''],
  ])('400 for %j', async (body, pointer) => {
    const t = await seedDialerTenant();
    const p = await dialerProblem(await call(t.admin, 'PUT', '/v1/compliance/rules/AE', body), 400);
    expect(p.errors!.map((e) => e.pointer)).toContain(pointer);
    expect((await rules(t.admin)).revision).toBeNull();
  });

  it('400 for a jurisdiction that is no country', async () => {
    const t = await seedDialerTenant();
    for (const j of ['XX', 'UAE', '1']) {
      const p = await dialerProblem(await call(t.admin, 'PUT', `/v1/compliance/rules/${j}`, ALWAYS), 400);
      expect(p.field).toBe('/path/jurisdiction');
    }
  });

  it('is for admins only; another tenant never sees the edit', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    for (const who of [t.agent, t.supervisor]) {
      await dialerProblem(await call(who, 'PUT', '/v1/compliance/rules/AE', ALWAYS), 403);
      await dialerProblem(await call(who, 'DELETE', '/v1/compliance/rules/AE'), 403);
    }
    await dialerProblem(await call(null, 'PUT', '/v1/compliance/rules/AE', ALWAYS), 401);
    await putRule(t, 'AE', NEVER);
    expect((await rules(other.agent)).revision).toBeNull();
    await dialerProblem(await call(other.agent, 'GET', '/v1/compliance/rules?revision=1'), 404);
    await dialerProblem(await call(other.admin, 'DELETE', '/v1/compliance/rules/AE'), 404);
  });
});

describe('DELETE /v1/compliance/rules/{jurisdiction}', () => {
  it('drops the tenant’s rule in a new revision: the default governs again', async () => {
    const t = await seedDialerTenant();
    await putRule(t, 'AE', NEVER);
    await putRule(t, 'FR', ALWAYS);
    const res = await call(t.admin, 'DELETE', '/v1/compliance/rules/AE');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ rule_version: '2026-06-01+r3', revision: 3, rule: { jurisdiction: 'AE', source: 'default', summary: '09:00–18:00 Sun–Thu' } });
    const body = await rules(t.agent);
    expect(rule(body, 'AE')!.source).toBe('default');
    expect(rule(body, 'FR')!.source).toBe('tenant');
    // A country with no default has no rule at all afterwards.
    expect(await (await call(t.admin, 'DELETE', '/v1/compliance/rules/FR')).json()).toMatchObject({ revision: 4, rule: null });
    await dialerProblem(await call(t.admin, 'DELETE', '/v1/compliance/rules/AE'), 404);
    await dialerProblem(await call(t.admin, 'DELETE', '/v1/compliance/rules/*'), 404);
  });
});
