/**
 * Dispositions (Crier addition; docs/dialer-api.md "Dispositions"):
 *   GET /v1/dispositions                 the tenant's list (any role: agents pick from it)
 *   PUT /v1/dispositions {dispositions}  replace it (admin)
 *   PUT /v1/calls/{id}/disposition {disposition, notes?}  an agent for their own call, a supervisor for any
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { DialerEnv } from '../env.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { validatedBody } from '../middleware/validated-body/index.ts';
import { requireRole } from '../middleware/require-role/index.ts';
import { readDispositions, replaceDispositions } from './disposition-list.ts';
import { setCallDisposition } from './call-disposition.ts';

const security = [{ bearerAuth: [] }];
const IdParam = z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' } }) });

const DispositionSchema = z
  .object({
    code: z
      .string({ error: 'is required' })
      .regex(/^[a-z0-9_]{1,64}$/, 'must be 1-64 characters of a-z, 0-9 and _')
      .openapi({ example: 'do_not_call', description: 'What calls and reports carry as `disposition`.' }),
    label: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').openapi({ example: 'Do not call' }),
    dnc: z.boolean({ error: 'must be true or false' }).default(false).openapi({ description: "Setting it adds the call's number to the tenant DNC (source agent_disposition)." }),
  })
  .strict()
  .openapi('Disposition');

const DispositionListSchema = z
  .object({
    dispositions: z.array(DispositionSchema),
    source: z.enum(['default', 'tenant']).openapi({ description: 'default: the built-in list, never replaced by the tenant.' }),
  })
  .openapi('DispositionList');

const ReplaceDispositionsSchema = z
  .object({
    dispositions: z
      .array(DispositionSchema)
      .min(1, 'must list at least one disposition')
      .max(100, 'must list at most 100 dispositions')
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((d, i) => {
          if (seen.has(d.code)) ctx.addIssue({ code: 'custom', path: [i, 'code'], message: `repeats "${d.code}"` });
          seen.add(d.code);
        });
      }),
  })
  .strict()
  .openapi('ReplaceDispositions');

const SetDispositionSchema = z
  .object({
    disposition: z.string({ error: 'is required' }).min(1, 'must not be empty').max(64).openapi({ example: 'sale', description: 'A code of the tenant list (GET /v1/dispositions).' }),
    notes: z.string({ error: 'must be a string' }).trim().max(1000, 'must be at most 1000 characters').nullable().optional(),
  })
  .strict()
  .openapi('SetCallDisposition');

const DispositionSetSchema = z
  .object({
    call_id: z.string(),
    disposition: z.string(),
    notes: z.string().nullable(),
    disposition_set_at: z.string(),
    disposition_set_by: z.string(),
    dnc_added: z.boolean().openapi({ description: 'This request put the number on the tenant DNC (dnc disposition, not listed before).' }),
  })
  .openapi('CallDispositionSet');

export function dispositionRoutes() {
  const app = new OpenAPIHono<DialerEnv>();

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/dispositions',
    summary: "The tenant's disposition list (any role; Crier addition)",
    tags: ['Calls'],
    security,
    responses: { 200: { description: 'In display order', content: { 'application/json': { schema: DispositionListSchema } } } },
  });
  app.get('/v1/dispositions', async (c) => c.json(await readDispositions(c.env.DB, c.get('user').tenantId), 200));

  app.openAPIRegistry.registerPath({
    method: 'put',
    path: '/v1/dispositions',
    summary: "Replace the tenant's disposition list (admin; Crier addition)",
    description: 'The whole list, in display order. Calls keep the codes they were given, also codes no longer listed.',
    tags: ['Calls'],
    security,
    request: { body: { content: { 'application/json': { schema: ReplaceDispositionsSchema } }, required: true } },
    responses: {
      200: { description: 'The list now', content: { 'application/json': { schema: DispositionListSchema } } },
      400: { description: 'Invalid body, a repeated code', ...problemContent },
      403: { description: 'Not an admin', ...problemContent },
      422: { description: 'tenant_id in body', ...problemContent },
    },
  });
  app.put('/v1/dispositions', requireRole('admin'), async (c) => {
    const body = await validatedBody(c, ReplaceDispositionsSchema);
    const tenantId = c.get('user').tenantId;
    await replaceDispositions(c.env, tenantId, body.dispositions);
    return c.json(await readDispositions(c.env.DB, tenantId), 200);
  });

  app.openAPIRegistry.registerPath({
    method: 'put',
    path: '/v1/calls/{id}/disposition',
    summary: "Set a call's disposition (an agent: their own calls; supervisor: any; Crier addition)",
    description: "A disposition flagged dnc also adds the call's number to the tenant DNC (source agent_disposition, added_by the user's name) and raises dnc.added. Setting it again replaces it.",
    tags: ['Calls'],
    security,
    request: { params: IdParam, body: { content: { 'application/json': { schema: SetDispositionSchema } }, required: true } },
    responses: {
      200: { description: 'Recorded', content: { 'application/json': { schema: DispositionSetSchema } } },
      400: { description: 'Invalid body; a disposition not in the tenant list (field /disposition)', ...problemContent },
      404: { description: "No such call in your tenant (for an agent: no such call of theirs; another agent's call is 404 too)", ...problemContent },
      422: { description: 'tenant_id in body', ...problemContent },
    },
  });
  app.put('/v1/calls/:id/disposition', async (c) => {
    const id = c.req.param('id');
    if (id.length > 64) throw Problems.notFound(`Call ${id.slice(0, 64)}…`);
    const body = await validatedBody(c, SetDispositionSchema);
    const set = await setCallDisposition(c.env, c.get('user'), id, body.disposition, body.notes ? body.notes : null);
    return c.json({ call_id: set.callId, disposition: set.disposition.code, notes: set.notes, disposition_set_at: set.setAt, disposition_set_by: set.setBy, dnc_added: set.dncAdded }, 200);
  });

  return app;
}
