/**
 * User management for tenant admins (Crier addition; the spec assumes users
 * exist):
 *   POST  /v1/users                 create (201)
 *   GET   /v1/users                 list (?role, cursor pagination, oldest first)
 *   GET   /v1/users/{id}            one user
 *   PATCH /v1/users/{id}            full_name, role, password, team_id
 *   POST  /v1/users/{id}/disable    no more sign-ins; live tokens stop working
 *   POST  /v1/users/{id}/enable
 * A role or password change also ends the user's sessions. Admins cannot
 * disable or demote themselves (a tenant must never lose its last admin by accident).
 * Disabling an agent, or a role change away from agent, takes them off the
 * agent floor; enabling or making someone an agent puts them back (offline).
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { and, count, eq, gt, asc } from 'drizzle-orm';
import type { DialerEnv } from '../env.ts';
import { database } from '../db/client.ts';
import { users } from '../db/schema.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { validatedBody } from '../middleware/validated-body/index.ts';
import { requireRole } from '../middleware/require-role/index.ts';
import { decodeCursor, pageOf, pageQuery, pageSchema } from '../pagination/keyset.ts';
import { hashPassword } from '../auth/password.ts';
import { uuidv7 } from '../ids/uuid-v7.ts';
import { EmailSchema, FullNameSchema, PasswordSchema, RoleSchema, UserSchema, userView } from './user-schemas.ts';
import { revokeSessionsStatements } from './sessions.ts';
import { syncFloorMembership } from '../agents/floor-membership.ts';

const CreateUserSchema = z
  .object({ email: EmailSchema, full_name: FullNameSchema, role: RoleSchema, password: PasswordSchema, team_id: z.string().max(64).nullable().optional() })
  .strict()
  .openapi('CreateUser');

const UpdateUserSchema = z
  .object({ full_name: FullNameSchema.optional(), role: RoleSchema.optional(), password: PasswordSchema.optional(), team_id: z.string().max(64).nullable().optional() })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field')
  .openapi('UpdateUser');

const IdParam = z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' } }) });
const security = [{ bearerAuth: [] }];

export function userRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  app.use('/v1/users', requireRole('admin'));
  app.use('/v1/users/*', requireRole('admin'));

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/users',
    summary: 'Create a user (admin; Crier addition)',
    tags: ['Users'],
    security,
    request: { body: { content: { 'application/json': { schema: CreateUserSchema } }, required: true } },
    responses: {
      201: { description: 'Created', content: { 'application/json': { schema: UserSchema } } },
      400: { description: 'Invalid body', ...problemContent },
      403: { description: 'Not an admin', ...problemContent },
      409: { description: 'Email already in use', ...problemContent },
      422: { description: 'tenant_id in body', ...problemContent },
    },
  });
  app.post('/v1/users', async (c) => {
    const body = await validatedBody(c, CreateUserSchema);
    const db = database(c.env.DB);
    const taken = await db.select({ id: users.id }).from(users).where(eq(users.email, body.email)).get();
    if (taken) throw Problems.conflict('email-taken', 'Email already in use', `A user with email ${body.email} already exists.`);
    const row = {
      id: uuidv7(),
      tenantId: c.get('user').tenantId,
      email: body.email,
      fullName: body.full_name,
      role: body.role,
      passwordHash: await hashPassword(body.password),
      teamId: body.team_id ?? null,
      createdAt: new Date().toISOString(),
    };
    try {
      await db.insert(users).values(row);
    } catch (err) {
      // Two creates racing for one email: the unique index decides.
      if (String(err).includes('UNIQUE')) throw Problems.conflict('email-taken', 'Email already in use', `A user with email ${body.email} already exists.`);
      throw err;
    }
    return c.json(userView({ ...row, disabledAt: null, tokensValidAfter: null }), 201);
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/users',
      summary: 'List users (admin; Crier addition)',
      tags: ['Users'],
      security,
      request: { query: z.object({ role: RoleSchema.optional(), ...pageQuery(50, 200) }) },
      responses: {
        200: { description: 'One page, oldest first', content: { 'application/json': { schema: pageSchema(UserSchema, 'UserPage') } } },
        400: { description: 'Bad query', ...problemContent },
        403: { description: 'Not an admin', ...problemContent },
      },
    }),
    async (c) => {
      const { role, limit, cursor } = c.req.valid('query');
      const tenantId = c.get('user').tenantId;
      const filter = and(eq(users.tenantId, tenantId), role ? eq(users.role, role) : undefined);
      const after = cursor ? decodeCursor(cursor) : null;
      const db = database(c.env.DB);
      const rows = await db.select().from(users).where(and(filter, after ? gt(users.id, after.id) : undefined)).orderBy(asc(users.id)).limit(limit + 1).all();
      const total = (await db.select({ n: count() }).from(users).where(filter).get())?.n ?? 0;
      return c.json(pageOf(rows, limit, total, (r) => ({ k: 0, id: r.id }), userView), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/users/{id}',
      summary: 'Get a user (admin; Crier addition)',
      tags: ['Users'],
      security,
      request: { params: IdParam },
      responses: { 200: { description: 'The user', content: { 'application/json': { schema: UserSchema } } }, 404: { description: 'No such user in your tenant', ...problemContent } },
    }),
    async (c) => c.json(userView(await findUser(c.env.DB, c.get('user').tenantId, c.req.valid('param').id)), 200),
  );

  app.openAPIRegistry.registerPath({
    method: 'patch',
    path: '/v1/users/{id}',
    summary: 'Change a user (admin; Crier addition). A role or password change ends their sessions.',
    tags: ['Users'],
    security,
    request: { params: IdParam, body: { content: { 'application/json': { schema: UpdateUserSchema } }, required: true } },
    responses: {
      200: { description: 'Changed', content: { 'application/json': { schema: UserSchema } } },
      400: { description: 'Invalid body', ...problemContent },
      404: { description: 'No such user in your tenant', ...problemContent },
      409: { description: 'Admins cannot demote themselves', ...problemContent },
    },
  });
  app.patch('/v1/users/:id', async (c) => {
    const me = c.get('user');
    const target = await findUser(c.env.DB, me.tenantId, c.req.param('id'));
    const body = await validatedBody(c, UpdateUserSchema);
    if (target.id === me.userId && body.role && body.role !== 'admin') {
      throw Problems.conflict('cannot-demote-self', 'Cannot demote yourself', 'Ask another admin to change your role.');
    }
    const now = new Date().toISOString();
    const sets: string[] = [];
    const values: Array<string | null> = [];
    if (body.full_name !== undefined) sets.push('full_name = ?'), values.push(body.full_name);
    if (body.team_id !== undefined) sets.push('team_id = ?'), values.push(body.team_id);
    if (body.role !== undefined) sets.push('role = ?'), values.push(body.role);
    if (body.password !== undefined) sets.push('password_hash = ?'), values.push(await hashPassword(body.password));
    const statements = [c.env.DB.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).bind(...values, target.id)];
    const endSessions = (body.role !== undefined && body.role !== target.role) || body.password !== undefined;
    if (endSessions) statements.push(...revokeSessionsStatements(c.env.DB, target.id, now));
    await c.env.DB.batch(statements);
    const after = await findUser(c.env.DB, me.tenantId, target.id);
    await syncFloorMembership(c.env, target, after, me.userId);
    return c.json(userView(after), 200);
  });

  for (const action of ['disable', 'enable'] as const) {
    app.openAPIRegistry.registerPath({
      method: 'post',
      path: `/v1/users/{id}/${action}`,
      summary: action === 'disable' ? 'Disable a user: no sign-in, live tokens stop working (admin; Crier addition)' : 'Enable a disabled user (admin; Crier addition)',
      tags: ['Users'],
      security,
      request: { params: IdParam },
      responses: {
        200: { description: 'Done (also when it already was)', content: { 'application/json': { schema: UserSchema } } },
        404: { description: 'No such user in your tenant', ...problemContent },
        409: { description: 'Admins cannot disable themselves', ...problemContent },
      },
    });
    app.post(`/v1/users/:id/${action}`, async (c) => {
      const me = c.get('user');
      const target = await findUser(c.env.DB, me.tenantId, c.req.param('id'));
      if (action === 'disable') {
        if (target.id === me.userId) throw Problems.conflict('cannot-disable-self', 'Cannot disable yourself', 'Ask another admin to disable your account.');
        const now = new Date().toISOString();
        await c.env.DB.batch([
          c.env.DB.prepare('UPDATE users SET disabled_at = COALESCE(disabled_at, ?) WHERE id = ?').bind(now, target.id),
          ...revokeSessionsStatements(c.env.DB, target.id, now),
        ]);
      } else {
        await c.env.DB.prepare('UPDATE users SET disabled_at = NULL WHERE id = ?').bind(target.id).run();
      }
      const after = await findUser(c.env.DB, me.tenantId, target.id);
      await syncFloorMembership(c.env, target, after, me.userId);
      return c.json(userView(after), 200);
    });
  }

  return app;
}

async function findUser(d1: D1Database, tenantId: string, id: string) {
  const row = await database(d1).select().from(users).where(and(eq(users.id, id), eq(users.tenantId, tenantId))).get();
  if (!row) throw Problems.notFound(`User ${id}`);
  return row;
}
