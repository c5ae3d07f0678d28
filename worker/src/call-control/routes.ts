/**
 * Per-call controls on live broadcast legs: /voice/v1/call/{voice_id}/...
 * Every response carries broadcast_id, as the spec requires. Unknown or
 * another tenant's voice_id → 404; a command on a leg that has ended → 409.
 * DELETE is idempotent for the client that asked (docs/broadcast-api.md).
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { appAuth } from '../middleware/app-auth/index.ts';
import { readJsonBody } from '../middleware/json-body/index.ts';
import { PlaySchema, playUrlProblem } from '../broadcast/play-schema.ts';
import { allowsLoopback } from '../outbound-urls/url-policy.ts';
import { MAX_CUSTOM_DATA_BYTES } from '../broadcast/request-schema.ts';
import { clientJsonObject } from '../client-json/bounded-json.ts';
import { Problems, ProblemError, problemContent, type FieldIssue } from '../errors/problem.ts';
import { fieldIssues } from '../errors/zod-issues.ts';
import type { LegCommandResult } from '../durable/broadcast-session/contract.ts';
import type { AppEnv, Env } from '../env.ts';
import { broadcastSessionForLeg } from './leg-lookup.ts';
import { assertDestinationAllowed, ConnectBodySchema, ConnectResponseSchema } from './connect-destination.ts';
import { StreamBodySchema, StreamResponseSchema, wssHostPolicyProblem } from './stream-schema.ts';

const VoiceIdParam = z.object({ voice_id: z.string().openapi({ param: { name: 'voice_id', in: 'path' } }) });

const PlayBodySchema = z.object({ play: PlaySchema, custom_data: clientJsonObject(MAX_CUSTOM_DATA_BYTES).optional() }).openapi('PlayRequest');

const PlayResponseSchema = z
  .object({ broadcast_id: z.string(), voice_id: z.string(), to: z.string(), playstate: z.literal('initiated'), statusCode: z.literal(200), timestamp: z.string() })
  .openapi('PlayResponse');
const DisconnectResponseSchema = z
  .object({ broadcast_id: z.string(), voice_id: z.string(), state: z.literal('success'), timestamp: z.string() })
  .openapi('DisconnectResponse');

const problem = problemContent;

type LegFailure = Extract<LegCommandResult, { ok: false }> | { ok: false; error: 'not_recording' } | { ok: false; error: 'not_streaming' };

function failure(result: LegFailure, voiceId: string): ProblemError {
  switch (result.error) {
    case 'not_recording':
      return Problems.conflict('not-recording', 'Not recording', `Call ${voiceId} is not being recorded.`);
    case 'not_streaming':
      return Problems.conflict('not-streaming', 'Not streaming', `Call ${voiceId} has no running stream.`);
    case 'not_found':
      return Problems.notFound(`Call ${voiceId}`);
    case 'ended':
      return Problems.conflict('call-ended', 'Call has ended', `Call ${voiceId} has already ended.`);
    case 'not_answered':
      return Problems.conflict('call-not-answered', 'Call not answered', `Call ${voiceId} has not been answered yet.`);
    case 'unavailable':
      return new ProblemError({
        status: 503,
        slug: 'media-node-unavailable',
        title: 'Media node unavailable',
        detail: `The media node handling call ${voiceId} did not take the command; the call may still be up. Try again.`,
        headers: { 'retry-after': '1' },
      });
    case 'connect_in_progress':
      return Problems.conflict('connect-in-progress', 'Connect in progress', `Call ${voiceId} is being connected to another party.`);
    case 'bridged':
      return Problems.conflict('call-bridged', 'Call is bridged', `Call ${voiceId} is connected to another party; hang up to end it.`);
  }
}

type Session = Awaited<ReturnType<typeof broadcastSessionForLeg>>['session'];

interface LegCommandSpec<S extends z.ZodType> {
  path: string;
  summary: string;
  body: S;
  bodyLimit: number;
  response: z.ZodType;
  conflicts: string;
  /** Rules that depend on the deployment (the outbound-URL policy): issues → 400 like the schema's. */
  policy?(body: z.infer<S>, env: Env): FieldIssue[];
  /** Documents a 403 (a compliance refusal) when set. */
  forbidden?: string;
  run(session: Session, voiceId: string, body: z.infer<S>, c: Context<AppEnv>): Promise<LegCommandResult | LegFailure>;
  respond(result: Extract<LegCommandResult, { ok: true }>, body: z.infer<S>): Record<string, unknown>;
}

/**
 * A PUT on a live leg: documented from its schemas, body read with readJsonBody
 * (same 415/413/400 as every write route), the leg found within the caller's
 * tenant, the command run in its BroadcastSession, failures mapped once.
 */
function putLegCommand<S extends z.ZodType>(app: OpenAPIHono<AppEnv>, spec: LegCommandSpec<S>): void {
  app.openAPIRegistry.registerPath({
    method: 'put',
    path: spec.path.replace(':voice_id', '{voice_id}'),
    summary: spec.summary,
    security: [{ basicAuth: [] }],
    request: { params: VoiceIdParam, body: { content: { 'application/json': { schema: spec.body } }, required: true } },
    responses: {
      200: { description: 'Done', content: { 'application/json': { schema: spec.response } } },
      400: { description: 'Invalid body: the failing field is named', ...problem },
      ...(spec.forbidden ? { 403: { description: spec.forbidden, ...problem } } : {}),
      404: { description: 'Unknown voice_id', ...problem },
      409: { description: spec.conflicts, ...problem },
      503: { description: "The call's media node did not take the command (Retry-After)", ...problem },
    },
  });
  app.put(spec.path, async (c) => {
    const voiceId = c.req.param('voice_id')!;
    const parsed = spec.body.safeParse((await readJsonBody(c, spec.bodyLimit)).value);
    if (!parsed.success) throw Problems.validation(fieldIssues(parsed.error));
    const refused = spec.policy?.(parsed.data, c.env) ?? [];
    if (refused.length > 0) throw Problems.validation(refused);
    const { session } = await broadcastSessionForLeg(c.env, c.get('principal').tenantId, voiceId);
    const result = await spec.run(session, voiceId, parsed.data, c);
    if (!result.ok) throw failure(result, voiceId);
    return c.json({ ...spec.respond(result, parsed.data), timestamp: new Date().toISOString() }, 200);
  });
}

const RecordingBodySchema = z
  .object({ start: z.literal(true).optional(), stop: z.literal(true).optional(), recording_name: z.string().min(1).max(256).optional() })
  .strict()
  .superRefine((b, ctx) => {
    if (b.start && b.stop) ctx.addIssue({ code: 'custom', path: ['stop'], message: 'start and stop are mutually exclusive: send one or the other' });
    else if (!b.start && !b.stop) ctx.addIssue({ code: 'custom', path: ['start'], message: 'send {"start": true, "recording_name": ...} or {"stop": true}' });
    else if (b.start && !b.recording_name) ctx.addIssue({ code: 'custom', path: ['recording_name'], message: 'is required to start a recording' });
  })
  .openapi('RecordingRequest');
const RecordingResponseSchema = z
  .object({ broadcast_id: z.string(), voice_id: z.string(), recording_name: z.string().optional(), state: z.enum(['recording_started', 'recording_stopped']), timestamp: z.string() })
  .openapi('RecordingResponse');
const HoldBodySchema = z.object({ hold: z.boolean({ error: 'is required and must be true or false' }) }).strict().openapi('HoldRequest');
const HoldResponseSchema = z
  .object({ broadcast_id: z.string(), voice_id: z.string(), hold: z.boolean(), state: z.literal('success'), timestamp: z.string() })
  .openapi('HoldResponse');

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

  putLegCommand(app, {
    path: '/voice/v1/call/:voice_id/play',
    summary: 'Play audio on a live call leg (interrupts what is playing)',
    body: PlayBodySchema,
    bodyLimit: 256 * 1024,
    response: PlayResponseSchema,
    conflicts: 'The call has ended or is not answered yet',
    policy: (body, env) => issueAt('/play/url', playUrlProblem(body.play, allowsLoopback(env.WEBHOOK_ALLOW_LOOPBACK))),
    run: (session, voiceId, body) => session.playOnLeg(voiceId, body.play),
    respond: (r) => ({ broadcast_id: r.broadcastId, voice_id: r.voiceId, to: r.to, playstate: 'initiated', statusCode: 200 }),
  });

  putLegCommand(app, {
    path: '/voice/v1/call/:voice_id/recording',
    summary: 'Start or stop recording a live call leg',
    body: RecordingBodySchema,
    bodyLimit: 16 * 1024,
    response: RecordingResponseSchema,
    conflicts: 'The call has ended, is not answered, or is not being recorded',
    run: (session, voiceId, body) => session.recordLeg(voiceId, body.start ? 'start' : 'stop', body.recording_name),
    respond: (r, body) =>
      body.start
        ? { broadcast_id: r.broadcastId, voice_id: r.voiceId, recording_name: body.recording_name, state: 'recording_started' }
        : { broadcast_id: r.broadcastId, voice_id: r.voiceId, state: 'recording_stopped' },
  });

  putLegCommand(app, {
    path: '/voice/v1/call/:voice_id/hold',
    summary: 'Hold or resume a live call leg',
    body: HoldBodySchema,
    bodyLimit: 16 * 1024,
    response: HoldResponseSchema,
    conflicts: 'The call has ended or is not answered yet',
    run: (session, voiceId, body) => session.holdLeg(voiceId, body.hold),
    respond: (r, body) => ({ broadcast_id: r.broadcastId, voice_id: r.voiceId, hold: body.hold, state: 'success' }),
  });

  putLegCommand(app, {
    path: '/voice/v1/call/:voice_id/connect',
    summary: 'Connect a live call leg to another party (bridged once it answers)',
    body: ConnectBodySchema,
    bodyLimit: 16 * 1024,
    response: ConnectResponseSchema,
    forbidden: 'The destination is on the DNC list or in a country not enabled for the account (connect-blocked), or the compliance engine refused the dial (compliance-blocked)',
    conflicts: 'The call has ended, is not answered yet, or is already connecting or bridged',
    run: async (session, voiceId, body, c) => {
      await assertDestinationAllowed(c.env, c.get('principal').tenantId, { to: body.to, from: body.from, voiceId });
      return session.connectLeg(voiceId, { from: body.from, to: body.to });
    },
    respond: (r) => ({ broadcast_id: r.broadcastId, voice_id: r.voiceId, state: 'connecting' }),
  });

  putLegCommand(app, {
    path: '/voice/v1/call/:voice_id/stream',
    summary: 'Stream a live call leg to a wss:// server, or stop the stream',
    body: StreamBodySchema,
    bodyLimit: 16 * 1024,
    response: StreamResponseSchema,
    conflicts: 'The call has ended, is not answered, or (stop) has no running stream',
    policy: (body, env) => (body.wss_host === undefined ? [] : issueAt('/wss_host', wssHostPolicyProblem(body.wss_host, allowsLoopback(env.WEBHOOK_ALLOW_LOOPBACK)))),
    run: (session, voiceId, body) => session.streamLeg(voiceId, body.stop ? { action: 'stop' } : { action: 'start', wssHost: body.wss_host! }),
    respond: (r, body) =>
      body.stop
        ? { broadcast_id: r.broadcastId, voice_id: r.voiceId, state: 'stream_stopped' }
        : { broadcast_id: r.broadcastId, voice_id: r.voiceId, state: 'stream_started', wss_host: body.wss_host },
  });

  return app;
}

function issueAt(pointer: string, reason: string | null): FieldIssue[] {
  return reason === null ? [] : [{ pointer, reason }];
}
