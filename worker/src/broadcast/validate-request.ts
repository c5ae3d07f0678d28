/**
 * Validates a broadcast request whole: the zod shape plus every phone number,
 * gathered into one list of JSON-pointer issues so the client fixes everything
 * in one round trip, and nothing is dialled unless the list is empty.
 *
 * Cost is O(1) per recipient: one zod pass over the list and one phone parse
 * per number. The parsed numbers are returned so acceptance (DNC, country)
 * never parses a number twice — at 100,000 recipients each pass costs ~1 s.
 */
import { BroadcastEnvelopeSchema, BroadcastRequestSchema, MAX_RECIPIENTS, REQUEST_FIELD_ORDER, type BroadcastRequest } from './request-schema.ts';
import { parseE164 } from '../phone/e164.ts';
import { fieldIssues } from '../errors/zod-issues.ts';
import type { FieldIssue } from '../errors/problem.ts';

export interface ParsedPhone {
  /** Normalised, with '+': the form the DNC table stores. */
  e164: string;
  /** ISO 3166-1 alpha-2, or null for non-geographic numbers. */
  country: string | null;
}

export interface ValidBroadcast {
  /** zod's output: defaults applied, play objects reduced to their known fields. */
  request: BroadcastRequest;
  /** phones[i] is request.recipients[i].to, parsed. */
  phones: ParsedPhone[];
}

export type Validated = { ok: true; value: ValidBroadcast } | { ok: false; issues: FieldIssue[] };

export function validateBroadcastRequest(body: unknown): Validated {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, issues: [{ pointer: '', reason: 'must be a JSON object' }] };
  }
  const raw = body as { from?: unknown; recipients?: unknown };
  const issues: FieldIssue[] = [];

  // Past the limit the list is refused as a whole and its entries are not examined:
  // a 32 MiB body of `{}` entries would otherwise produce millions of issues.
  const overLimit = Array.isArray(raw.recipients) && raw.recipients.length > MAX_RECIPIENTS;
  const parsed = overLimit ? BroadcastEnvelopeSchema.safeParse(body) : BroadcastRequestSchema.safeParse(body);
  if (!parsed.success) issues.push(...fieldIssues(parsed.error));
  if (overLimit) {
    issues.push({ pointer: '/recipients', reason: `must list at most ${MAX_RECIPIENTS} recipients (got ${(raw.recipients as unknown[]).length})` });
  }

  // zod reports a `from` or `to` that is not a string; numbers that are strings are checked here.
  if (typeof raw.from === 'string') {
    const from = parseE164(raw.from);
    if (!from.ok) issues.push({ pointer: '/from', reason: from.reason });
  }
  const phones: ParsedPhone[] = [];
  if (Array.isArray(raw.recipients) && !overLimit) {
    const list = raw.recipients as unknown[];
    for (let i = 0; i < list.length; i++) {
      const entry = list[i];
      const to = typeof entry === 'object' && entry !== null ? (entry as { to?: unknown }).to : undefined;
      if (typeof to !== 'string') continue;
      const phone = parseE164(to);
      if (phone.ok) phones.push({ e164: phone.e164, country: phone.country });
      else issues.push({ pointer: `/recipients/${i}/to`, reason: phone.reason });
    }
  }

  if (issues.length > 0 || !parsed.success || overLimit) return { ok: false, issues: inRequestOrder(issues) };
  return { ok: true, value: { request: parsed.data as BroadcastRequest, phones } };
}

/** Issues in the order of the documented request, recipients by index, so the list reads like the body. */
function inRequestOrder(issues: FieldIssue[]): FieldIssue[] {
  const rank = (issue: FieldIssue) => {
    const [, top = '', index] = issue.pointer.split('/', 3);
    const field = REQUEST_FIELD_ORDER.indexOf(top);
    return { field: field === -1 ? REQUEST_FIELD_ORDER.length : field, index: index !== undefined && /^\d+$/.test(index) ? Number(index) : -1 };
  };
  return issues
    .map((issue, order) => ({ issue, order, ...rank(issue) }))
    .sort((a, b) => a.field - b.field || a.index - b.index || a.order - b.order)
    .map((x) => x.issue);
}
