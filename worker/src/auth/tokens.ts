/**
 * JWTs of the dialer API (jose, HS256 as in the spec's examples).
 * Access tokens live 24 hours and carry who the caller is (user, tenant,
 * role). Refresh tokens live 30 days; their jti is a refresh_tokens row, so
 * revoking the row revokes the token. `typ` keeps one kind from being used as
 * the other.
 */
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

export const ACCESS_TOKEN_TTL_S = 24 * 3600;
export const REFRESH_TOKEN_TTL_S = 30 * 24 * 3600;
const ISSUER = 'crier';

export type Role = 'agent' | 'supervisor' | 'admin';
export const ROLES: readonly Role[] = ['agent', 'supervisor', 'admin'];

export interface AccessClaims {
  userId: string;
  tenantId: string;
  role: Role;
  /** Issue time in ms, compared with users.tokens_valid_after (second-granular iat is too coarse). */
  issuedAtMs: number;
}

export interface RefreshClaims {
  userId: string;
  tenantId: string;
  tokenId: string;
}

export type TokenFailure = 'expired' | 'invalid';

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function signAccessToken(secret: string, claims: Omit<AccessClaims, 'issuedAtMs'>, nowMs = Date.now()): Promise<string> {
  return new SignJWT({ tid: claims.tenantId, role: claims.role, typ: 'access', iat_ms: nowMs })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuer(ISSUER)
    .setIssuedAt(Math.floor(nowMs / 1000))
    .setExpirationTime(Math.floor(nowMs / 1000) + ACCESS_TOKEN_TTL_S)
    .sign(key(secret));
}

export async function signRefreshToken(secret: string, claims: RefreshClaims, nowMs = Date.now()): Promise<string> {
  return new SignJWT({ tid: claims.tenantId, typ: 'refresh' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuer(ISSUER)
    .setJti(claims.tokenId)
    .setIssuedAt(Math.floor(nowMs / 1000))
    .setExpirationTime(Math.floor(nowMs / 1000) + REFRESH_TOKEN_TTL_S)
    .sign(key(secret));
}

export async function verifyAccessToken(secret: string, token: string): Promise<{ ok: true; claims: AccessClaims } | { ok: false; reason: TokenFailure }> {
  const verified = await verify(secret, token);
  if (!verified.ok) return verified;
  const p = verified.payload;
  if (p.typ !== 'access' || typeof p.sub !== 'string' || typeof p.tid !== 'string' || !ROLES.includes(p.role as Role) || typeof p.iat_ms !== 'number') {
    return { ok: false, reason: 'invalid' };
  }
  return { ok: true, claims: { userId: p.sub, tenantId: p.tid, role: p.role as Role, issuedAtMs: p.iat_ms } };
}

export async function verifyRefreshToken(secret: string, token: string): Promise<{ ok: true; claims: RefreshClaims } | { ok: false; reason: TokenFailure }> {
  const verified = await verify(secret, token);
  if (!verified.ok) return verified;
  const p = verified.payload;
  if (p.typ !== 'refresh' || typeof p.sub !== 'string' || typeof p.tid !== 'string' || typeof p.jti !== 'string') return { ok: false, reason: 'invalid' };
  return { ok: true, claims: { userId: p.sub, tenantId: p.tid, tokenId: p.jti } };
}

async function verify(secret: string, token: string) {
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer: ISSUER, algorithms: ['HS256'] });
    return { ok: true as const, payload };
  } catch (err) {
    return { ok: false as const, reason: (err instanceof joseErrors.JWTExpired ? 'expired' : 'invalid') as TokenFailure };
  }
}
