/**
 * The two OpenAPI 3.1 documents served at /voice/v1/openapi.json and
 * /v1/openapi.json, cut from the app's one registry: each keeps its own API's
 * paths and webhooks and only the component schemas those reach, and opens
 * with a description of authentication, errors and webhook signatures, so the
 * reference page (/docs) reads as the whole contract.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { BROADCAST_WEBHOOKS, DIALER_WEBHOOKS } from './webhook-events.ts';

export type ApiName = 'broadcast' | 'dialer';

export interface ApiDocumentSpec {
  api: ApiName;
  path: string;
  prefix: string;
  title: string;
  webhooks: readonly string[];
  description: string;
}

const VERIFY = `
\`\`\`python
expected = hmac.new(secret.encode(), raw_body_bytes, hashlib.sha256).hexdigest()
hmac.compare_digest(f"sha256={expected}", signature_header)
\`\`\`
`;

const BROADCAST_DESCRIPTION = `Ring many phones with one request; every leg plays its own message and is reported by signed webhooks until it ends.

**Authentication:** HTTP Basic with \`APP_ID:APP_KEY\` (apps are created with \`POST /v1/apps\`).

**Errors:** RFC 7807 \`application/problem+json\`; a validation error lists every failing field as a JSON pointer (\`/recipients/17/to\`).

**Webhooks** (listed below): POSTed as JSON to the broadcast's \`event_url\`, at least once, in order per call leg,
retried immediately, then after 30 s, 5 min, 30 min and 2 h; a 2xx within 10 s acknowledges. Headers:

- \`X-Crier-Signature: sha256=<hex HMAC-SHA256(app webhook secret, raw body)>\`
- \`X-Crier-Event-Id\`: the same on every retry; de-duplicate by it
- \`X-Crier-Delivery-Attempt\`: 1 to 5

Verify the signature over the raw bytes before parsing (the same construction as the dialer API's \`X-BroadNet-Signature\`):
${VERIFY}
The other API of this deployment, the dialer, is described at [/v1/openapi.json](/v1/openapi.json).`;

const DIALER_DESCRIPTION = `Campaigns, contacts, compliance, DNC, call history, reports, agents and webhook subscriptions (BroadNet Engage compatible).

**Authentication:** \`POST /v1/auth/login\` returns an access token; send \`Authorization: Bearer <access_token>\`.
Operator routes (\`/v1/platform/*\`) take the deployment's \`PLATFORM_ADMIN_TOKEN\` as the bearer token.

**Errors:** RFC 7807 \`application/problem+json\` with the spec's \`type\` URIs.

**Webhooks** (listed below): every event is the spec's envelope \`{event_id, event_type, tenant_id, occurred_at, correlation_id, schema_version, payload}\`,
POSTed to each active subscription (\`POST /v1/webhooks\`) whose \`event_types\` take it, at least once, in order per
(subscription, correlation_id), retried immediately, then after 30 s, 5 min, 30 min and 2 h, then dead-lettered
(\`GET /v1/webhooks/{id}/deliveries\`). A 2xx within 10 s acknowledges; redirects are failures. Headers:

- \`X-BroadNet-Signature: sha256=<hex HMAC-SHA256(subscription secret, raw body)>\`
- \`X-BroadNet-Event-Id\` (the envelope's \`event_id\`), \`X-BroadNet-Event-Type\`, \`X-BroadNet-Delivery-Attempt\` (1 to 5)

Verify the signature over the raw bytes before parsing:
${VERIFY}
The broadcast API of this deployment is described at [/voice/v1/openapi.json](/voice/v1/openapi.json).`;

export const API_DOCUMENTS: readonly ApiDocumentSpec[] = [
  { api: 'broadcast', path: '/voice/v1/openapi.json', prefix: '/voice/v1/', title: 'Crier Voice Broadcast API', webhooks: BROADCAST_WEBHOOKS, description: BROADCAST_DESCRIPTION },
  { api: 'dialer', path: '/v1/openapi.json', prefix: '/v1/', title: 'Crier Dialer API (BroadNet Engage compatible)', webhooks: DIALER_WEBHOOKS, description: DIALER_DESCRIPTION },
];

type Json = Record<string, unknown>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function apiDocument(app: OpenAPIHono<any, any, any>, spec: ApiDocumentSpec): Json {
  const full = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: spec.title, version: '1.0.0', description: spec.description } });
  const paths = Object.fromEntries(Object.entries(full.paths ?? {}).filter(([p]) => p.startsWith(spec.prefix)));
  const webhooks = Object.fromEntries(Object.entries(full.webhooks ?? {}).filter(([name]) => spec.webhooks.includes(name)));
  for (const [path, item] of Object.entries(paths)) tagUntagged(item as Json, path.slice(spec.prefix.length).split('/')[0]!);
  const tags = [...new Set(Object.values(paths).flatMap((item) => operationTags(item as Json)))].sort().map((name) => ({ name }));
  const doc: Json = { ...full, tags, paths, webhooks };
  return { ...doc, components: reachableComponents(doc, (full.components ?? {}) as Json) };
}

/** Groups on the page for operations whose route names no tag: by the path's first segment. */
const SEGMENT_TAGS: Record<string, string> = { broadcast: 'Broadcasts', call: 'Call control', dnc: 'DNC', webhooks: 'Webhook subscriptions' };

/** Route tags renamed on the page: "Webhooks" is the heading Swagger UI gives the events themselves. */
const RENAMED_TAGS: Record<string, string> = { Webhooks: 'Webhook subscriptions' };

function tagUntagged(item: Json, segment: string): void {
  for (const op of Object.values(item)) {
    if (!op || typeof op !== 'object' || Array.isArray(op)) continue;
    const operation = op as Json;
    if (Array.isArray(operation.tags) && operation.tags.length > 0) operation.tags = (operation.tags as string[]).map((t) => RENAMED_TAGS[t] ?? t);
    else operation.tags = [SEGMENT_TAGS[segment] ?? segment.charAt(0).toUpperCase() + segment.slice(1)];
  }
}

function operationTags(item: Json): string[] {
  return Object.values(item).flatMap((op) => (op && typeof op === 'object' && Array.isArray((op as Json).tags) ? ((op as Json).tags as string[]) : []));
}

/** The components that the paths and webhooks reach through $ref, transitively; security schemes kept whole. */
function reachableComponents(doc: Json, components: Json): Json {
  const kept = new Map<string, Set<string>>();
  const pending: unknown[] = [doc.paths, doc.webhooks];
  while (pending.length > 0) {
    const node = pending.pop();
    if (Array.isArray(node)) pending.push(...node);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/')) {
          const [, , kind, name] = value.split('/');
          const names = kept.get(kind!) ?? new Set<string>();
          kept.set(kind!, names);
          if (!names.has(name!)) {
            names.add(name!);
            pending.push((components[kind!] as Json | undefined)?.[name!]);
          }
        } else pending.push(value);
      }
    }
  }
  const out: Json = {};
  for (const [kind, entries] of Object.entries(components)) {
    if (kind === 'securitySchemes') out[kind] = entries;
    else {
      const names = kept.get(kind);
      if (names) out[kind] = Object.fromEntries(Object.entries(entries as Json).filter(([name]) => names.has(name)));
    }
  }
  return out;
}
