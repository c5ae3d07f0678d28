/**
 * CLI groups: the caller-ID numbers a tenant presents on campaign calls, and
 * the numbers the compliance check's CLI-ownership rule accepts (Crier
 * addition; the spec's campaigns name a cli_group_id but nothing creates one).
 *   POST   /v1/cli-groups        {name, numbers}                        admin, 201
 *   GET    /v1/cli-groups        oldest first, cursor pagination       any role
 *   GET    /v1/cli-groups/{id}                                         any role
 *   PATCH  /v1/cli-groups/{id}   {name?, add_numbers?, remove_numbers?} admin
 *   DELETE /v1/cli-groups/{id}   204; 409 while any campaign uses it    admin
 * Numbers are E.164 with '+', each at most once per group.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { DialerEnv } from '../env.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { validatedBody } from '../middleware/validated-body/index.ts';
import { requireRole } from '../middleware/require-role/index.ts';
import { decodeCursor, pageOf, pageQuery, pageSchema } from '../pagination/keyset.ts';
import { uuidv7 } from '../ids/uuid-v7.ts';
import { CliGroupSchema, CreateCliGroupSchema, UpdateCliGroupSchema, type CliGroupView } from './cli-group-schemas.ts';

const IdParam = z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' } }) });
const security = [{ bearerAuth: [] }];

interface GroupRow {
  id: string;
  name: string;
  created_at: string;
}

export function cliGroupRoutes() {
  const app = new OpenAPIHono<DialerEnv>();

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/cli-groups',
    summary: 'Create a CLI group (admin; Crier addition)',
    tags: ['CLI groups'],
    security,
    request: { body: { content: { 'application/json': { schema: CreateCliGroupSchema } }, required: true } },
    responses: {
      201: { description: 'Created', content: { 'application/json': { schema: CliGroupSchema } } },
      400: { description: 'Invalid body (a number that is not E.164 is named by its pointer)', ...problemContent },
      403: { description: 'Not an admin', ...problemContent },
      409: { description: 'A group of that name exists', ...problemContent },
    },
  });
  app.post('/v1/cli-groups', requireRole('admin'), async (c) => {
    const body = await validatedBody(c, CreateCliGroupSchema);
    const tenantId = c.get('user').tenantId;
    const group = { id: uuidv7(), name: body.name, created_at: new Date().toISOString() };
    const numbers = [...new Set(body.numbers)];
    await nameConflictAs409(body.name, () =>
      c.env.DB.batch([
        c.env.DB.prepare('INSERT INTO cli_groups (id, tenant_id, name, created_at) VALUES (?, ?, ?, ?)').bind(group.id, tenantId, group.name, group.created_at),
        addNumbersStatement(c.env.DB, group.id, tenantId, numbers),
      ]),
    );
    return c.json(view(group, numbers), 201);
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/cli-groups',
      summary: 'List CLI groups (any role; Crier addition)',
      tags: ['CLI groups'],
      security,
      request: { query: z.object(pageQuery(50, 200)) },
      responses: {
        200: { description: 'One page, oldest first', content: { 'application/json': { schema: pageSchema(CliGroupSchema, 'CliGroupPage') } } },
        400: { description: 'Bad limit or cursor', ...problemContent },
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const tenantId = c.get('user').tenantId;
      const after = cursor ? decodeCursor(cursor) : null;
      const db = c.env.DB;
      const [rows, total] = await db.batch<GroupRow | { n: number }>([
        db.prepare('SELECT id, name, created_at FROM cli_groups WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?').bind(tenantId, after?.id ?? '', limit + 1),
        db.prepare('SELECT count(*) AS n FROM cli_groups WHERE tenant_id = ?').bind(tenantId),
      ]);
      const groups = rows!.results as GroupRow[];
      const numbers = await numbersOf(db, groups.slice(0, limit).map((g) => g.id));
      const n = (total!.results[0] as { n: number } | undefined)?.n ?? 0;
      return c.json(pageOf(groups, limit, n, (g) => ({ k: 0, id: g.id }), (g) => view(g, numbers.get(g.id) ?? [])), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/cli-groups/{id}',
      summary: 'Get a CLI group (any role; Crier addition)',
      tags: ['CLI groups'],
      security,
      request: { params: IdParam },
      responses: {
        200: { description: 'The group', content: { 'application/json': { schema: CliGroupSchema } } },
        404: { description: 'No such group in your tenant', ...problemContent },
      },
    }),
    async (c) => {
      const group = await findGroup(c.env.DB, c.get('user').tenantId, c.req.valid('param').id);
      return c.json(view(group, (await numbersOf(c.env.DB, [group.id])).get(group.id) ?? []), 200);
    },
  );

  app.openAPIRegistry.registerPath({
    method: 'patch',
    path: '/v1/cli-groups/{id}',
    summary: 'Rename a CLI group or add/remove numbers (admin; Crier addition)',
    tags: ['CLI groups'],
    security,
    request: { params: IdParam, body: { content: { 'application/json': { schema: UpdateCliGroupSchema } }, required: true } },
    responses: {
      200: { description: 'The group after the change', content: { 'application/json': { schema: CliGroupSchema } } },
      400: { description: 'Invalid body', ...problemContent },
      403: { description: 'Not an admin', ...problemContent },
      404: { description: 'No such group in your tenant', ...problemContent },
      409: { description: 'Another group has that name', ...problemContent },
    },
  });
  app.patch('/v1/cli-groups/:id', requireRole('admin'), async (c) => {
    const tenantId = c.get('user').tenantId;
    const group = await findGroup(c.env.DB, tenantId, c.req.param('id'));
    const body = await validatedBody(c, UpdateCliGroupSchema);
    const db = c.env.DB;
    const statements: D1PreparedStatement[] = [];
    if (body.name !== undefined) statements.push(db.prepare('UPDATE cli_groups SET name = ? WHERE id = ?').bind(body.name, group.id));
    if (body.remove_numbers?.length) {
      statements.push(db.prepare('DELETE FROM cli_numbers WHERE cli_group_id = ? AND number IN (SELECT value FROM json_each(?))').bind(group.id, JSON.stringify(body.remove_numbers)));
    }
    if (body.add_numbers?.length) statements.push(addNumbersStatement(db, group.id, tenantId, [...new Set(body.add_numbers)]));
    if (statements.length > 0) await nameConflictAs409(body.name ?? group.name, () => db.batch(statements));
    const changed = await findGroup(db, tenantId, group.id);
    return c.json(view(changed, (await numbersOf(db, [group.id])).get(group.id) ?? []), 200);
  });

  app.openAPIRegistry.registerPath({
    method: 'delete',
    path: '/v1/cli-groups/{id}',
    summary: 'Delete a CLI group no campaign uses (admin; Crier addition)',
    tags: ['CLI groups'],
    security,
    request: { params: IdParam },
    responses: {
      204: { description: 'Deleted' },
      403: { description: 'Not an admin', ...problemContent },
      404: { description: 'No such group in your tenant', ...problemContent },
      409: { description: 'A campaign (of any status) uses the group', ...problemContent },
    },
  });
  app.delete('/v1/cli-groups/:id', requireRole('admin'), async (c) => {
    const tenantId = c.get('user').tenantId;
    const group = await findGroup(c.env.DB, tenantId, c.req.param('id'));
    const db = c.env.DB;
    // One transaction, and the "no campaign uses it" test inside each statement: a campaign
    // created meanwhile either sees the group whole or the group is not deleted.
    const unused = 'NOT EXISTS (SELECT 1 FROM campaigns WHERE tenant_id = ?2 AND cli_group_id = ?1)';
    const [, deleted] = await db.batch([
      db.prepare(`DELETE FROM cli_numbers WHERE cli_group_id = ?1 AND ${unused}`).bind(group.id, tenantId),
      db.prepare(`DELETE FROM cli_groups WHERE id = ?1 AND tenant_id = ?2 AND ${unused} RETURNING id`).bind(group.id, tenantId),
    ]);
    if (deleted!.results.length === 0) {
      const uses = await db.prepare('SELECT count(*) AS n FROM campaigns WHERE tenant_id = ? AND cli_group_id = ?').bind(tenantId, group.id).first<{ n: number }>();
      throw Problems.conflict('cli-group-in-use', 'CLI group in use', `${uses?.n ?? 'Some'} campaign(s) use CLI group ${group.id}; it cannot be deleted while any campaign names it.`);
    }
    return c.body(null, 204);
  });

  return app;
}

function view(group: GroupRow, numbers: string[]): CliGroupView {
  return { id: group.id, name: group.name, numbers: [...numbers].sort(), created_at: group.created_at };
}

export async function findGroup(db: D1Database, tenantId: string, id: string): Promise<GroupRow> {
  const row = await db.prepare('SELECT id, name, created_at FROM cli_groups WHERE id = ? AND tenant_id = ?').bind(id, tenantId).first<GroupRow>();
  if (!row) throw Problems.notFound(`CLI group ${id}`);
  return row;
}

/** The numbers of several groups in one query (a page of groups costs one round trip, not one per group). */
async function numbersOf(db: D1Database, groupIds: string[]): Promise<Map<string, string[]>> {
  const byGroup = new Map<string, string[]>();
  if (groupIds.length === 0) return byGroup;
  const { results } = await db
    .prepare('SELECT cli_group_id, number FROM cli_numbers WHERE cli_group_id IN (SELECT value FROM json_each(?)) ORDER BY number')
    .bind(JSON.stringify(groupIds))
    .all<{ cli_group_id: string; number: string }>();
  for (const r of results) {
    const list = byGroup.get(r.cli_group_id) ?? [];
    list.push(r.number);
    byGroup.set(r.cli_group_id, list);
  }
  return byGroup;
}

/** All numbers in one statement (D1 binds at most 100 parameters; the list travels as one JSON parameter). */
function addNumbersStatement(db: D1Database, groupId: string, tenantId: string, numbers: string[]): D1PreparedStatement {
  return db
    .prepare('INSERT INTO cli_numbers (cli_group_id, tenant_id, number) SELECT ?1, ?2, value FROM json_each(?3) WHERE true ON CONFLICT (cli_group_id, number) DO NOTHING')
    .bind(groupId, tenantId, JSON.stringify(numbers));
}

/** The unique (tenant, name) index decides between two writers racing for one name. */
async function nameConflictAs409<T>(name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (String(err).includes('UNIQUE') && String(err).includes('cli_groups')) {
      throw Problems.conflict('cli-group-name-taken', 'CLI group name in use', `Your tenant already has a CLI group named "${name}".`);
    }
    throw err;
  }
}
