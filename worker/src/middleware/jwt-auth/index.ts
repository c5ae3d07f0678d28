/**
 * Bearer-token authentication for the dialer API (/v1): a verified access
 * token AND a live user row. Checking the row on every request is what makes
 * disabling a user, or changing their role or password, take effect at once
 * instead of up to 24 hours later (users.tokens_valid_after).
 *
 * A WebSocket upgrade may carry the token as ?access_token= instead: a
 * browser cannot set headers on a WebSocket (the wallboard feed).
 */
import type { MiddlewareHandler } from 'hono';
import type { DialerEnv } from '../../env.ts';
import { Problems } from '../../errors/problem.ts';
import { ACCESS_TOKEN_TTL_S, verifyAccessToken, type Role } from '../../auth/tokens.ts';

interface LiveUser {
  email: string;
  full_name: string;
  role: Role;
  disabled_at: string | null;
  tokens_valid_after: string | null;
  tenant_disabled_at: string | null;
  rate_limit_per_minute: number | null;
}

/** Paths under /v1 that do not take a user's bearer token. */
export const PUBLIC_DIALER_PATHS = ['/v1/auth/', '/v1/platform/', '/v1/openapi.json'];

export function jwtAuth(options: { except?: readonly string[] } = {}): MiddlewareHandler<DialerEnv> {
  const except = options.except ?? [];
  return async (c, next) => {
    if (except.some((p) => c.req.path.startsWith(p))) return next();
    const header = c.req.header('authorization') ?? socketToken(c.req.raw);
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw Problems.unauthorizedBearer('Send Authorization: Bearer <access_token> (POST /v1/auth/login).', 'invalid_request');
    const verified = await verifyAccessToken(c.env.JWT_SECRET, match[1]!);
    if (!verified.ok) {
      throw Problems.unauthorizedBearer(verified.reason === 'expired' ? 'The access token has expired; refresh it (POST /v1/auth/refresh).' : 'The access token is not valid.');
    }
    const { userId, tenantId, issuedAtMs } = verified.claims;
    const row = await c.env.DB.prepare(
      `SELECT u.email, u.full_name, u.role, u.disabled_at, u.tokens_valid_after, t.disabled_at AS tenant_disabled_at, t.rate_limit_per_minute
       FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.id = ? AND u.tenant_id = ?`,
    )
      .bind(userId, tenantId)
      .first<LiveUser>();
    if (!row || row.disabled_at || row.tenant_disabled_at) throw Problems.unauthorizedBearer('The user or tenant of this token is disabled.');
    if (row.tokens_valid_after && issuedAtMs < Date.parse(row.tokens_valid_after)) {
      throw Problems.unauthorizedBearer('The access token was revoked (password, role or account change); log in again.');
    }
    // The role comes from the row, not the token: a demotion applies to tokens already issued.
    c.set('tokenExpiresAtMs', issuedAtMs + ACCESS_TOKEN_TTL_S * 1000);
    c.set('user', { userId, tenantId, role: row.role, email: row.email, fullName: row.full_name, tenantRequestsPerMinute: row.rate_limit_per_minute });
    await next();
  };
}

function socketToken(request: Request): string | undefined {
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return undefined;
  const token = new URL(request.url).searchParams.get('access_token');
  return token ? `Bearer ${token}` : undefined;
}
