/**
 * Per-call controls on live broadcast legs: /voice/v1/call/{voice_id}/...
 * Every response carries broadcast_id, as the spec requires. Unknown or
 * another tenant's voice_id → 404; a command on a leg that has ended → 409.
 * DELETE is idempotent for the client that asked (docs/broadcast-api.md).
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../env.ts';
import { appAuth } from '../middleware/app-auth/index.ts';
import { readJsonBody } from '../middleware/json-body/index.ts';
import { PlaySchema } from '../broadcast/play-schema.ts';
import { Problems, type ProblemError, problemContent } from '../errors/problem.ts';
import { fieldIssues } from '../errors/zod-issues.ts';
import type { LegCommandResult } from '../durable/broadcast-session/contract.ts';
import { broadcastSessionForLeg } from './leg-lookup.ts';

const VoiceIdParam = z.object({ voice_id: z.string().openapi({ param: { name: 'voice_id', in: 'path' } }) });

const PlayBodySchema = z.object({ play: PlaySchema, custom_data: z.record(z.string(), z.unknown()).optional() }).openapi('PlayRequest');

const PlayResponseSchema = z
  .object({ broadcast_id: z.string(), voice_id: z.string(), to: z.string(), playstate: z.literal('initiated'), statusCode: z.literal(200), timestamp: z.string() })
  .openapi('PlayResponse');
const DisconnectResponseSchema = z
  .object({ broadcast_id: z.string(), voice_id: z.string(), state: z.literal('success'), timestamp: z.string() })
  .openapi('DisconnectResponse');

const problem = problemContent;

function failure(result: Exclude<LegCommandResult, { ok: true }>, voiceId: string): ProblemError {
  switch (result.error) {
    case 'not_found':
      return Problems.notFound(`Call ${voiceId}`);
    case 'ended':
      return Problems.conflict('call-ended', 'Call has ended', `Call ${voiceId} has already ended.`);
    case 'not_answered':
      return Problems.conflict('call-not-answered', 'Call not answered', `Call ${voiceId} has not been answered yet.`);
  }
}

export function callControlRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('/voice/v1/call/*', appAuth());

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/voice/v1/call/{voice_id}',
      summary: 'Disconnect a call leg',
      security: [{ basicAuth: [] }],
      request: { params: VoiceIdParam },
      responses: {
        200: { description: 'Hang-up requested; a disconnected webhook follows.', content: { 'application/json': { schema: DisconnectResponseSchema } } },
        404: { description: 'Unknown voice_id', ...problem },
        409: { description: 'The call ended before this request', ...problem },
      },
    }),
    async (c) => {
      const { voice_id } = c.req.valid('param');
      const { session } = await broadcastSessionForLeg(c.env, c.get('principal').tenantId, voice_id);
      const result = await session.hangupLeg(voice_id);
      if (!result.ok) throw failure(result, voice_id);
      return c.json({ broadcast_id: result.broadcastId, voice_id, state: 'success' as const, timestamp: new Date().toISOString() }, 200);
    },
  );

  // Documented through the registry, but read with readJsonBody so a bad
  // content type, size or JSON gets the same 415/413/400 as every write route.
  app.openAPIRegistry.registerPath({
    method: 'put',
    path: '/voice/v1/call/{voice_id}/play',
    summary: 'Play audio on a live call leg',
    security: [{ basicAuth: [] }],
    request: { params: VoiceIdParam, body: { content: { 'application/json': { schema: PlayBodySchema } }, required: true } },
    responses: {
      200: { description: 'Playback started', content: { 'application/json': { schema: PlayResponseSchema } } },
      400: { description: 'Invalid body', ...problem },
      404: { description: 'Unknown voice_id', ...problem },
      409: { description: 'The call has ended or is not answered yet', ...problem },
    },
  });
  app.put('/voice/v1/call/:voice_id/play', async (c) => {
    const voice_id = c.req.param('voice_id');
    const parsed = PlayBodySchema.safeParse((await readJsonBody(c, 256 * 1024)).value);
    if (!parsed.success) throw Problems.validation(fieldIssues(parsed.error));
    const { session } = await broadcastSessionForLeg(c.env, c.get('principal').tenantId, voice_id);
    const result = await session.playOnLeg(voice_id, parsed.data.play);
    if (!result.ok) throw failure(result, voice_id);
    return c.json({ broadcast_id: result.broadcastId, voice_id, to: result.to, playstate: 'initiated', statusCode: 200, timestamp: new Date().toISOString() }, 200);
  });
  const HoldBodySchema = z.object({ hold: z.boolean({ error: 'is required and must be true or false' }) }).strict().openapi('HoldRequest');
  const HoldResponseSchema = z
    .object({ broadcast_id: z.string(), voice_id: z.string(), hold: z.boolean(), state: z.literal('success'), timestamp: z.string() })
    .openapi('HoldResponse');
  app.openAPIRegistry.registerPath({
    method: 'put',
    path: '/voice/v1/call/{voice_id}/hold',
    summary: 'Hold or resume a live call leg',
    security: [{ basicAuth: [] }],
    request: { params: VoiceIdParam, body: { content: { 'application/json': { schema: HoldBodySchema } }, required: true } },
    responses: {
      200: { description: 'Held or resumed', content: { 'application/json': { schema: HoldResponseSchema } } },
      400: { description: 'Invalid body', ...problem },
      404: { description: 'Unknown voice_id', ...problem },
      409: { description: 'The call has ended or is not answered yet', ...problem },
    },
  });
  app.put('/voice/v1/call/:voice_id/hold', async (c) => {
    const voice_id = c.req.param('voice_id');
    const parsed = HoldBodySchema.safeParse((await readJsonBody(c, 16 * 1024)).value);
    if (!parsed.success) throw Problems.validation(fieldIssues(parsed.error));
    const { session } = await broadcastSessionForLeg(c.env, c.get('principal').tenantId, voice_id);
    const result = await session.holdLeg(voice_id, parsed.data.hold);
    if (!result.ok) throw failure(result, voice_id);
    return c.json({ broadcast_id: result.broadcastId, voice_id, hold: parsed.data.hold, state: 'success', timestamp: new Date().toISOString() }, 200);
  });

  return app;
}
