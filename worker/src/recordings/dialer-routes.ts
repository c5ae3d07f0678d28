/**
 * Recordings in the dialer API (spec "Recordings"), for supervisors and admins:
 *   GET /v1/recordings              playable recordings, newest first, with the spec's filters
 *   GET /v1/recordings/{id}/play    a signed URL valid one hour, served by the Worker from R2
 * Same rows, query, signing and file route as the broadcast API's
 * /voice/v1/recordings (recording-list.ts, recording-files.ts).
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { DialerEnv } from '../env.ts';
import { Problems, problemContent } from '../errors/problem.ts';
import { requireRole } from '../middleware/require-role/index.ts';
import { pageQuery, pageSchema } from '../pagination/keyset.ts';
import { InstantSchema, rangeIssue } from '../time/instant.ts';
import { findRecording, playbackUrl } from './recording-files.ts';
import { listRecordings, type ListedRecording } from './recording-list.ts';

const security = [{ bearerAuth: [] }];
const Id = z.string().min(1).max(64);
const wholeSeconds = (s: number | null) => (s === null ? null : Math.round(s));

const RecordingSchema = z
  .object({
    id: z.string(),
    call_id: z.string(),
    agent_id: z.string().nullable(),
    agent_name: z.string().nullable(),
    campaign_id: z.string().nullable(),
    contact_phone: z.string().nullable(),
    duration_seconds: z.number().int().nullable(),
    format: z.string().openapi({ example: 'wav', description: 'The stored format: stereo WAV (recipient left, our side right).' }),
    size_bytes: z.number().int().nullable(),
    recorded_at: z.string(),
  })
  .openapi('Recording');

const PlaySchema = z
  .object({ id: z.string(), url: z.string(), expires_at: z.string(), format: z.string(), duration_seconds: z.number().int().nullable() })
  .openapi('RecordingPlayback');

function view({ recording: r, agentName, contactPhone }: ListedRecording): z.infer<typeof RecordingSchema> {
  return {
    id: r.id,
    call_id: r.callId,
    agent_id: r.agentId,
    agent_name: agentName,
    campaign_id: r.campaignId,
    contact_phone: contactPhone,
    duration_seconds: wholeSeconds(r.durationSeconds),
    format: r.format,
    size_bytes: r.sizeBytes,
    recorded_at: r.startedAt,
  };
}

export function dialerRecordingRoutes() {
  const app = new OpenAPIHono<DialerEnv>();
  app.use('/v1/recordings', requireRole('supervisor'));
  app.use('/v1/recordings/*', requireRole('supervisor'));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/recordings',
      summary: 'List recordings (supervisor)',
      tags: ['Recordings'],
      security,
      request: {
        query: z.object({
          campaign_id: Id.optional(),
          agent_id: Id.optional(),
          from: InstantSchema.optional().openapi({ description: 'recorded_at ≥ from (ISO-8601).' }),
          to: InstantSchema.optional().openapi({ description: 'recorded_at ≤ to (ISO-8601).' }),
          min_duration: z.coerce
            .number({ error: 'must be a whole number of seconds' })
            .int('must be a whole number of seconds')
            .min(0, 'must not be negative')
            .max(86_400 * 7)
            .optional()
            .openapi({ description: 'Minimum duration in seconds.' }),
          ...pageQuery(50, 200),
        }),
      },
      responses: {
        200: { description: 'One page of stored recordings, newest first', content: { 'application/json': { schema: pageSchema(RecordingSchema, 'RecordingPage') } } },
        400: { description: 'Bad query', ...problemContent },
        403: { description: 'Agents cannot list recordings', ...problemContent },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const issue = rangeIssue(q.from, q.to);
      if (issue) throw Problems.validation([issue]);
      const filters = { campaignId: q.campaign_id, agentId: q.agent_id, from: q.from, to: q.to, minDurationS: q.min_duration, storedOnly: true };
      return c.json(await listRecordings(c.env.DB, c.get('user').tenantId, filters, q, view), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/recordings/{id}/play',
      summary: 'A signed playback URL valid one hour (supervisor)',
      tags: ['Recordings'],
      security,
      request: { params: z.object({ id: Id.openapi({ param: { name: 'id', in: 'path' } }) }) },
      responses: {
        200: { description: 'Signed URL, served by this Worker from R2', content: { 'application/json': { schema: PlaySchema } } },
        403: { description: 'Agents cannot play recordings', ...problemContent },
        404: { description: 'No such recording in your tenant', ...problemContent },
        409: { description: 'Still recording, or the upload failed', ...problemContent },
      },
    }),
    async (c) => {
      const row = await findRecording(c.env.DB, c.get('user').tenantId, c.req.valid('param').id);
      const { url, expiresAt } = await playbackUrl(c.env, c.req.url, row);
      return c.json({ id: row.id, url, expires_at: expiresAt.toISOString(), format: row.format, duration_seconds: wholeSeconds(row.durationSeconds) }, 200);
    },
  );

  return app;
}
