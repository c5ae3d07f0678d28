/**
 * Dialer API sign-in (spec "Authentication"):
 *   POST /v1/auth/login    {email, password}  → access + refresh tokens and the user
 *   POST /v1/auth/refresh  {refresh_token}    → a new access token
 *   POST /v1/auth/logout   {refresh_token}    → 204, the refresh token is revoked (Crier addition)
 * Failed logins cost the same KDF work whether or not the email exists, and
 * each email gets at most LOGIN_ATTEMPTS_PER_MINUTE tries (then 429).
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { DialerEnv } from '../env.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { validatedBody } from '../middleware/validated-body/index.ts';
import { DUMMY_PASSWORD_HASH, verifyPassword } from './password.ts';
import { ACCESS_TOKEN_TTL_S, REFRESH_TOKEN_TTL_S, signAccessToken, signRefreshToken, verifyRefreshToken, type Role } from './tokens.ts';
import { uuidv7 } from '../ids/uuid-v7.ts';
import { rateLimiter } from '../durable/stubs.ts';

const LOGIN_ATTEMPTS_PER_MINUTE = 10;

const LoginSchema = z
  .object({
    email: z.string({ error: 'is required' }).trim().toLowerCase().email('must be an email address').max(254),
    password: z.string({ error: 'is required' }).min(1, 'is required').max(1024),
  })
  .openapi('LoginRequest');

const UserSummarySchema = z.object({ id: z.string(), email: z.string(), full_name: z.string(), role: z.enum(['agent', 'supervisor', 'admin']), tenant_id: z.string() });

const LoginResponseSchema = z
  .object({ access_token: z.string(), refresh_token: z.string(), token_type: z.literal('bearer'), expires_in: z.number().int(), user: UserSummarySchema })
  .openapi('LoginResponse');

const RefreshSchema = z.object({ refresh_token: z.string({ error: 'is required' }).min(1, 'is required').max(4096) }).openapi('RefreshRequest');
const RefreshResponseSchema = z.object({ access_token: z.string(), token_type: z.literal('bearer'), expires_in: z.number().int() }).openapi('RefreshResponse');

interface LoginRow {
  id: string;
  tenant_id: string;
  email: string;
  full_name: string;
  role: Role;
  password_hash: string;
  disabled_at: string | null;
  tenant_disabled_at: string | null;
}

export function authRoutes() {
  const app = new OpenAPIHono<DialerEnv>();

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/auth/login',
    summary: 'Obtain JWT tokens',
    tags: ['Authentication'],
    request: { body: { content: { 'application/json': { schema: LoginSchema } }, required: true } },
    responses: {
      200: { description: 'Signed in', content: { 'application/json': { schema: LoginResponseSchema } } },
      400: { description: 'Invalid body', ...problemContent },
      401: { description: 'Invalid credentials', ...problemContent },
      429: { description: 'Too many attempts for this email', ...problemContent },
    },
  });
  app.post('/v1/auth/login', async (c) => {
    const { email, password } = await validatedBody(c, LoginSchema, 16 * 1024);
    const throttle = await rateLimiter(c.env, `login:${email}`).hit(LOGIN_ATTEMPTS_PER_MINUTE, 60_000);
    if (!throttle.allowed) throw Problems.rateLimited(LOGIN_ATTEMPTS_PER_MINUTE, Math.ceil(throttle.retryAfterMs / 1000));
    const row = await c.env.DB.prepare(
      `SELECT u.id, u.tenant_id, u.email, u.full_name, u.role, u.password_hash, u.disabled_at, t.disabled_at AS tenant_disabled_at
       FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.email = ?`,
    )
      .bind(email)
      .first<LoginRow>();
    const passwordOk = await verifyPassword(password, row?.password_hash ?? DUMMY_PASSWORD_HASH);
    if (!row || !passwordOk || row.disabled_at || row.tenant_disabled_at) throw Problems.invalidCredentials();

    const now = Date.now();
    const tokenId = uuidv7(now);
    await c.env.DB.prepare('INSERT INTO refresh_tokens (id, user_id, tenant_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .bind(tokenId, row.id, row.tenant_id, new Date(now).toISOString(), new Date(now + REFRESH_TOKEN_TTL_S * 1000).toISOString())
      .run();
    return c.json(
      {
        access_token: await signAccessToken(c.env.JWT_SECRET, { userId: row.id, tenantId: row.tenant_id, role: row.role }, now),
        refresh_token: await signRefreshToken(c.env.JWT_SECRET, { userId: row.id, tenantId: row.tenant_id, tokenId }, now),
        token_type: 'bearer' as const,
        expires_in: ACCESS_TOKEN_TTL_S,
        user: { id: row.id, email: row.email, full_name: row.full_name, role: row.role, tenant_id: row.tenant_id },
      },
      200,
    );
  });

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/auth/refresh',
    summary: 'Refresh access token',
    tags: ['Authentication'],
    request: { body: { content: { 'application/json': { schema: RefreshSchema } }, required: true } },
    responses: {
      200: { description: 'A new access token', content: { 'application/json': { schema: RefreshResponseSchema } } },
      400: { description: 'Invalid body', ...problemContent },
      401: { description: 'Refresh token invalid, expired or revoked', ...problemContent },
    },
  });
  app.post('/v1/auth/refresh', async (c) => {
    const { refresh_token } = await validatedBody(c, RefreshSchema, 16 * 1024);
    const verified = await verifyRefreshToken(c.env.JWT_SECRET, refresh_token);
    if (!verified.ok) throw Problems.unauthorizedBearer(verified.reason === 'expired' ? 'The refresh token has expired; log in again.' : 'The refresh token is not valid.');
    const { tokenId, userId, tenantId } = verified.claims;
    const row = await c.env.DB.prepare(
      `SELECT u.role, u.disabled_at, t.disabled_at AS tenant_disabled_at, r.revoked_at
       FROM refresh_tokens r JOIN users u ON u.id = r.user_id JOIN tenants t ON t.id = u.tenant_id
       WHERE r.id = ? AND r.user_id = ? AND r.tenant_id = ?`,
    )
      .bind(tokenId, userId, tenantId)
      .first<{ role: Role; disabled_at: string | null; tenant_disabled_at: string | null; revoked_at: string | null }>();
    if (!row || row.revoked_at || row.disabled_at || row.tenant_disabled_at) throw Problems.unauthorizedBearer('The refresh token was revoked or its user is disabled; log in again.');
    const now = Date.now();
    await c.env.DB.prepare('UPDATE refresh_tokens SET last_used_at = ? WHERE id = ?').bind(new Date(now).toISOString(), tokenId).run();
    return c.json({ access_token: await signAccessToken(c.env.JWT_SECRET, { userId, tenantId, role: row.role }, now), token_type: 'bearer' as const, expires_in: ACCESS_TOKEN_TTL_S }, 200);
  });

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/auth/logout',
    summary: 'Revoke a refresh token (Crier addition)',
    tags: ['Authentication'],
    request: { body: { content: { 'application/json': { schema: RefreshSchema } }, required: true } },
    responses: { 204: { description: 'Revoked (also when it already was)' }, 400: { description: 'Invalid body', ...problemContent }, 401: { description: 'Not a refresh token we issued', ...problemContent } },
  });
  app.post('/v1/auth/logout', async (c) => {
    const { refresh_token } = await validatedBody(c, RefreshSchema, 16 * 1024);
    const verified = await verifyRefreshToken(c.env.JWT_SECRET, refresh_token);
    // An expired token needs no revoking; a forged one gets the same answer as at /refresh.
    if (!verified.ok && verified.reason === 'invalid') throw Problems.unauthorizedBearer('The refresh token is not valid.');
    if (verified.ok) {
      await c.env.DB.prepare('UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND user_id = ?')
        .bind(new Date().toISOString(), verified.claims.tokenId, verified.claims.userId)
        .run();
    }
    return c.body(null, 204);
  });

  return app;
}
