/**
 * National DNC registries, maintained by the platform operator (Bearer
 * PLATFORM_ADMIN_TOKEN) for every tenant at once:
 *   GET    /v1/platform/dnc-registries                        each registry with its count
 *   GET    /v1/platform/dnc-registries/{registry}             one
 *   POST   /v1/platform/dnc-registries/{registry}/numbers     import ≤ 50,000 numbers {phones}
 *   DELETE /v1/platform/dnc-registries/{registry}/numbers     remove numbers {phones}
 * A registry only holds numbers of its own country (TDRA: AE …); others
 * count as invalid. Numbers go in chunks of JSON in one D1 batch (one
 * transaction, one round trip), however long the list.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { DialerEnv } from '../../env.ts';
import { Problems, problemContent } from '../../errors/problem.ts';
import { validatedBody } from '../../middleware/validated-body/index.ts';
import { platformAuth } from '../../middleware/platform-auth/index.ts';
import { parseE164 } from '../../phone/e164.ts';
import { NATIONAL_REGISTRIES, registryByCode, type NationalRegistry } from '../registries.ts';

export const MAX_REGISTRY_PHONES_PER_REQUEST = 50_000;
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const CHUNK = 10_000;

const PhonesSchema = z
  .object({
    phones: z
      .array(z.string().max(64))
      .min(1, 'must list at least one number')
      .max(MAX_REGISTRY_PHONES_PER_REQUEST, `must list at most ${MAX_REGISTRY_PHONES_PER_REQUEST} numbers`),
  })
  .strict()
  .openapi('RegistryPhones');

const RegistrySchema = z
  .object({ registry: z.string(), country: z.string(), name: z.string(), numbers: z.number().int(), last_imported_at: z.string().nullable() })
  .openapi('NationalRegistry');

const ImportedSchema = z
  .object({ registry: z.string(), added: z.number().int(), duplicates_skipped: z.number().int(), invalid_phones: z.number().int(), numbers: z.number().int() })
  .openapi('RegistryImport');

const RemovedSchema = z.object({ registry: z.string(), removed: z.number().int(), invalid_phones: z.number().int(), numbers: z.number().int() }).openapi('RegistryRemoval');

const RegistryParam = z.object({ registry: z.string().openapi({ param: { name: 'registry', in: 'path' }, example: 'TDRA' }) });

function registryOf(code: string): NationalRegistry {
  const registry = registryByCode(code);
  if (!registry) throw Problems.notFound(`National DNC registry ${code} (known: ${NATIONAL_REGISTRIES.map((r) => r.code).join(', ')})`);
  return registry;
}

/** The registry's own numbers among `phones`, normalised and de-duplicated, and how many were not. */
function numbersFor(registry: NationalRegistry, phones: readonly string[]): { numbers: string[]; invalid: number } {
  const numbers = new Set<string>();
  let invalid = 0;
  for (const phone of phones) {
    const p = parseE164(phone);
    if (p.ok && p.country === registry.country) numbers.add(p.e164);
    else invalid++;
  }
  return { numbers: [...numbers], invalid };
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

async function describe(db: D1Database, registry: NationalRegistry): Promise<z.infer<typeof RegistrySchema>> {
  const row = await db.prepare('SELECT COUNT(*) AS n, MAX(imported_at) AS last FROM national_dnc WHERE registry = ?').bind(registry.code).first<{ n: number; last: string | null }>();
  return { registry: registry.code, country: registry.country, name: registry.name, numbers: row?.n ?? 0, last_imported_at: row?.last ?? null };
}

export function registryRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  const security = [{ platformToken: [] }];
  app.use('/v1/platform/dnc-registries', platformAuth());
  app.use('/v1/platform/dnc-registries/*', platformAuth());

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/platform/dnc-registries',
    summary: 'National DNC registries and their sizes (platform operator)',
    tags: ['Platform'],
    security,
    responses: { 200: { description: 'Every known registry', content: { 'application/json': { schema: z.object({ items: z.array(RegistrySchema) }) } } } },
  });
  app.get('/v1/platform/dnc-registries', async (c) => c.json({ items: await Promise.all(NATIONAL_REGISTRIES.map((r) => describe(c.env.DB, r))) }, 200));

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/platform/dnc-registries/{registry}',
    summary: 'One national DNC registry (platform operator)',
    tags: ['Platform'],
    security,
    request: { params: RegistryParam },
    responses: { 200: { description: 'The registry', content: { 'application/json': { schema: RegistrySchema } } }, 404: { description: 'Unknown registry', ...problemContent } },
  });
  app.get('/v1/platform/dnc-registries/:registry', async (c) => c.json(await describe(c.env.DB, registryOf(c.req.param('registry'))), 200));

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/platform/dnc-registries/{registry}/numbers',
    summary: 'Import numbers into a national DNC registry, up to 50,000 per request (platform operator)',
    tags: ['Platform'],
    security,
    request: { params: RegistryParam, body: { content: { 'application/json': { schema: PhonesSchema } }, required: true } },
    responses: {
      201: { description: "Imported; numbers already listed are duplicates, numbers not of the registry's country invalid", content: { 'application/json': { schema: ImportedSchema } } },
      400: { description: 'Invalid body', ...problemContent },
      404: { description: 'Unknown registry', ...problemContent },
    },
  });
  app.post('/v1/platform/dnc-registries/:registry/numbers', async (c) => {
    const registry = registryOf(c.req.param('registry'));
    const { phones } = await validatedBody(c, PhonesSchema, MAX_BODY_BYTES);
    const { numbers, invalid } = numbersFor(registry, phones);
    const now = new Date().toISOString();
    let added = 0;
    if (numbers.length > 0) {
      const results = await c.env.DB.batch(
        chunks(numbers).map((chunk) =>
          c.env.DB.prepare(
            `INSERT INTO national_dnc (registry, phone, imported_at) SELECT ?1, value, ?2 FROM json_each(?3) WHERE true ON CONFLICT (registry, phone) DO NOTHING`,
          ).bind(registry.code, now, JSON.stringify(chunk)),
        ),
      );
      added = results.reduce((sum, r) => sum + (r.meta.changes ?? 0), 0);
    }
    const total = await describe(c.env.DB, registry);
    return c.json({ registry: registry.code, added, duplicates_skipped: phones.length - invalid - added, invalid_phones: invalid, numbers: total.numbers }, 201);
  });

  app.openAPIRegistry.registerPath({
    method: 'delete',
    path: '/v1/platform/dnc-registries/{registry}/numbers',
    summary: 'Remove numbers from a national DNC registry (platform operator)',
    tags: ['Platform'],
    security,
    request: { params: RegistryParam, body: { content: { 'application/json': { schema: PhonesSchema } }, required: true } },
    responses: {
      200: { description: 'Removed', content: { 'application/json': { schema: RemovedSchema } } },
      400: { description: 'Invalid body', ...problemContent },
      404: { description: 'Unknown registry', ...problemContent },
    },
  });
  app.delete('/v1/platform/dnc-registries/:registry/numbers', async (c) => {
    const registry = registryOf(c.req.param('registry'));
    const { phones } = await validatedBody(c, PhonesSchema, MAX_BODY_BYTES);
    const { numbers, invalid } = numbersFor(registry, phones);
    let removed = 0;
    if (numbers.length > 0) {
      const results = await c.env.DB.batch(
        chunks(numbers).map((chunk) => c.env.DB.prepare('DELETE FROM national_dnc WHERE registry = ? AND phone IN (SELECT value FROM json_each(?))').bind(registry.code, JSON.stringify(chunk))),
      );
      removed = results.reduce((sum, r) => sum + (r.meta.changes ?? 0), 0);
    }
    const total = await describe(c.env.DB, registry);
    return c.json({ registry: registry.code, removed, invalid_phones: invalid, numbers: total.numbers }, 200);
  });

  return app;
}
