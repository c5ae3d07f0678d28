/** Users of the dialer API as the admin routes read and write them. */
import { z } from '@hono/zod-openapi';
import type { users } from '../db/schema.ts';

export const MIN_PASSWORD_LENGTH = 10;

export const RoleSchema = z.enum(['agent', 'supervisor', 'admin'], { error: 'must be agent, supervisor or admin' });
export const EmailSchema = z.string({ error: 'is required' }).trim().toLowerCase().email('must be an email address').max(254);
export const PasswordSchema = z
  .string({ error: 'is required' })
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(1024, 'must be at most 1024 characters');
export const FullNameSchema = z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(200);

export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    full_name: z.string(),
    role: RoleSchema,
    tenant_id: z.string(),
    team_id: z.string().nullable(),
    created_at: z.string(),
    disabled_at: z.string().nullable(),
  })
  .openapi('User');

export function userView(row: typeof users.$inferSelect): z.infer<typeof UserSchema> {
  return {
    id: row.id,
    email: row.email,
    full_name: row.fullName,
    role: row.role as z.infer<typeof RoleSchema>,
    tenant_id: row.tenantId,
    team_id: row.teamId,
    created_at: row.createdAt,
    disabled_at: row.disabledAt,
  };
}
