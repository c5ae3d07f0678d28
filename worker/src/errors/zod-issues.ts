/** Turns zod issues into FieldIssues with RFC 6901 JSON pointers (/recipients/17/to). */
import type { z } from 'zod';
import type { FieldIssue } from './problem.ts';

export function jsonPointer(path: ReadonlyArray<PropertyKey>): string {
  return path.map((seg) => '/' + String(seg).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ pointer: jsonPointer(issue.path), reason: reasonOf(issue) }));
}

function reasonOf(issue: z.core.$ZodIssue): string {
  // zod 4 leaves `input` out of issues unless asked (reportInput), so "missing" is read from
  // its default message; a schema's own message (e.g. "must be a string") is kept as written.
  if (issue.code === 'invalid_type' && issue.input === undefined && / received undefined$/.test(issue.message)) return 'is required';
  return issue.message;
}

/** A type error message that still says "is required" when the field is missing: z.string(requiredOr('must be a string')). */
export function requiredOr(message: string) {
  // Other issues the schema raises (unknown keys, too long…) keep their own messages.
  return { error: (issue: { code?: string; input?: unknown }) => (issue.code !== 'invalid_type' ? undefined : issue.input === undefined ? 'is required' : message) };
}
