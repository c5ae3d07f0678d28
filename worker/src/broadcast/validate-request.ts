/**
 * Validates a broadcast request whole: the zod shape plus every phone number,
 * collected into one list of JSON-pointer issues so the client fixes everything
 * in one round trip. Nothing is dialled unless the list is empty.
 */
import { BroadcastRequestSchema, MAX_RECIPIENTS, type BroadcastRequest } from './request-schema.ts';
import { parseE164 } from '../phone/e164.ts';
import { fieldIssues } from '../errors/zod-issues.ts';
import type { FieldIssue } from '../errors/problem.ts';

export type Validated = { ok: true; request: BroadcastRequest } | { ok: false; issues: FieldIssue[] };

export function validateBroadcastRequest(body: unknown): Validated {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, issues: [{ pointer: '', reason: 'must be a JSON object' }] };
  }
  const parsed = BroadcastRequestSchema.safeParse(body);
  const issues: FieldIssue[] = parsed.success ? [] : fieldIssues(parsed.error);
  const seen = new Set(issues.map((i) => i.pointer));
  const add = (pointer: string, reason: string) => {
    if (!seen.has(pointer)) {
      seen.add(pointer);
      issues.push({ pointer, reason });
    }
  };
  const raw = body as { from?: unknown; recipients?: unknown };
  if (typeof raw.from === 'string') {
    const from = parseE164(raw.from);
    if (!from.ok) add('/from', from.reason);
  }
  if (Array.isArray(raw.recipients) && raw.recipients.length <= MAX_RECIPIENTS) {
    raw.recipients.forEach((r: unknown, i: number) => {
      const to = (r as { to?: unknown } | null)?.to;
      if (typeof to !== 'string') return;
      const phone = parseE164(to);
      if (!phone.ok) add(`/recipients/${i}/to`, phone.reason);
    });
  }
  if (issues.length > 0 || !parsed.success) return { ok: false, issues };
  return { ok: true, request: parsed.data };
}
