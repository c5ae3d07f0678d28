// Fixtures for compliance tests: rules set through the API, campaigns and
// contacts and CLI numbers written straight to D1 (their own routes belong to
// other modules), national registry imports, and numbers that never collide
// across tests (national registries are shared by every tenant).
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import { call, PLATFORM_TOKEN, type DialerTenant } from '../../helpers/dialer.ts';
import { uuidv7 } from '../../../../worker/src/ids/uuid-v7.ts';

const EVERY_DAY = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
export const ALWAYS = { calling_windows: [{ days: EVERY_DAY, start: '00:00', end: '24:00' }], consent_required: false };
export const NEVER = { calling_windows: [], consent_required: false };

/** A valid UAE mobile (+97150…) no other test will use. */
export function freshUaeMobile(): string {
  return `+97150${String(crypto.getRandomValues(new Uint32Array(1))[0]! % 10_000_000).padStart(7, '0')}`;
}

/** A valid Saudi mobile (+96650…) no other test will use. */
export function freshSaudiMobile(): string {
  return `+96650${String(crypto.getRandomValues(new Uint32Array(1))[0]! % 10_000_000).padStart(7, '0')}`;
}

export async function putRule(t: DialerTenant, jurisdiction: string, rule: unknown): Promise<{ rule_version: string; revision: number }> {
  const res = await call(t.admin, 'PUT', `/v1/compliance/rules/${jurisdiction}`, rule);
  expect(res.status).toBe(200);
  return (await res.json()) as { rule_version: string; revision: number };
}

export async function ownCli(t: DialerTenant, numbers: readonly string[], name = `CLIs ${crypto.randomUUID().slice(0, 6)}`): Promise<string> {
  const groupId = uuidv7();
  await env.DB.batch([
    env.DB.prepare('INSERT INTO cli_groups (id, tenant_id, name, created_at) VALUES (?, ?, ?, ?)').bind(groupId, t.tenantId, name, new Date().toISOString()),
    ...numbers.map((n) => env.DB.prepare('INSERT INTO cli_numbers (cli_group_id, tenant_id, number) VALUES (?, ?, ?)').bind(groupId, t.tenantId, n)),
  ]);
  return groupId;
}

/** A campaign whose CLI group holds `cliNumbers` (none: an empty group). */
export async function seedCampaign(t: DialerTenant, cliNumbers: readonly string[] = ['+97144000000']): Promise<string> {
  const groupId = await ownCli(t, cliNumbers);
  const id = uuidv7();
  await env.DB.prepare(
    `INSERT INTO campaigns (id, tenant_id, name, status, dialing_mode, cli_group_id, max_attempts, retry_delay_minutes, dial_ratio, timezone, created_at)
     VALUES (?, ?, ?, 'draft', 'progressive', ?, 3, 60, 1.5, 'Asia/Dubai', ?)`,
  )
    .bind(id, t.tenantId, `Campaign ${id.slice(-6)}`, groupId, new Date().toISOString())
    .run();
  return id;
}

export async function seedContacts(t: DialerTenant, campaignId: string, rows: Array<{ phone: string; status: string }>): Promise<void> {
  await env.DB.batch(
    rows.map((r) =>
      env.DB.prepare('INSERT INTO contacts (id, tenant_id, campaign_id, phone, status, created_at) VALUES (?, ?, ?, ?, ?, ?)').bind(uuidv7(), t.tenantId, campaignId, r.phone, r.status, new Date().toISOString()),
    ),
  );
}

export async function contactStatuses(campaignId: string): Promise<Record<string, string>> {
  const rows = await env.DB.prepare('SELECT phone, status FROM contacts WHERE campaign_id = ?').bind(campaignId).all<{ phone: string; status: string }>();
  return Object.fromEntries(rows.results.map((r) => [r.phone, r.status]));
}

export async function importRegistry(registry: string, phones: readonly string[]): Promise<Response> {
  return call(PLATFORM_TOKEN, 'POST', `/v1/platform/dnc-registries/${registry}/numbers`, { phones });
}

export interface CheckBody {
  allowed: boolean;
  rule_version: string;
  audit_ref: string | null;
  blocking_rule?: string;
  blocking_reason?: string;
  checks: Record<string, string>;
}

export async function check(who: Parameters<typeof call>[0], body: unknown): Promise<CheckBody> {
  const res = await call(who, 'POST', '/v1/compliance/check', body);
  expect(res.status).toBe(200);
  return (await res.json()) as CheckBody;
}
