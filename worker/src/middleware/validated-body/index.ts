/**
 * Reads and validates a dialer-API JSON body in one step: 415 / 413 / 400 for
 * the transport (readJsonBody), 422 when the body names a tenant (the tenant
 * always comes from the token; the spec rejects tenant_id in bodies), then
 * the route's zod schema → 400 listing every failing field by JSON pointer.
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { readJsonBody } from '../json-body/index.ts';
import { ProblemError, Problems } from '../../errors/problem.ts';
import { fieldIssues } from '../../errors/zod-issues.ts';

export const DEFAULT_BODY_LIMIT = 256 * 1024;

export async function validatedBody<S extends z.ZodType>(c: Context, schema: S, limitBytes = DEFAULT_BODY_LIMIT): Promise<z.output<S>> {
  const { value } = await readJsonBody(c, limitBytes);
  const pointer = tenantIdPointer(value);
  if (pointer) {
    throw new ProblemError({
      status: 422,
      slug: 'tenant-id-not-allowed',
      title: 'tenant_id is not accepted',
      detail: 'The tenant is taken from your access token; remove tenant_id from the request body.',
      errors: [{ pointer, reason: 'is not accepted in a request body' }],
    });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw Problems.validation(fieldIssues(parsed.error));
  return parsed.data;
}

/**
 * Where a body names a tenant: at the top level, or in an object directly
 * inside a top-level array (contacts[i].tenant_id). Deeper levels are the
 * client's own data (custom_fields) and may use any key.
 */
export function tenantIdPointer(value: unknown): string | null {
  if (!isObject(value)) return null;
  if ('tenant_id' in value) return '/tenant_id';
  for (const [key, field] of Object.entries(value)) {
    if (!Array.isArray(field)) continue;
    const index = field.findIndex((item) => isObject(item) && 'tenant_id' in item);
    if (index >= 0) return `/${key}/${index}/tenant_id`;
  }
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
