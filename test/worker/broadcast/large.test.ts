// 100,000 recipients in one request: accepted, every leg handed to the
// BroadcastSession. How fast is a benchmark's figure (npm run bench:broadcast),
// not an assertion here; the time is printed for the log only. Its own file, so
// the background work of a 100,000-leg session (retired at the end) never slows
// the other suites.
import { SELF } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { BASE, seedTenant } from '../helpers/tenant.ts';
import { broadcastBody, recipientsOf } from '../helpers/broadcast-body.ts';
import { getAs, postBroadcast, retireBroadcast } from '../helpers/http.ts';

type Buckets = { call_initiated: unknown[]; call_blacklisted: unknown[]; country_not_allowed: unknown[] };

const started: string[] = [];
afterEach(async () => {
  const t0 = Date.now();
  for (const id of started.splice(0)) await retireBroadcast(id);
  console.log(`retired in ${Date.now() - t0} ms`);
});

describe('large broadcasts', () => {
  it('accepts 100,000 recipients in one request', async () => {
    const t = await seedTenant();
    const text = JSON.stringify(broadcastBody({ recipients: recipientsOf(100_000) }));
    const t0 = Date.now();
    const res = await postBroadcast(t, text);
    const responseText = await res.text();
    const ms = Date.now() - t0;
    expect(res.status, responseText.slice(0, 500)).toBe(200);
    const json = JSON.parse(responseText) as { broadcast_id: string; to: Buckets };
    started.push(json.broadcast_id);
    expect(json.to.call_initiated).toHaveLength(100_000);
    expect((json.to.call_initiated[99_999] as { to: string }).to).toBe(recipientsOf(100_000)[99_999]!.to);
    const status = (await (await getAs(t, `/voice/v1/broadcast/${json.broadcast_id}`)).json()) as { total_legs: number };
    expect(status.total_legs).toBe(100_000);
    console.log(`accepted 100,000 recipients (${(text.length / 1e6).toFixed(1)} MB) in ${ms} ms (workerd test pool)`);
  }, 120_000);

  it('buckets 100,000 recipients against a DNC list and allowed countries', async () => {
    const t = await seedTenant({ allowedCountries: ['AE'] });
    const recipients: Array<{ to: string; play: Record<string, unknown> }> = recipientsOf(100_000);
    // Every 10th on the DNC list (added 5,000 at a time, the route's limit), every 1,000th in the US.
    const dnc = recipients.filter((_, i) => i % 10 === 0).map((r) => `+${r.to}`);
    const t0 = Date.now();
    for (let i = 0; i < dnc.length; i += 5000) {
      const res = await SELF.fetch(`${BASE}/voice/v1/dnc`, { method: 'POST', headers: { authorization: t.auth, 'content-type': 'application/json' }, body: JSON.stringify({ phones: dnc.slice(i, i + 5000) }) });
      expect(res.status).toBe(201);
    }
    for (let i = 5; i < recipients.length; i += 1000) recipients[i] = { ...recipients[i]!, to: '12012774877' };
    const t1 = Date.now();
    const res = await postBroadcast(t, broadcastBody({ recipients }));
    console.log(`dnc fill ${t1 - t0} ms, accept ${Date.now() - t1} ms`);
    expect(res.status).toBe(200);
    const json = (await res.json()) as { broadcast_id: string; to: Buckets };
    started.push(json.broadcast_id);
    expect(json.to.call_blacklisted).toHaveLength(10_000);
    expect(json.to.country_not_allowed).toHaveLength(100);
    expect(json.to.call_initiated).toHaveLength(89_900);
  }, 120_000);
});
