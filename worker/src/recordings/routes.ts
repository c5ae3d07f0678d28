/**
 * Recordings for the broadcast API's Basic credentials (our addition; the
 * dialer API's JWT /v1/recordings shares the query, the signed URLs and the
 * file route, recording-list.ts and recording-files.ts):
 *   GET /voice/v1/recordings                 list (newest first, ?call_id, ?limit, ?cursor)
 *   GET /voice/v1/recordings/{id}/url        a signed download URL valid one hour
 *   GET /recordings/{id}.wav?expires&sig     the file, served by the Worker from R2
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../env.ts';
import { appAuth } from '../middleware/app-auth/index.ts';
import { problemContent } from '../errors/problem.ts';
import { pageQuery, pageSchema } from '../pagination/keyset.ts';
import { findRecording, playbackUrl, serveRecordingFile, type RecordingRow } from './recording-files.ts';
import { listRecordings } from './recording-list.ts';

const RecordingSchema = z
  .object({
    id: z.string(),
    call_id: z.string(),
    broadcast_id: z.string().nullable(),
    recording_name: z.string(),
    status: z.enum(['recording', 'stored', 'failed']),
    format: z.string(),
    duration_seconds: z.number().nullable(),
    size_bytes: z.number().int().nullable(),
    recorded_at: z.string(),
    stored_at: z.string().nullable(),
  })
  .openapi('VoiceRecording');

const RecordingUrlSchema = z
  .object({ id: z.string(), url: z.string(), expires_at: z.string(), format: z.string(), duration_seconds: z.number().nullable() })
  .openapi('VoiceRecordingUrl');

function view(r: RecordingRow): z.infer<typeof RecordingSchema> {
  return {
    id: r.id,
    call_id: r.callId,
    broadcast_id: r.broadcastId,
    recording_name: r.name,
    status: r.status as 'recording' | 'stored' | 'failed',
    format: r.format,
    duration_seconds: r.durationSeconds,
    size_bytes: r.sizeBytes,
    recorded_at: r.startedAt,
    stored_at: r.storedAt,
  };
}

export function recordingRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  const security = [{ basicAuth: [] }];
  app.use('/voice/v1/recordings', appAuth());
  app.use('/voice/v1/recordings/*', appAuth());

  app.openapi(
    createRoute({
      method: 'get',
      path: '/voice/v1/recordings',
      summary: 'List call recordings, newest first (Crier addition)',
      tags: ['Recordings'],
      security,
      request: { query: z.object({ call_id: z.string().min(1).max(64).optional().openapi({ description: 'Only this call’s recordings (its voice_id).' }), ...pageQuery(50, 200) }) },
      responses: {
        200: { description: 'One page, newest first', content: { 'application/json': { schema: pageSchema(RecordingSchema, 'VoiceRecordingPage') } } },
        400: { description: 'Bad query (limit, or a cursor this API did not issue)', ...problemContent },
        401: { description: 'Bad credentials', ...problemContent },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const page = await listRecordings(c.env.DB, c.get('principal').tenantId, { callId: q.call_id }, q, (r) => view(r.recording));
      return c.json(page, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/voice/v1/recordings/{id}/url',
      summary: 'A signed download URL for a recording, valid one hour (Crier addition)',
      tags: ['Recordings'],
      security,
      request: { params: z.object({ id: z.string().max(64).openapi({ param: { name: 'id', in: 'path' } }) }) },
      responses: {
        200: { description: 'Signed URL', content: { 'application/json': { schema: RecordingUrlSchema } } },
        401: { description: 'Bad credentials', ...problemContent },
        404: { description: 'No such recording for your tenant', ...problemContent },
        409: { description: 'Still recording, or the upload failed', ...problemContent },
      },
    }),
    async (c) => {
      const row = await findRecording(c.env.DB, c.get('principal').tenantId, c.req.valid('param').id);
      const { url, expiresAt } = await playbackUrl(c.env, c.req.url, row);
      return c.json({ id: row.id, url, expires_at: expiresAt.toISOString(), format: row.format, duration_seconds: row.durationSeconds }, 200);
    },
  );

  app.get('/recordings/:file', (c) => serveRecordingFile(c.env, c.req.url, c.req.param('file')));

  return app;
}
