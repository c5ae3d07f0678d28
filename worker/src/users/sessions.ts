/**
 * Ending a user's sessions: every access token issued so far stops working
 * (tokens_valid_after) and every refresh token is revoked. Used when an admin
 * disables a user or changes their role or password.
 */

export function revokeSessionsStatements(db: D1Database, userId: string, at: string): D1PreparedStatement[] {
  return [
    db.prepare('UPDATE users SET tokens_valid_after = ? WHERE id = ?').bind(at, userId),
    db.prepare('UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').bind(at, userId),
  ];
}
