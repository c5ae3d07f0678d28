/**
 * The recordings list both APIs page through: newest first on (recorded_at,
 * id) with the shared keyset cursors (a cursor we did not issue is a 400,
 * never a 500), filtered by tenant always and by call, campaign, agent, time
 * and minimum duration on request. Rows come with the agent's name and the
 * call's number, which the /v1 items show.
 */
import { and, count, desc, eq, gte, lte } from 'drizzle-orm';
import { database } from '../db/client.ts';
import { calls, recordings, users } from '../db/schema.ts';
import { afterKeyset, decodeCursor, pageOf, type Page } from '../pagination/keyset.ts';
import type { RecordingRow } from './recording-files.ts';

export interface RecordingFilters {
  callId?: string;
  campaignId?: string;
  agentId?: string;
  /** Normalised ISO instants (time/instant.ts), inclusive. */
  from?: string;
  to?: string;
  minDurationS?: number;
  /** Only playable recordings (status stored). */
  storedOnly?: boolean;
}

export interface ListedRecording {
  recording: RecordingRow;
  agentName: string | null;
  contactPhone: string | null;
}

export async function listRecordings<T>(
  d1: D1Database,
  tenantId: string,
  filters: RecordingFilters,
  page: { limit: number; cursor?: string },
  view: (r: ListedRecording) => T,
): Promise<Page<T>> {
  const filter = and(
    eq(recordings.tenantId, tenantId),
    filters.callId ? eq(recordings.callId, filters.callId) : undefined,
    filters.campaignId ? eq(recordings.campaignId, filters.campaignId) : undefined,
    filters.agentId ? eq(recordings.agentId, filters.agentId) : undefined,
    filters.from ? gte(recordings.startedAt, filters.from) : undefined,
    filters.to ? lte(recordings.startedAt, filters.to) : undefined,
    filters.minDurationS !== undefined ? gte(recordings.durationSeconds, filters.minDurationS) : undefined,
    filters.storedOnly ? eq(recordings.status, 'stored') : undefined,
  );
  const after = page.cursor ? decodeCursor(page.cursor) : null;
  const db = database(d1);
  const [rows, total] = await Promise.all([
    db
      .select({ recording: recordings, agentName: users.fullName, contactPhone: calls.contactPhone })
      .from(recordings)
      .leftJoin(users, and(eq(users.id, recordings.agentId), eq(users.tenantId, recordings.tenantId)))
      .leftJoin(calls, and(eq(calls.id, recordings.callId), eq(calls.tenantId, recordings.tenantId)))
      .where(and(filter, after ? afterKeyset(recordings.startedAt, recordings.id, after, 'desc') : undefined))
      .orderBy(desc(recordings.startedAt), desc(recordings.id))
      .limit(page.limit + 1)
      .all(),
    db.select({ n: count() }).from(recordings).where(filter).get(),
  ]);
  return pageOf(rows, page.limit, total?.n ?? 0, (r) => ({ k: r.recording.startedAt, id: r.recording.id }), view);
}
