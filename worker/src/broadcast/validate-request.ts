/**
 * Validates a broadcast request whole — the top-level fields with zod, the
 * recipients entry by entry (validate-recipients.ts), every phone number,
 * every URL Crier will fetch against the outbound-URL policy —
 * gathered into one list of JSON-pointer issues, so the client fixes
 * everything in one round trip and nothing is dialled unless the list is empty.
 *
 * The parsed numbers are returned so acceptance (DNC, country) never parses a
 * number twice: at 100,000 recipients each pass costs about a second.
 */
import { BroadcastEnvelopeSchema, MAX_RECIPIENTS, REQUEST_FIELD_ORDER, type BroadcastRequest } from './request-schema.ts';
import { validateRecipients, type ParsedPhone } from './validate-recipients.ts';
import { parseE164 } from '../phone/e164.ts';
import { broadcastUrlProblem } from '../outbound-urls/url-policy.ts';
import { fieldIssues } from '../errors/zod-issues.ts';
import type { FieldIssue } from '../errors/problem.ts';

export type { ParsedPhone } from './validate-recipients.ts';

export interface ValidBroadcast {
  /** Defaults applied, play objects reduced to their known fields. */
  request: BroadcastRequest;
  /** phones[i] is request.recipients[i].to, parsed. */
  phones: ParsedPhone[];
}

export type Validated = { ok: true; value: ValidBroadcast } | { ok: false; issues: FieldIssue[] };

export interface ValidationOptions {
  /** The development setting of the outbound-URL policy (loopback hosts allowed). Default false. */
  allowLoopback?: boolean;
}

export function validateBroadcastRequest(body: unknown, options: ValidationOptions = {}): Validated {
  const urlProblem = memoised((url: string) => broadcastUrlProblem(url, options.allowLoopback ?? false));
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, issues: [{ pointer: '', reason: 'must be a JSON object' }] };
  }
  const raw = body as { from?: unknown; recipients?: unknown };
  const issues: FieldIssue[] = [];

  const envelope = BroadcastEnvelopeSchema.safeParse(body);
  if (!envelope.success) issues.push(...fieldIssues(envelope.error));
  // Where Crier will send requests: the outbound-URL policy, once the schema has found a URL.
  for (const field of ['event_url', 'call_handler_url'] as const) {
    const url = (body as Record<string, unknown>)[field];
    if (typeof url !== 'string' || issues.some((issue) => issue.pointer === `/${field}`)) continue;
    const problem = urlProblem(url);
    if (problem) issues.push({ pointer: `/${field}`, reason: problem });
  }
  // zod reports a `from` that is not a string; one that is a string is checked here.
  if (typeof raw.from === 'string') {
    const from = parseE164(raw.from);
    if (!from.ok) issues.push({ pointer: '/from', reason: from.reason });
  }

  const list = raw.recipients;
  let checked: ReturnType<typeof validateRecipients> | null = null;
  if (list === undefined) issues.push({ pointer: '/recipients', reason: 'is required' });
  else if (!Array.isArray(list)) issues.push({ pointer: '/recipients', reason: 'is required and must be an array' });
  else if (list.length === 0) issues.push({ pointer: '/recipients', reason: 'must list at least one recipient' });
  // Past the limit the list is refused whole and its entries are not examined:
  // a 32 MiB body of `{}` entries would otherwise produce millions of issues.
  else if (list.length > MAX_RECIPIENTS) issues.push({ pointer: '/recipients', reason: `must list at most ${MAX_RECIPIENTS} recipients (got ${list.length})` });
  else {
    checked = validateRecipients(list, urlProblem);
    issues.push(...checked.issues);
  }

  if (issues.length > 0 || !envelope.success || checked === null) return { ok: false, issues: inRequestOrder(issues) };
  return { ok: true, value: { request: { ...envelope.data, recipients: checked.recipients }, phones: checked.phones } };
}

/** A string → verdict function that judges each distinct input once (100,000 recipients share a few play URLs). */
function memoised(judge: (url: string) => string | null): (url: string) => string | null {
  const seen = new Map<string, string | null>();
  return (url) => {
    if (seen.has(url)) return seen.get(url)!;
    const verdict = judge(url);
    if (seen.size < 256) seen.set(url, verdict);
    return verdict;
  };
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
