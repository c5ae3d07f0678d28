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
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  return issue.message;
}
