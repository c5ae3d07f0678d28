// Seeds a tenant and an app with known credentials straight into D1 (no API
// exists to create them), and builds the Basic auth header for them.
import { env } from 'cloudflare:test';
import { sha256Hex } from '../../../worker/src/db/hashing.ts';
import { openComplianceStatements } from './compliance.ts';

export const BASE = 'http://crier.test';

export interface SeededTenant {
  tenantId: string;
  appId: string;
  appKey: string;
  webhookSecret: string;
  /** The Authorization header value. */
  auth: string;
}

export interface TenantOptions {
  /** ISO codes; null (default) allows every country. */
  allowedCountries?: string[] | null;
  callsPerSecond?: number | null;
  maxConcurrentCalls?: number | null;
  /** 'open' (default): calls permitted at any hour, the test CLI owned (helpers/compliance.ts); 'defaults': the real default rules, no CLI. */
  compliance?: 'open' | 'defaults';
}

export function basicAuth(appId: string, appKey: string): string {
  return `Basic ${btoa(`${appId}:${appKey}`)}`;
}

export async function seedTenant(options: TenantOptions = {}): Promise<SeededTenant> {
  const tenantId = crypto.randomUUID();
  const appId = `app-${crypto.randomUUID().slice(0, 8)}`;
  const appKey = `key-${crypto.randomUUID()}`;
  const webhookSecret = `whsec-${crypto.randomUUID()}`;
  const now = new Date().toISOString();
  await env.DB.batch([
    env.DB.prepare('INSERT INTO tenants (id, name, allowed_countries, calls_per_second, max_concurrent_calls, created_at) VALUES (?, ?, ?, ?, ?, ?)').bind(
      tenantId,
      'Test tenant',
      options.allowedCountries == null ? null : JSON.stringify(options.allowedCountries),
      options.callsPerSecond ?? null,
      options.maxConcurrentCalls ?? null,
      now,
    ),
    env.DB.prepare('INSERT INTO apps (id, tenant_id, name, key_hash, webhook_secret, created_at) VALUES (?, ?, ?, ?, ?, ?)').bind(
      appId,
      tenantId,
      'Test app',
      await sha256Hex(appKey),
      webhookSecret,
      now,
    ),
    ...(options.compliance === 'defaults' ? [] : openComplianceStatements(tenantId)),
  ]);
  return { tenantId, appId, appKey, webhookSecret, auth: basicAuth(appId, appKey) };
}

/**
 * Broadcast API credentials for an existing tenant (e.g. a dialer tenant), so
 * the session harness can run a broadcast for it. Its legs pass the dial-time
 * compliance gate whatever the hour (helpers/compliance.ts).
 */
export async function addBroadcastApp(tenantId: string): Promise<SeededTenant> {
  const appId = `app-${crypto.randomUUID().slice(0, 8)}`;
  const appKey = `key-${crypto.randomUUID()}`;
  const webhookSecret = `whsec-${crypto.randomUUID()}`;
  await env.DB.batch([
    env.DB.prepare('INSERT INTO apps (id, tenant_id, name, key_hash, webhook_secret, created_at) VALUES (?, ?, ?, ?, ?, ?)').bind(
      appId,
      tenantId,
      'Broadcast app',
      await sha256Hex(appKey),
      webhookSecret,
      new Date().toISOString(),
    ),
    ...openComplianceStatements(tenantId),
  ]);
  return { tenantId, appId, appKey, webhookSecret, auth: basicAuth(appId, appKey) };
}

/** Rows a tenant has in a table with a tenant_id column: how tests prove nothing was recorded. */
export async function countRows(table: 'broadcasts' | 'dnc' | 'idempotency_keys', tenantId: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = ?`).bind(tenantId).first<{ n: number }>();
  return row?.n ?? 0;
}
