/**
 * The DNC list's pagination cursor: the last number of the previous page
 * (the list is ordered by number, which is unique per tenant), wrapped so
 * clients treat it as opaque. A cursor we did not issue is a 400, not a 500.
 */
import { Problems } from '../errors/problem.ts';

export function encodeDncCursor(lastPhone: string): string {
  return btoa(JSON.stringify({ p: lastPhone })).replace(/=+$/, '');
}

export function decodeDncCursor(cursor: string): string {
  try {
    const value = JSON.parse(atob(cursor)) as { p?: unknown } | null;
    if (typeof value?.p === 'string') return value.p;
  } catch {
    // Not base64 or not JSON: the same answer as a well-formed cursor of the wrong shape, below.
  }
  throw Problems.validation([{ pointer: '/query/cursor', reason: 'is not a cursor this API issued' }]);
}
