/**
 * Creates a tenant and its first admin directly in D1, for a fresh
 * deployment where no one can sign in yet (afterwards, admins manage users
 * through /v1/users, and the platform operator tenants through
 * /v1/platform/tenants).
 *
 *   CRIER_ADMIN_PASSWORD=... npm run tenant:create -- --name "Acme" --email admin@acme.com \
 *       --full-name "Ada Admin" [--timezone Asia/Dubai] [--remote | --local [--persist-to DIR]]
 *
 * The password comes from CRIER_ADMIN_PASSWORD or, if unset, one line of
 * standard input, so it never sits in shell history. The hash is the same
 * PBKDF2 format the Worker writes (worker/src/auth/password.ts).
 */
import { execFileSync } from 'node:child_process';
import { pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

export const PBKDF2_ITERATIONS = 100_000;

export function hashPasswordNode(password: string, salt: Buffer = randomBytes(16), iterations = PBKDF2_ITERATIONS): string {
  const hash = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  return `pbkdf2-sha256$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** A v7 UUID like the Worker's, so tenants made here sort with those made by the API. */
function uuidv7(): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const sqlText = (value: string) => `'${value.replace(/'/g, "''")}'`;

async function readPassword(): Promise<string> {
  const fromEnv = process.env.CRIER_ADMIN_PASSWORD;
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) process.stderr.write('Admin password: ');
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      name: { type: 'string' },
      email: { type: 'string' },
      'full-name': { type: 'string' },
      timezone: { type: 'string', default: 'Asia/Dubai' },
      remote: { type: 'boolean', default: false },
      local: { type: 'boolean', default: false },
      'persist-to': { type: 'string' },
    },
  });
  const fail = (message: string): never => {
    console.error(`tenant:create: ${message}`);
    process.exit(2);
  };
  const name = values.name?.trim() || fail('--name is required');
  const email = values.email?.trim().toLowerCase() || fail('--email is required');
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) fail(`--email "${email}" is not an email address`);
  const fullName = values['full-name']?.trim() || fail('--full-name is required');
  try {
    new Intl.DateTimeFormat('en', { timeZone: values.timezone });
  } catch {
    fail(`--timezone "${values.timezone}" is not an IANA time zone`);
  }
  if (values.remote === values.local) fail('say where: --remote (the deployed D1) or --local (wrangler dev)');
  const password = await readPassword();
  if (password.length < 10) fail('the password must be at least 10 characters (CRIER_ADMIN_PASSWORD or standard input)');

  const tenantId = uuidv7();
  const userId = uuidv7();
  const now = new Date().toISOString();
  const sql = `INSERT INTO tenants (id, name, timezone, created_at) VALUES (${sqlText(tenantId)}, ${sqlText(name)}, ${sqlText(values.timezone!)}, ${sqlText(now)});
INSERT INTO users (id, tenant_id, email, full_name, role, password_hash, created_at) VALUES (${sqlText(userId)}, ${sqlText(tenantId)}, ${sqlText(email)}, ${sqlText(fullName)}, 'admin', ${sqlText(hashPasswordNode(password))}, ${sqlText(now)});
`;
  const dir = mkdtempSync(join(tmpdir(), 'crier-tenant-'));
  try {
    const file = join(dir, 'tenant.sql');
    writeFileSync(file, sql, { mode: 0o600 });
    const where = values.remote ? ['--remote'] : ['--local', ...(values['persist-to'] ? ['--persist-to', values['persist-to']] : [])];
    execFileSync(join(process.cwd(), 'node_modules', '.bin', 'wrangler'), ['d1', 'execute', 'DB', ...where, '--file', file, '--yes'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    });
  } catch {
    fail('wrangler d1 execute failed (is the email already in use? are the migrations applied?)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ tenant_id: tenantId, admin_user_id: userId, email, note: 'sign in with POST /v1/auth/login' }));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
