/**
 * Validates the recipients list entry by entry with the same schemas the
 * OpenAPI document shows (RecipientSchema, PlaySchema), at O(1) cost per
 * entry and with each phone parsed exactly once.
 *
 * Why not one zod pass over the whole array: a broadcast usually plays the
 * same few messages to everyone, so most play objects are equal. Their
 * verdicts are memoised by content (a bounded cache, so 100,000 personalised
 * texts cost no more memory than the request already holds), which turns
 * 100,000 zod runs into a handful.
 */
import { PlaySchema, playFetchUrl, type PlayInput } from './play-schema.ts';
import { RecipientSchema } from './request-schema.ts';
import { parseE164 } from '../phone/e164.ts';
import { clientJsonProblem } from '../client-json/bounded-json.ts';
import { fieldIssues } from '../errors/zod-issues.ts';
import type { FieldIssue } from '../errors/problem.ts';

export interface ParsedPhone {
  /** Normalised, with '+': the form the DNC table stores. */
  e164: string;
  /** ISO 3166-1 alpha-2, or null for non-geographic numbers (+800 …). */
  country: string | null;
}

export interface ValidRecipient {
  /** Exactly as sent. */
  to: string;
  /** zod's output: the known fields only. */
  play: PlayInput;
}

export interface RecipientsResult {
  recipients: ValidRecipient[];
  /** phones[i] is recipients[i].to, parsed (complete only when issues is empty). */
  phones: ParsedPhone[];
  issues: FieldIssue[];
}

/** The fields PlaySchema reads; anything else in a play object is ignored by it, so it is not part of the memo key. */
const PLAY_FIELDS = ['type', 'url', 'prompt_name', 'text', 'voice', 'language', 'ssml', 'prompt_ref'] as const;
const MAX_MEMOISED_PLAYS = 256;
/**
 * A recipient is echoed verbatim (the response, blacklistednumber), extra keys
 * included, so it is stored verbatim too: its JSON must fit comfortably in a
 * storage row and be shallow enough to copy (client-json/bounded-json.ts). Entries with only the documented keys are bounded by the
 * schema's own limits and never need measuring.
 */
export const MAX_RECIPIENT_JSON_BYTES = 64 * 1024;
const RECIPIENT_KEYS = new Set(['to', 'play']);
const PLAY_KEYS = new Set<string>(PLAY_FIELDS);

type PlayVerdict = ReturnType<typeof PlaySchema.safeParse>;

/** `urlProblem` judges a valid play's audio URL by the outbound-URL policy (null = allowed). */
export function validateRecipients(list: readonly unknown[], urlProblem: (url: string) => string | null = () => null): RecipientsResult {
  const recipients: ValidRecipient[] = [];
  const phones: ParsedPhone[] = [];
  const issues: FieldIssue[] = [];
  const verdicts = new Map<string, PlayVerdict>();

  for (let i = 0; i < list.length; i++) {
    const entry = list[i];
    const to = isObject(entry) ? entry.to : undefined;
    const play = isObject(entry) ? entry.play : undefined;

    if (typeof to !== 'string' || !isObject(play)) {
      // The unusual shapes get zod's own messages for the whole entry.
      const result = RecipientSchema.safeParse(entry);
      if (!result.success) issues.push(...prefixed(fieldIssues(result.error), `/recipients/${i}`));
    } else {
      const verdict = playVerdict(play, verdicts);
      if (verdict.success) {
        recipients.push({ to, play: verdict.data });
        const url = playFetchUrl(verdict.data);
        const problem = url === null ? null : urlProblem(url);
        if (problem) issues.push({ pointer: `/recipients/${i}/play/url`, reason: problem });
      } else issues.push(...prefixed(fieldIssues(verdict.error), `/recipients/${i}/play`));
    }

    if (hasUnknownKeys(entry, play)) {
      const problem = clientJsonProblem(entry, MAX_RECIPIENT_JSON_BYTES);
      if (problem) issues.push({ pointer: `/recipients/${i}`, reason: problem });
    }

    if (typeof to === 'string') {
      const phone = parseE164(to);
      if (phone.ok) phones.push({ e164: phone.e164, country: phone.country });
      else issues.push({ pointer: `/recipients/${i}/to`, reason: phone.reason });
    }
  }
  return { recipients, phones, issues };
}

function playVerdict(play: Record<string, unknown>, memo: Map<string, PlayVerdict>): PlayVerdict {
  const key = memoKey(play);
  if (key === null) return PlaySchema.safeParse(play);
  let verdict = memo.get(key);
  if (!verdict) {
    verdict = PlaySchema.safeParse(play);
    if (memo.size < MAX_MEMOISED_PLAYS) memo.set(key, verdict);
  }
  return verdict;
}

/** An injective key over the fields PlaySchema reads, or null when one is not a string (those are parsed directly). */
function memoKey(play: Record<string, unknown>): string | null {
  const values: Array<string | null> = [];
  for (const field of PLAY_FIELDS) {
    const v = play[field];
    if (v === undefined) values.push(null);
    else if (typeof v === 'string') values.push(v);
    else return null;
  }
  return JSON.stringify(values);
}

function hasUnknownKeys(entry: unknown, play: unknown): boolean {
  if (!isObject(entry)) return false;
  for (const key in entry) if (!RECIPIENT_KEYS.has(key)) return true;
  if (isObject(play)) for (const key in play) if (!PLAY_KEYS.has(key)) return true;
  return false;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function prefixed(list: FieldIssue[], prefix: string): FieldIssue[] {
  return list.map((issue) => ({ pointer: prefix + issue.pointer, reason: issue.reason }));
}
