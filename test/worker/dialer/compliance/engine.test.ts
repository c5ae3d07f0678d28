// The engine called the way dialing code calls it (checkCompliance /
// checkComplianceBatch): default deny on an injected error and on a timeout,
// both audited; a denial even when the audit cannot be written; a batch of
// many calls costs one D1 round trip to read and one to write; and audit
// rows can be neither changed nor removed.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { seedDialerTenant } from '../../helpers/dialer.ts';
import { checkCompliance, checkComplianceBatch } from '../../../../worker/src/compliance/engine.ts';
import { loadFacts, type FactsLoader } from '../../../../worker/src/compliance/facts-loader.ts';
import type { Env } from '../../../../worker/src/env.ts';
import { ALWAYS, freshUaeMobile, ownCli, putRule } from './fixtures.ts';

const workerEnv = env as unknown as Env;

async function auditCount(tenantId: string): Promise<number> {
  return (await env.DB.prepare('SELECT COUNT(*) AS n FROM compliance_audit WHERE tenant_id = ?').bind(tenantId).first<{ n: number }>())!.n;
}

/** env with a D1 whose batch() calls are counted (and optionally fail). */
function countingEnv(options: { failBatch?: (n: number) => boolean } = {}) {
  let batches = 0;
  const db = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === 'batch') {
        return async (statements: D1PreparedStatement[]) => {
          batches++;
          if (options.failBatch?.(batches)) throw new Error('D1_ERROR: injected');
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { env: { ...workerEnv, DB: db } as Env, batches: () => batches };
}

describe('default deny', () => {
  it('an error while gathering facts denies, and the denial is audited', async () => {
    const t = await seedDialerTenant();
    const failing: FactsLoader = async () => {
      throw new Error('D1 exploded');
    };
    const result = await checkCompliance(workerEnv, { tenantId: t.tenantId, phone: freshUaeMobile(), context: 'campaign', subject: 'c-1' }, { loader: failing });
    expect(result).toMatchObject({ allowed: false, blockingRule: 'compliance_unavailable', ruleVersion: 'unknown', auditRef: expect.stringMatching(/^AUD-\d+$/) });
    expect(Object.values(result.checks)).toEqual(['error', 'error', 'error', 'error', 'error']);
    const row = await env.DB.prepare('SELECT allowed, blocking_rule, context, subject FROM compliance_audit WHERE seq = ?').bind(Number(result.auditRef!.slice(4))).first();
    expect(row).toEqual({ allowed: 0, blocking_rule: 'compliance_unavailable', context: 'campaign', subject: 'c-1' });
  });

  it('no answer within the time limit denies', async () => {
    const t = await seedDialerTenant();
    const never: FactsLoader = () => new Promise(() => {});
    const result = await checkCompliance(workerEnv, { tenantId: t.tenantId, phone: freshUaeMobile(), context: 'originate' }, { loader: never, timeoutMs: 50 });
    expect(result).toMatchObject({ allowed: false, blockingRule: 'compliance_unavailable', blockingReason: 'The compliance check could not be completed (no answer within 50 ms); calls are denied by default.' });
    expect(await auditCount(t.tenantId)).toBe(1);
  });

  it('a slow but timely answer is a normal decision', async () => {
    const t = await seedDialerTenant();
    await putRule(t, 'AE', ALWAYS);
    const slow: FactsLoader = async (db, q) => {
      await new Promise((r) => setTimeout(r, 30));
      return loadFacts(db, q);
    };
    expect((await checkCompliance(workerEnv, { tenantId: t.tenantId, phone: freshUaeMobile(), context: 'api' }, { loader: slow, timeoutMs: 1000 })).allowed).toBe(true);
  });

  it('when even the audit cannot be written, the answer is still a denial (audit_ref null), never a throw', async () => {
    const t = await seedDialerTenant();
    await putRule(t, 'AE', ALWAYS);
    const broken = countingEnv({ failBatch: (n) => n === 2 }); // the read succeeds, the audit write fails
    const result = await checkCompliance(broken.env, { tenantId: t.tenantId, phone: freshUaeMobile(), context: 'api' });
    expect(result).toMatchObject({ allowed: false, auditRef: null, blockingRule: 'compliance_unavailable' });
    expect(await auditCount(t.tenantId)).toBe(0);
  });
});

describe('batches', () => {
  it('decides many calls with one D1 round trip to read and one to write, results in input order', async () => {
    const t = await seedDialerTenant();
    await putRule(t, 'AE', ALWAYS);
    await ownCli(t, ['+97144000020']);
    const phones = Array.from({ length: 100 }, () => freshUaeMobile());
    await env.DB.prepare('INSERT INTO dnc (id, tenant_id, phone, added_at) VALUES (?, ?, ?, ?)').bind(crypto.randomUUID(), t.tenantId, phones[37], new Date().toISOString()).run();
    const counted = countingEnv();
    const results = await checkComplianceBatch(
      counted.env,
      t.tenantId,
      phones.map((phone) => ({ phone, cli: '+97144000020', context: 'broadcast' as const, subject: 'b-1' })),
    );
    expect(counted.batches()).toBe(2);
    expect(results.map((r) => r.phone)).toEqual(phones);
    expect(results.filter((r) => !r.allowed).map((r) => r.phone)).toEqual([phones[37]]);
    expect(new Set(results.map((r) => r.auditRef)).size).toBe(100);
    expect(await auditCount(t.tenantId)).toBe(100);
  });
});

describe('the audit trail is append-only', () => {
  it('refuses UPDATE and DELETE of a record', async () => {
    const t = await seedDialerTenant();
    const { auditRef } = await checkCompliance(workerEnv, { tenantId: t.tenantId, phone: freshUaeMobile(), context: 'api' });
    const seq = Number(auditRef!.slice(4));
    await expect(env.DB.prepare('UPDATE compliance_audit SET allowed = 1 WHERE seq = ?').bind(seq).run()).rejects.toThrow(/append-only/);
    await expect(env.DB.prepare('DELETE FROM compliance_audit WHERE seq = ?').bind(seq).run()).rejects.toThrow(/append-only/);
    await expect(env.DB.prepare('DELETE FROM compliance_audit WHERE tenant_id = ?').bind(t.tenantId).run()).rejects.toThrow(/append-only/);
    expect(await auditCount(t.tenantId)).toBe(1);
  });
});
