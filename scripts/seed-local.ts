/**
 * Applies D1 migrations to the local (Miniflare) database and seeds the demo
 * tenant and app whose credentials the README shows. Idempotent: safe to run
 * before every `npm run stack`. Local development only — production tenants
 * are created by `npm run tenant:create` (docs/dialer-api.md).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPasswordNode } from './create-tenant.ts';
import { alwaysOpenRules } from '../worker/src/compliance/rules/always-open.ts';

export const DEMO = {
  tenantId: '00000000-0000-4000-8000-000000000001',
  tenantName: 'Demo tenant',
  appId: 'demo-app',
  appKey: 'demo-key-5b9e7c1d2a',
  webhookSecret: 'demo-webhook-secret',
  /** Dialer API (/v1) users of the demo tenant, one per role; all share the password. */
  users: [
    { id: '00000000-0000-7000-8000-0000000000a1', email: 'admin@demo.crier.test', fullName: 'Demo Admin', role: 'admin' },
    { id: '00000000-0000-7000-8000-0000000000a2', email: 'supervisor@demo.crier.test', fullName: 'Demo Supervisor', role: 'supervisor' },
    { id: '00000000-0000-7000-8000-0000000000a3', email: 'agent@demo.crier.test', fullName: 'Layla Ahmed', role: 'agent' },
  ],
  userPassword: 'demo-password-2026',
  /** The local stack's operator token for /v1/platform/* (never a default in wrangler.toml). */
  platformToken: 'demo-platform-token-0123456789abcdef',
  cliGroupId: '00000000-0000-4000-8000-000000000002',
  /** The caller ID the demo, e2e tests and benches broadcast from: an owned CLI passes the compliance gate. */
  cli: '+12012774877',
} as const;

const wrangler = join(process.cwd(), 'node_modules', '.bin', 'wrangler');
const quiet: import('node:child_process').ExecFileSyncOptions = { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' } };

export function seedLocal(persistTo?: string): void {
  const persist = persistTo ? ['--persist-to', persistTo] : [];
  execFileSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', ...persist], quiet);
  const keyHash = createHash('sha256').update(DEMO.appKey).digest('hex');
  const now = new Date().toISOString();
  const sql = `
INSERT OR IGNORE INTO tenants (id, name, timezone, created_at) VALUES ('${DEMO.tenantId}', '${DEMO.tenantName}', 'Asia/Dubai', '${now}');
INSERT INTO apps (id, tenant_id, name, key_hash, webhook_secret, created_at)
  VALUES ('${DEMO.appId}', '${DEMO.tenantId}', 'Demo app', '${keyHash}', '${DEMO.webhookSecret}', '${now}')
  ON CONFLICT(id) DO UPDATE SET key_hash = excluded.key_hash, webhook_secret = excluded.webhook_secret, disabled_at = NULL;
${DEMO.users
  .map(
    (u) => `INSERT INTO users (id, tenant_id, email, full_name, role, password_hash, created_at)
  VALUES ('${u.id}', '${DEMO.tenantId}', '${u.email}', '${u.fullName}', '${u.role}', '${hashPasswordNode(DEMO.userPassword)}', '${now}')
  ON CONFLICT(id) DO UPDATE SET disabled_at = NULL, role = excluded.role;`,
  )
  .join('\n')}
-- The demo dials a simulated carrier: calls are permitted at any hour (compliance/rules/always-open.ts), so the
-- demo and the e2e suite do not depend on the wall clock. A real tenant starts from the default rules.
INSERT OR IGNORE INTO compliance_rule_sets (tenant_id, revision, rules, created_by, created_at)
  VALUES ('${DEMO.tenantId}', 1, '${JSON.stringify(alwaysOpenRules())}', 'seed', '${now}');
INSERT OR IGNORE INTO cli_groups (id, tenant_id, name, created_at) VALUES ('${DEMO.cliGroupId}', '${DEMO.tenantId}', 'Demo CLIs', '${now}');
INSERT OR IGNORE INTO cli_numbers (cli_group_id, tenant_id, number) VALUES ('${DEMO.cliGroupId}', '${DEMO.tenantId}', '${DEMO.cli}');
`;
  const dir = mkdtempSync(join(tmpdir(), 'crier-seed-'));
  try {
    const file = join(dir, 'seed.sql');
    writeFileSync(file, sql);
    execFileSync(wrangler, ['d1', 'execute', 'DB', '--local', ...persist, '--file', file], quiet);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  seedLocal(process.argv[2]);
  console.log(`seeded local D1: APP_ID=${DEMO.appId} APP_KEY=${DEMO.appKey} webhook secret=${DEMO.webhookSecret}`);
  console.log(`dialer users (password ${DEMO.userPassword}): ${DEMO.users.map((u) => `${u.email} (${u.role})`).join(', ')}`);
}
