// National DNC registries, kept by the platform operator: import (50,000 in
// one request), counts, duplicates and foreign numbers, removal, and the
// effect on every tenant's checks; the operator token and nothing else.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, dialerProblem, PLATFORM_TOKEN, seedDialerTenant } from '../../helpers/dialer.ts';
import { ALWAYS, check, freshSaudiMobile, freshUaeMobile, importRegistry, putRule } from './fixtures.ts';

describe('/v1/platform/dnc-registries', () => {
  it('lists the known registries with their countries and sizes', async () => {
    const res = await call(PLATFORM_TOKEN, 'GET', '/v1/platform/dnc-registries');
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: Array<{ registry: string; country: string; numbers: number }> };
    expect(items.map((r) => [r.registry, r.country])).toEqual([
      ['TDRA', 'AE'],
      ['CITC', 'SA'],
      ['NTRA', 'EG'],
      ['TRC', 'JO'],
    ]);
  });

  it('imports normalised numbers of its own country; repeats are duplicates, foreign or junk numbers invalid', async () => {
    const a = freshSaudiMobile();
    const b = freshSaudiMobile();
    const res = await importRegistry('citc', [a, a.slice(1), b, freshUaeMobile(), 'junk']);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { registry: string; added: number; duplicates_skipped: number; invalid_phones: number; numbers: number };
    expect(body).toMatchObject({ registry: 'CITC', added: 2, duplicates_skipped: 1, invalid_phones: 2 });
    const again = (await (await importRegistry('CITC', [a])).json()) as typeof body;
    expect(again).toMatchObject({ added: 0, duplicates_skipped: 1, numbers: body.numbers });
    expect(await (await call(PLATFORM_TOKEN, 'GET', '/v1/platform/dnc-registries/CITC')).json()).toMatchObject({ registry: 'CITC', numbers: body.numbers, last_imported_at: expect.any(String) });
  });

  it('takes 50,000 numbers in one request, and binds every tenant at once', async () => {
    const base = crypto.getRandomValues(new Uint32Array(1))[0]! % 9_900_000;
    const phones = Array.from({ length: 50_000 }, (_, i) => `+96650${String(base + i).padStart(7, '0')}`);
    const before = ((await (await call(PLATFORM_TOKEN, 'GET', '/v1/platform/dnc-registries/CITC')).json()) as { numbers: number }).numbers;
    const res = await importRegistry('CITC', phones);
    const body = (await res.json()) as { added: number; invalid_phones: number; numbers: number };
    expect(body.invalid_phones).toBe(0);
    expect(body.added).toBe(50_000);
    expect(body.numbers).toBe(before + 50_000);

    for (const t of [await seedDialerTenant(), await seedDialerTenant()]) {
      await putRule(t, 'SA', ALWAYS);
      expect(await check(t.agent, { phone: phones[49_999] })).toMatchObject({ allowed: false, blocking_rule: 'dnc_national', blocking_reason: 'Number is on the national DNC registry (CITC).' });
    }
    await dialerProblem(await importRegistry('CITC', [...phones, phones[0]!]), 400);
  });

  it('removes numbers: the check passes again', async () => {
    const t = await seedDialerTenant();
    await putRule(t, 'AE', ALWAYS);
    const phone = freshUaeMobile();
    await importRegistry('TDRA', [phone]);
    expect((await check(t.agent, { phone })).checks.dnc_national).toBe('failed');
    const res = await call(PLATFORM_TOKEN, 'DELETE', '/v1/platform/dnc-registries/TDRA/numbers', { phones: [phone, freshUaeMobile(), '+966501234567'] });
    expect(await res.json()).toMatchObject({ registry: 'TDRA', removed: 1, invalid_phones: 1 });
    expect((await check(t.agent, { phone })).checks.dnc_national).toBe('passed');
  });

  it('answers only the operator: users get 401, unknown registries 404, bad bodies 400', async () => {
    const t = await seedDialerTenant();
    await dialerProblem(await call(t.admin, 'GET', '/v1/platform/dnc-registries'), 401);
    await dialerProblem(await call(t.admin.token, 'POST', '/v1/platform/dnc-registries/TDRA/numbers', { phones: [freshUaeMobile()] }), 401);
    await dialerProblem(await call(null, 'DELETE', '/v1/platform/dnc-registries/TDRA/numbers', { phones: [freshUaeMobile()] }), 401);
    await dialerProblem(await call(PLATFORM_TOKEN, 'GET', '/v1/platform/dnc-registries/FCC'), 404);
    await dialerProblem(await importRegistry('FCC', ['+12025550143']), 404);
    for (const body of [{}, { phones: [] }, { phones: 'x' }, { phones: [1] }]) await dialerProblem(await call(PLATFORM_TOKEN, 'POST', '/v1/platform/dnc-registries/TDRA/numbers', body), 400);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM national_dnc WHERE registry = 'FCC'").first<{ n: number }>())!.n).toBe(0);
  });
});
