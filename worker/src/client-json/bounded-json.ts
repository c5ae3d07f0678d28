/**
 * Limits on arbitrary JSON a client gives us to keep and echo (a broadcast's
 * custom_data, extra keys in a recipient, a play's custom_data): at most
 * MAX_CLIENT_JSON_DEPTH levels of nesting and a byte budget per field.
 *
 * Why depth and not only size: 3,000 nested `{"a":` fit in 18 KB, and such a
 * value overflows the stack wherever it is copied whole (Durable Object RPC
 * serialisation, structured clone), turning bad input into a 500 halfway
 * through accepting a broadcast. The depth is measured without recursion,
 * before anything serialises the value. docs/broadcast-api.md "Limits".
 */
import { z } from '@hono/zod-openapi';

/** The value itself is level 1; `{"a":{"b":1}}` is 2 levels deep. */
export const MAX_CLIENT_JSON_DEPTH = 32;

const utf8 = new TextEncoder();

/** True when `value` nests objects or arrays more than `maxDepth` levels deep. */
export function nestedDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > maxDepth) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** Why `value` is over the limits (depth first, so nothing too deep is ever serialised), or null. */
export function clientJsonProblem(value: unknown, maxBytes: number, maxDepth = MAX_CLIENT_JSON_DEPTH): string | null {
  if (nestedDeeperThan(value, maxDepth)) return `must be nested at most ${maxDepth} levels deep`;
  if (utf8.encode(JSON.stringify(value)).byteLength > maxBytes) return `must be at most ${maxBytes} bytes of JSON`;
  return null;
}

/** A JSON object of the client's own, bounded in depth and size; issues name the field itself. */
export function clientJsonObject(maxBytes: number) {
  return z.record(z.string(), z.unknown(), { error: 'must be an object' }).superRefine((value, ctx) => {
    const problem = clientJsonProblem(value, maxBytes);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}
