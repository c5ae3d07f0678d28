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

function failure(result: Extract<LegCommandResult, { ok: false }>, voiceId: string): ProblemError {
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
  const RecordingBodySchema = z
    .object({ start: z.literal(true).optional(), stop: z.literal(true).optional(), recording_name: z.string().min(1).max(256).optional() })
    .strict()
    .superRefine((b, ctx) => {
      if (b.start && b.stop) ctx.addIssue({ code: 'custom', path: ['stop'], message: 'start and stop are mutually exclusive: send one or the other' });
      else if (!b.start && !b.stop) ctx.addIssue({ code: 'custom', path: ['start'], message: 'send {"start": true, "recording_name": ...} or {"stop": true}' });
      else if (b.start && !b.recording_name) ctx.addIssue({ code: 'custom', path: ['recording_name'], message: 'is required to start a recording' });
    })
    .openapi('RecordingRequest');
  app.openAPIRegistry.registerPath({
    method: 'put',
    path: '/voice/v1/call/{voice_id}/recording',
    summary: 'Start or stop recording a live call leg',
    security: [{ basicAuth: [] }],
    request: { params: VoiceIdParam, body: { content: { 'application/json': { schema: RecordingBodySchema } }, required: true } },
    responses: {
      200: { description: 'recording_started or recording_stopped' },
      400: { description: 'Invalid body (both start and stop, neither, or no recording_name)', ...problem },
      404: { description: 'Unknown voice_id', ...problem },
      409: { description: 'The call has ended, is not answered, or is not being recorded', ...problem },
    },
  });
  app.put('/voice/v1/call/:voice_id/recording', async (c) => {
    const voice_id = c.req.param('voice_id');
    const parsed = RecordingBodySchema.safeParse((await readJsonBody(c, 16 * 1024)).value);
    if (!parsed.success) throw Problems.validation(fieldIssues(parsed.error));
    const { session } = await broadcastSessionForLeg(c.env, c.get('principal').tenantId, voice_id);
    const start = parsed.data.start === true;
    const result = await session.recordLeg(voice_id, start ? 'start' : 'stop', parsed.data.recording_name);
    if (!result.ok) {
      if (result.error === 'not_recording') throw Problems.conflict('not-recording', 'Not recording', `Call ${voice_id} is not being recorded.`);
      throw failure(result, voice_id);
    }
    const timestamp = new Date().toISOString();
    return start
      ? c.json({ broadcast_id: result.broadcastId, voice_id, recording_name: parsed.data.recording_name, state: 'recording_started', timestamp }, 200)
      : c.json({ broadcast_id: result.broadcastId, voice_id, state: 'recording_stopped', timestamp }, 200);
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
