/**
 * Typed API errors and their one mapping to RFC 7807 problem+json.
 * Handlers throw a ProblemError; the app's onError turns it into a response.
 * Anything else thrown is a bug: it becomes a 500 and is logged, never hidden.
 */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/** `type` URIs of the broadcast API (and internal routes). */
export const TYPE_BASE = 'https://crier.dev/problems/';
/**
 * `type` URIs of the dialer API (/v1): the spec's own (…/errors/invalid-credentials),
 * so clients that switch on `type` work unchanged. DIALER_PROBLEM_TYPE_BASE overrides it.
 */
export const DIALER_TYPE_BASE = 'https://engage.broadnet.me/errors/';

/** One failed field: a JSON pointer into the request and why it failed. */
export interface FieldIssue {
  pointer: string;
  reason: string;
}

export interface ProblemInit {
  status: number;
  /** Short slug, becomes the `type` URI: https://crier.dev/problems/<slug> */
  slug: string;
  title: string;
  detail: string;
  /** For validation errors: the first failing field (pointer), and all of them in `errors`. */
  errors?: FieldIssue[];
  headers?: Record<string, string>;
  extra?: Record<string, unknown>;
}

export class ProblemError extends Error {
  readonly init: ProblemInit;
  constructor(init: ProblemInit) {
    super(init.detail);
    this.name = 'ProblemError';
    this.init = init;
  }
}

export function problemBody(init: ProblemInit, typeBase: string = TYPE_BASE): Record<string, unknown> {
  const body: Record<string, unknown> = {
    type: typeBase + init.slug,
    title: init.title,
    status: init.status,
    detail: init.detail,
  };
  if (init.errors && init.errors.length > 0) {
    body.field = init.errors[0]!.pointer;
    body.errors = init.errors;
  }
  return { ...body, ...init.extra };
}

export function problemResponse(init: ProblemInit, typeBase?: string): Response {
  return new Response(JSON.stringify(problemBody(init, typeBase)), {
    status: init.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...init.headers },
  });
}

export const Problems = {
  validation: (errors: FieldIssue[], detail?: string) =>
    new ProblemError({
      status: 400,
      slug: 'validation-failed',
      title: 'Request validation failed',
      detail: detail ?? `${errors.length} field${errors.length === 1 ? '' : 's'} failed validation: ${errors.slice(0, 3).map((e) => `${e.pointer} ${e.reason}`).join('; ')}${errors.length > 3 ? '; ...' : ''}`,
      errors,
    }),
  malformedJson: (detail: string) =>
    new ProblemError({ status: 400, slug: 'malformed-json', title: 'Malformed JSON', detail }),
  unsupportedMediaType: (got: string | undefined) =>
    new ProblemError({
      status: 415,
      slug: 'unsupported-media-type',
      title: 'Unsupported media type',
      detail: `Expected Content-Type application/json, got ${got ? `"${got}"` : 'none'}.`,
    }),
  payloadTooLarge: (limitBytes: number) =>
    new ProblemError({
      status: 413,
      slug: 'payload-too-large',
      title: 'Payload too large',
      detail: `The request body exceeds ${limitBytes} bytes.`,
    }),
  unauthorized: (detail: string, challenge: string) =>
    new ProblemError({
      status: 401,
      slug: 'unauthorized',
      title: 'Unauthorized',
      detail,
      headers: { 'www-authenticate': challenge },
    }),
  /** A bearer token that is missing, malformed, expired or revoked (dialer API). */
  unauthorizedBearer: (detail: string, error: 'invalid_request' | 'invalid_token' = 'invalid_token') =>
    new ProblemError({
      status: 401,
      slug: 'unauthorized',
      title: 'Unauthorized',
      detail,
      headers: { 'www-authenticate': `Bearer realm="crier", error="${error}"` },
    }),
  invalidCredentials: () =>
    new ProblemError({ status: 401, slug: 'invalid-credentials', title: 'Invalid credentials', detail: 'Email or password is incorrect.' }),
  forbidden: (detail: string) => new ProblemError({ status: 403, slug: 'forbidden', title: 'Forbidden', detail }),
  rateLimited: (limit: number, retryAfterS: number) =>
    new ProblemError({
      status: 429,
      slug: 'rate-limited',
      title: 'Rate limit exceeded',
      detail: `More than ${limit} requests in one minute for this tenant; retry after ${retryAfterS} s.`,
      headers: { 'retry-after': String(retryAfterS), 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': '0' },
    }),
  notFound: (what: string) => new ProblemError({ status: 404, slug: 'not-found', title: 'Not found', detail: `${what} does not exist.` }),
  /** A 403 with its own type, for a request refused by policy rather than by role. */
  refused: (slug: string, title: string, detail: string, extra?: Record<string, unknown>) => new ProblemError({ status: 403, slug, title, detail, ...(extra ? { extra } : {}) }),
  conflict: (slug: string, title: string, detail: string) => new ProblemError({ status: 409, slug, title, detail }),
  unprocessable: (slug: string, title: string, detail: string) => new ProblemError({ status: 422, slug, title, detail }),
  unavailable: (detail: string) => new ProblemError({ status: 503, slug: 'unavailable', title: 'Service unavailable', detail }),
};

/** The OpenAPI description of a problem+json response, shared by every route's documentation. */
export const problemContent = {
  content: {
    [PROBLEM_CONTENT_TYPE]: {
      schema: {
        type: 'object' as const,
        properties: { type: { type: 'string' as const }, title: { type: 'string' as const }, status: { type: 'integer' as const }, detail: { type: 'string' as const } },
        required: ['type', 'title', 'status', 'detail'],
      },
    },
  },
};
