/**
 * Cursor pagination for every dialer-API list (spec "Pagination"): the cursor
 * is the sort key of the last row of the previous page, so a page is "rows
 * after this key" and rows inserted meanwhile never shift, repeat or hide
 * rows of later pages. Cursors are opaque to clients (base64url JSON) but
 * carry no authority: every query still filters by the caller's tenant.
 */
import { z } from '@hono/zod-openapi';
import { and, eq, gt, lt, or, type AnyColumn, type SQL } from 'drizzle-orm';
import { Problems } from '../errors/problem.ts';

/** The sort key of a row: the primary order value (a timestamp, a phone…) and the id that breaks ties. */
export interface Keyset {
  k: string | number;
  id: string;
}

const KeysetSchema = z.object({ k: z.union([z.string(), z.number()]), id: z.string() });

export function encodeCursor(key: Keyset): string {
  return btoa(JSON.stringify(key)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeCursor(cursor: string): Keyset {
  try {
    const padded = cursor.replace(/-/g, '+').replace(/_/g, '/');
    const parsed = KeysetSchema.safeParse(JSON.parse(atob(padded)));
    if (parsed.success) return parsed.data;
  } catch {
    // Not base64 or not JSON: answered like a cursor of the wrong shape, below.
  }
  throw Problems.validation([{ pointer: '/query/cursor', reason: 'is not a cursor this API issued' }]);
}

/**
 * The WHERE condition "after this key" for ORDER BY (sortCol, idCol) ascending
 * (or descending with `direction: 'desc'`): rows that tie on the sort value are
 * separated by the id, so none is skipped or repeated.
 */
export function afterKeyset(sortCol: AnyColumn, idCol: AnyColumn, key: Keyset, direction: 'asc' | 'desc' = 'asc'): SQL {
  const beyond = direction === 'asc' ? gt : lt;
  return or(beyond(sortCol, key.k), and(eq(sortCol, key.k), beyond(idCol, key.id)))!;
}

export interface Page<T> {
  items: T[];
  total: number;
  next_cursor: string | null;
  has_more: boolean;
}

/**
 * Builds a page from `limit + 1` fetched rows: the extra row only says there
 * is more. `keyOf` gives the keyset of the last row kept.
 */
export function pageOf<R, T>(rows: R[], limit: number, total: number, keyOf: (row: R) => Keyset, view: (row: R) => T): Page<T> {
  const kept = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  return { items: kept.map(view), total, next_cursor: hasMore ? encodeCursor(keyOf(kept.at(-1)!)) : null, has_more: hasMore };
}

/** The `limit` and `cursor` query parameters with a route's documented default and maximum. */
export function pageQuery(defaultLimit: number, maxLimit: number) {
  return {
    limit: z.coerce
      .number({ error: `must be an integer from 1 to ${maxLimit}` })
      .int(`must be an integer from 1 to ${maxLimit}`)
      .min(1, `must be an integer from 1 to ${maxLimit}`)
      .max(maxLimit, `must be at most ${maxLimit}`)
      .default(defaultLimit)
      .openapi({ description: `Page size (default ${defaultLimit}, max ${maxLimit}).` }),
    cursor: z.string().max(512).optional().openapi({ description: 'next_cursor from the previous page.' }),
  };
}

/** OpenAPI/zod shape of a page of `item`. */
export function pageSchema<T extends z.ZodType>(item: T, name: string) {
  return z.object({ items: z.array(item), total: z.number().int(), next_cursor: z.string().nullable(), has_more: z.boolean() }).openapi(name);
}
