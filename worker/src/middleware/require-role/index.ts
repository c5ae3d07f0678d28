/**
 * Role checks for the dialer API. Roles are ranked agent < supervisor <
 * admin: a route that needs a supervisor admits admins too. A caller below
 * the route's role gets 403 (they are known, just not allowed).
 */
import type { MiddlewareHandler } from 'hono';
import type { DialerEnv } from '../../env.ts';
import { Problems } from '../../errors/problem.ts';
import type { Role } from '../../auth/tokens.ts';

const RANK: Record<Role, number> = { agent: 0, supervisor: 1, admin: 2 };

export function hasRole(actual: Role, needed: Role): boolean {
  return RANK[actual] >= RANK[needed];
}

export function requireRole(needed: Role): MiddlewareHandler<DialerEnv> {
  return async (c, next) => {
    const user = c.get('user');
    if (!hasRole(user.role, needed)) throw Problems.forbidden(`This action needs the ${needed} role; you are ${user.role === 'agent' ? 'an' : 'a'} ${user.role}.`);
    await next();
  };
}
