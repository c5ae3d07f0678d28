// GET /v1/compliance/audit and /{audit_ref}: newest first, every filter,
// paging through a long trail while checks keep adding records, roles, and
// another tenant's records always 404.
import { describe, expect, it } from 'vitest';
import { allPages, call, dialerProblem, seedDialerTenant } from '../../helpers/dialer.ts';
import { ALWAYS, NEVER, check, freshUaeMobile, putRule, seedCampaign } from './fixtures.ts';

interface AuditItem {
  audit_ref: string;
  phone: string;
  allowed: boolean;
  context: string;
  subject: string | null;
  campaign_id: string | null;
  blocking_rule: string | null;
  checks: Record<string, string>;
  rule_version: string;
  checked_at: string;
}

describe('GET /v1/compliance/audit', () => {
  it('lists the tenant’s decisions newest first, with the check body’s fields', async () => {
    const t = await seedDialerTenant();
    await putRule(t, 'AE', ALWAYS);
    await putRule(t, 'SA', NEVER);
    const a = await check(t.agent, { phone: freshUaeMobile() });
    const b = await check(t.supervisor, { phone: '+966501234567' });
    const res = await call(t.supervisor, 'GET', '/v1/compliance/audit');
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: AuditItem[]; total: number; has_more: boolean; next_cursor: string | null };
    expect(page).toMatchObject({ total: 2, has_more: false, next_cursor: null });
    expect(page.items.map((i) => i.audit_ref)).toEqual([b.audit_ref, a.audit_ref]);
    expect(page.items[0]).toEqual({
      audit_ref: b.audit_ref,
      phone: '+966501234567',
      jurisdiction: 'SA',
      campaign_id: null,
      context: 'api',
      subject: t.supervisor.id,
      allowed: false,
      blocking_rule: 'calling_hours',
      blocking_reason: 'Outside permitted calling hours for SA (never).',
      checks: b.checks,
      rule_version: '2026-06-01+r2',
      checked_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const one = await call(t.supervisor, 'GET', `/v1/compliance/audit/${a.audit_ref}`);
    expect(await one.json()).toMatchObject({ audit_ref: a.audit_ref, allowed: true });
  });

  it('filters by phone, allowed, blocking_rule, context, campaign and time', async () => {
    const t = await seedDialerTenant();
    await putRule(t, 'AE', ALWAYS);
    const campaignId = await seedCampaign(t);
    const blocked = freshUaeMobile();
    await call(t.supervisor, 'POST', '/v1/dnc', { phones: [blocked] });
    const start = new Date().toISOString();
    await check(t.agent, { phone: blocked });
    await check(t.agent, { phone: blocked, campaign_id: campaignId });
    await check(t.agent, { phone: freshUaeMobile(), campaign_id: campaignId });
    const total = async (q: string) => ((await (await call(t.supervisor, 'GET', `/v1/compliance/audit?${q}`)).json()) as { total: number }).total;
    expect(await total(`phone=${encodeURIComponent(blocked)}`)).toBe(2);
    expect(await total(`phone=${blocked.slice(1)}`)).toBe(2);
    expect(await total('allowed=false')).toBe(2);
    expect(await total('allowed=true')).toBe(1);
    expect(await total('blocking_rule=dnc_tenant')).toBe(2);
    expect(await total(`campaign_id=${campaignId}`)).toBe(2);
    expect(await total(`campaign_id=${campaignId}&allowed=false`)).toBe(1);
    expect(await total('context=api')).toBe(3);
    expect(await total('context=broadcast')).toBe(0);
    expect(await total(`from=${start}`)).toBe(3);
    expect(await total(`to=${start}`)).toBe(0);
    for (const q of ['allowed=maybe', 'context=fax', 'from=yesterday', 'phone=12', 'limit=201', 'cursor=nope']) {
      await dialerProblem(await call(t.supervisor, 'GET', `/v1/compliance/audit?${q}`), 400);
    }
  });

  it('pages through a long trail without repeats or gaps while new checks are written', async () => {
    const t = await seedDialerTenant();
    await putRule(t, 'AE', ALWAYS);
    const first: string[] = [];
    for (let i = 0; i < 25; i++) first.push((await check(t.agent, { phone: freshUaeMobile() })).audit_ref!);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call(t.supervisor, 'GET', `/v1/compliance/audit?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      const page = (await res.json()) as { items: AuditItem[]; next_cursor: string | null };
      seen.push(...page.items.map((i) => i.audit_ref));
      cursor = page.next_cursor;
      // Newer records land before the cursor, never inside the pages still to come.
      await check(t.agent, { phone: freshUaeMobile() });
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toEqual([...first].reverse());
    expect((await allPages<AuditItem>(t.supervisor, '/v1/compliance/audit', 50)).length).toBe(29);
  });

  it('is for supervisors and admins; another tenant’s record is a 404', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const { audit_ref } = await check(t.agent, { phone: freshUaeMobile() });
    await dialerProblem(await call(t.agent, 'GET', '/v1/compliance/audit'), 403);
    await dialerProblem(await call(t.agent, 'GET', `/v1/compliance/audit/${audit_ref}`), 403);
    await dialerProblem(await call(null, 'GET', '/v1/compliance/audit'), 401);
    expect((await call(t.admin, 'GET', `/v1/compliance/audit/${audit_ref}`)).status).toBe(200);
    await dialerProblem(await call(other.supervisor, 'GET', `/v1/compliance/audit/${audit_ref}`), 404);
    await dialerProblem(await call(other.supervisor, 'GET', '/v1/compliance/audit/AUD-0'), 404);
    await dialerProblem(await call(other.supervisor, 'GET', '/v1/compliance/audit/nonsense'), 404);
    expect(((await (await call(other.supervisor, 'GET', '/v1/compliance/audit')).json()) as { total: number }).total).toBe(0);
  });
});
