/**
 * Instants as the dialer API takes them (ISO-8601; the spec says UTC, an
 * offset is accepted too) and stores them (Date#toISOString: UTC with
 * milliseconds). Normalising every bound to the stored form is what makes a
 * plain string comparison in SQL a correct time comparison.
 */
import { z } from '@hono/zod-openapi';

/** An ISO-8601 date-time with Z or an offset, normalised to `YYYY-MM-DDTHH:MM:SS.sssZ`. */
export const InstantSchema = z
  .string()
  .max(40)
  .refine((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i.test(v) && Number.isFinite(Date.parse(v)), 'must be an ISO-8601 date-time such as 2026-06-12T10:15:00Z')
  .transform((v) => new Date(v).toISOString())
  .openapi({ type: 'string', format: 'date-time', example: '2026-06-12T10:15:00Z' });

/** The 400 issue when a range's end precedes its start (pointer /to, as zod names a query or body field). */
export function rangeIssue(from: string | undefined, to: string | undefined): { pointer: string; reason: string } | null {
  return from !== undefined && to !== undefined && to < from ? { pointer: '/to', reason: 'must not be before from' } : null;
}
