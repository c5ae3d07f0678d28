// A seeded request generator over an OpenAPI 3.1 document: for every
// operation, one plausible request built from its schemas and a list of
// mutations of it — every body field given a wrong type, a huge string, deep
// nesting, unicode, negative/extreme numbers, removed, or joined by an extra
// field; every path and query parameter given hostile values; and whole-body
// abuse (empty, not JSON, wrong content type). Pure: no I/O, same seed → same requests.

type Schema = Record<string, any>;
type Doc = { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, Schema> } };

export interface Operation {
  method: string;
  path: string;
  /** The first security scheme named, if any ("basicAuth", "bearerAuth", "platformToken"). */
  security: string | null;
  pathParams: string[];
  query: Array<{ name: string; schema: Schema; required: boolean }>;
  body: { contentType: string; schema: Schema } | null;
}

export interface FuzzRequest {
  op: Operation;
  /** What was done, for the failure report. */
  mutation: string;
  url: string;
  contentType: string | null;
  body: string | null;
}

/** mulberry32: small, fast, good enough to pick mutations reproducibly. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function operationsOf(doc: Doc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: Schema) => resolve(doc, p));
      const content = op.requestBody ? resolve(doc, op.requestBody).content ?? {} : {};
      const contentType = Object.keys(content)[0];
      ops.push({
        method: method.toUpperCase(),
        path,
        security: op.security?.[0] ? Object.keys(op.security[0])[0] ?? null : null,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: resolve(doc, p.schema ?? {}), required: !!p.required })),
        body: contentType ? { contentType, schema: content[contentType].schema ?? {} } : null,
      });
    }
  }
  return ops;
}

function resolve(doc: Doc, schema: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 20 && s && typeof s.$ref === 'string'; i++) {
    const name = s.$ref.replace(/^#\/components\/(schemas|parameters|requestBodies)\//, '');
    const kind = /^#\/components\/(\w+)\//.exec(s.$ref)?.[1] ?? 'schemas';
    s = (doc.components as Record<string, Record<string, Schema>> | undefined)?.[kind]?.[name] ?? {};
  }
  return s ?? {};
}

export interface GeneratorContext {
  doc: Doc;
  random: () => number;
  /** A URL string fields named *url* get, so a valid request never calls the internet. */
  safeUrl: string;
}

/** A plausible value for `schema`: required fields, first enum values, in-range numbers. */
export function sample(ctx: GeneratorContext, schema: Schema, key = '', depth = 0): unknown {
  const s = resolve(ctx.doc, schema);
  if (depth > 8) return null;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (s.default !== undefined && ctx.random() < 0.5) return s.default;
  if (s.example !== undefined) return s.example;
  for (const union of ['oneOf', 'anyOf'] as const) {
    if (Array.isArray(s[union]) && s[union].length > 0) {
      const options = s[union].filter((o: Schema) => resolve(ctx.doc, o).type !== 'null');
      return sample(ctx, (options.length > 0 ? options : s[union])[0], key, depth + 1);
    }
  }
  if (Array.isArray(s.allOf)) return Object.assign({}, ...s.allOf.map((part: Schema) => sample(ctx, part, key, depth + 1)));
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  switch (type ?? (s.properties ? 'object' : undefined)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, prop] of Object.entries<Schema>(s.properties ?? {})) {
        if ((s.required ?? []).includes(name) || ctx.random() < 0.5) out[name] = sample(ctx, prop, name, depth + 1);
      }
      return out;
    }
    case 'array':
      return [sample(ctx, s.items ?? {}, key, depth + 1)];
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : 1;
    case 'boolean':
      return false;
    case 'string':
      return sampleString(ctx, s, key);
    default:
      return null;
  }
}

function sampleString(ctx: GeneratorContext, s: Schema, key: string): string {
  if (s.format === 'uri' || /url$/i.test(key)) return ctx.safeUrl;
  if (s.format === 'email' || /email/i.test(key)) return `fuzz-${Math.floor(ctx.random() * 1e9)}@example.test`;
  if (s.format === 'uuid' || /(^|_)id$/.test(key)) return crypto.randomUUID();
  if (s.format === 'date-time') return new Date().toISOString();
  if (/phone|^to$|^from$|number/i.test(key)) return '+971501234567';
  if (/time_?zone/i.test(key)) return 'Asia/Dubai';
  if (/country|region/i.test(key)) return 'AE';
  const min = typeof s.minLength === 'number' ? s.minLength : 1;
  return 'fuzz'.padEnd(Math.max(min, 4), 'z').slice(0, typeof s.maxLength === 'number' ? Math.max(s.maxLength, min) : undefined);
}

/** JSON-pointer-ish paths of every value inside `value` (objects and arrays, 4 levels). */
function pathsOf(value: unknown, prefix: Array<string | number> = [], depth = 0): Array<Array<string | number>> {
  if (depth > 4 || typeof value !== 'object' || value === null) return [];
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k], depth + 1)]);
}

const DEEP = '\u0000DEEP\u0000';
const deepText = (levels: number) => '{"d":'.repeat(levels) + '1' + '}'.repeat(levels);

/** Replacements for one field; `DEEP` becomes 3,000 nested objects in the body text. */
const FIELD_MUTATIONS: Array<[string, (current: unknown) => unknown]> = [
  ['wrong type', (v) => (typeof v === 'string' ? 12345 : typeof v === 'number' ? 'not a number' : typeof v === 'boolean' ? 'yes' : Array.isArray(v) ? { not: 'an array' } : typeof v === 'object' && v !== null ? ['not', 'an', 'object'] : true)],
  ['null', () => null],
  ['huge string', () => 'A'.repeat(70_000)],
  ['deep nesting', () => DEEP],
  ['unicode', () => 'ünï©ødé 𝓤 \u202e\u0000 \ud800 שלום 🎉'],
  ['negative', () => -1],
  ['extreme number', () => 1e308],
  ['fraction', () => 0.5],
  ['empty string', () => ''],
  ['empty array', () => []],
  ['empty object', () => ({})],
  ['huge array', () => Array.from({ length: 5_000 }, () => 1)],
];

function setAt(root: unknown, path: Array<string | number>, value: unknown, remove = false): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

const pick = <T,>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

const PATH_VALUES = ['00000000-0000-0000-0000-000000000000', 'x'.repeat(3000), '%E2%80%AE%00', '..%2F..%2Fetc', '-1', '1e308', '%F0%9F%8E%89', 'null'];
const QUERY_VALUES = ['-1', '0', '1e308', '999999999999999999999', 'abc', '', 'x'.repeat(5000), '%00', '%E2%80%AE', 'true', '[]', '{"a":1}', '2026-13-45T99:99:99Z'];

/** The requests for one operation: its plausible request, then every mutation. */
export function requestsFor(ctx: GeneratorContext, op: Operation, base: string): FuzzRequest[] {
  const { random } = ctx;
  const pathWith = (values: Record<string, string>) => op.path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? crypto.randomUUID());
  const queryOf = (q: Record<string, string>) => {
    const entries = Object.entries(q);
    return entries.length === 0 ? '' : '?' + entries.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&');
  };
  const validQuery: Record<string, string> = {};
  for (const q of op.query) if (q.required || random() < 0.5) validQuery[q.name] = encodeURIComponent(String(sample(ctx, q.schema, q.name)));
  const validBody = op.body ? sample(ctx, op.body.schema) : null;
  const json = op.body?.contentType.includes('json') ?? false;

  const out: FuzzRequest[] = [];
  const add = (mutation: string, pathValues: Record<string, string>, query: Record<string, string>, body: unknown, contentType = op.body?.contentType ?? null, raw?: string | null) => {
    let text: string | null = raw !== undefined ? raw : body === undefined || !op.body ? null : json ? JSON.stringify(body) : String(body);
    if (text !== null && text.includes(JSON.stringify(DEEP))) text = text.replace(JSON.stringify(DEEP), deepText(3000));
    out.push({ op, mutation, url: base + pathWith(pathValues) + queryOf(query), contentType: text === null ? null : contentType, body: text });
  };

  add('plausible request', {}, validQuery, validBody);
  for (const name of op.pathParams) add(`path ${name} hostile`, { [name]: pick(random, PATH_VALUES) }, validQuery, validBody);
  for (const q of op.query) {
    add(`query ${q.name} hostile`, {}, { ...validQuery, [q.name]: pick(random, QUERY_VALUES) }, validBody);
    if (q.required) {
      const { [q.name]: _, ...rest } = validQuery;
      add(`query ${q.name} missing`, {}, rest, validBody);
    }
  }
  if (!op.body) return out;
  if (!json) {
    add('body garbage', {}, validQuery, undefined, op.body.contentType, '\u0000\u00ff garbage ' + 'x'.repeat(1000));
    add('body empty', {}, validQuery, undefined, op.body.contentType, '');
    return out;
  }
  add('body empty', {}, validQuery, undefined, 'application/json', '');
  add('body not JSON', {}, validQuery, undefined, 'application/json', '{"unterminated": ');
  add('body an array', {}, validQuery, [validBody]);
  add('body a string', {}, validQuery, 'just a string');
  add('body deep', {}, validQuery, undefined, 'application/json', deepText(5000));
  add('body wrong content type', {}, validQuery, undefined, 'text/plain', JSON.stringify(validBody));
  if (typeof validBody === 'object' && validBody !== null && !Array.isArray(validBody)) add('extra field', {}, validQuery, { ...validBody, __fuzz_extra: { a: [1, 'x'] } });
  // Every field once with a randomly chosen mutation (or removed), plus every mutation once on a random field.
  const paths = pathsOf(validBody);
  const pathName = (p: Array<string | number>) => '/' + p.join('/');
  for (const path of paths) {
    if (random() < 1 / (FIELD_MUTATIONS.length + 1)) {
      add(`${pathName(path)} missing`, {}, validQuery, setAt(validBody, path, undefined, true));
      continue;
    }
    const [name, mutate] = pick(random, FIELD_MUTATIONS);
    const current = path.reduce<any>((node, seg) => node?.[seg], validBody);
    add(`${pathName(path)} ${name}`, {}, validQuery, setAt(validBody, path, mutate(current)));
  }
  if (paths.length > 0) {
    const required = paths.filter((p) => p.length === 1);
    if (required.length > 0) {
      const path = pick(random, required);
      add(`${pathName(path)} missing`, {}, validQuery, setAt(validBody, path, undefined, true));
    }
    for (const [name, mutate] of FIELD_MUTATIONS) {
      const path = pick(random, paths);
      const current = path.reduce<any>((node, seg) => node?.[seg], validBody);
      add(`${pathName(path)} ${name}`, {}, validQuery, setAt(validBody, path, mutate(current)));
    }
  }
  return out;
}
