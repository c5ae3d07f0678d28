// Call history seeded straight into D1 for the calls, recordings and reports
// tests: rows shaped exactly as the BroadcastSession (and later the campaign
// dialer) writes them, plus the campaigns, broadcasts and recordings they
// point at. Instants are Date#toISOString, as the Worker stores them.
import { env } from 'cloudflare:test';
import { uuidv7 } from '../../../../worker/src/ids/uuid-v7.ts';

export interface CallSeed {
  id?: string;
  campaignId?: string | null;
  broadcastId?: string | null;
  agentId?: string | null;
  contactPhone?: string;
  status?: string;
  disposition?: string | null;
  startedAt: string | Date;
  /** Seconds after start; null = never answered. */
  answerAfterS?: number | null;
  /** Seconds after start; null = still in progress. */
  endAfterS?: number | null;
  recordingId?: string | null;
  abandoned?: boolean;
}

const iso = (d: string | Date) => (typeof d === 'string' ? d : d.toISOString());
const plus = (start: string, s: number) => new Date(Date.parse(start) + s * 1000).toISOString();

export async function seedCalls(tenantId: string, seeds: CallSeed[]): Promise<string[]> {
  const ids: string[] = [];
  const statements = seeds.map((s) => {
    const id = s.id ?? uuidv7();
    ids.push(id);
    const started = iso(s.startedAt);
    const answered = s.answerAfterS === undefined || s.answerAfterS === null ? null : plus(started, s.answerAfterS);
    const ended = s.endAfterS === undefined ? plus(started, 30) : s.endAfterS === null ? null : plus(started, s.endAfterS);
    return env.DB.prepare(
      `INSERT INTO calls (id, tenant_id, broadcast_id, campaign_id, agent_id, contact_phone, from_number, direction, status, disposition,
         started_at, answered_at, ended_at, recording_id, abandoned_at)
       VALUES (?, ?, ?, ?, ?, ?, '+12012774877', 'outbound', ?, ?, ?, ?, ?, ?, ?)`,
    ).bind(
      id,
      tenantId,
      s.broadcastId ?? null,
      s.campaignId ?? null,
      s.agentId ?? null,
      s.contactPhone ?? '+971501234567',
      s.status ?? (ended === null ? 'in_progress' : answered ? 'completed' : 'no_answer'),
      s.disposition ?? null,
      started,
      answered,
      ended,
      s.recordingId ?? null,
      s.abandoned && answered ? plus(answered, 1) : null,
    );
  });
  for (let i = 0; i < statements.length; i += 200) await env.DB.batch(statements.slice(i, i + 200));
  return ids;
}

/**
 * `n` finished calls in one statement (a recursive CTE), for the large lists
 * and the inline/download boundary: call i starts `i` ms after `start`, is
 * answered 10 s later and lasts 70 s in all, except every 4th, unanswered.
 */
export async function seedManyCalls(tenantId: string, n: number, start: Date, opts: { campaignId?: string | null; agentId?: string | null } = {}): Promise<void> {
  await env.DB.prepare(
    `WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ?2 - 1)
     INSERT INTO calls (id, tenant_id, campaign_id, agent_id, contact_phone, from_number, direction, status, started_at, answered_at, ended_at)
     SELECT printf('%08x-0000-7000-8000-%012x', ?3, i), ?1, ?5, ?6, printf('+9715%08d', i), '+12012774877', 'outbound',
       CASE WHEN i % 4 = 3 THEN 'no_answer' ELSE 'completed' END,
       strftime('%Y-%m-%dT%H:%M:%fZ', ?4 / 1000.0 + i / 1000.0, 'unixepoch'),
       CASE WHEN i % 4 = 3 THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', ?4 / 1000.0 + i / 1000.0 + 10, 'unixepoch') END,
       strftime('%Y-%m-%dT%H:%M:%fZ', ?4 / 1000.0 + i / 1000.0 + 70, 'unixepoch')
     FROM seq`,
  )
    .bind(tenantId, n, Math.floor(Math.random() * 0xffffffff), start.getTime(), opts.campaignId ?? null, opts.agentId ?? null)
    .run();
}

export async function seedCampaign(tenantId: string, name: string): Promise<string> {
  const id = uuidv7();
  await env.DB.prepare(
    `INSERT INTO campaigns (id, tenant_id, name, status, dialing_mode, cli_group_id, max_attempts, retry_delay_minutes, dial_ratio, timezone, created_at)
     VALUES (?, ?, ?, 'active', 'progressive', ?, 3, 60, 1.5, 'Asia/Dubai', ?)`,
  )
    .bind(id, tenantId, name, uuidv7(), new Date().toISOString())
    .run();
  return id;
}

export async function seedBroadcast(tenantId: string, name: string): Promise<string> {
  const id = crypto.randomUUID();
  const appId = `app-${id.slice(0, 8)}`;
  const now = new Date().toISOString();
  await env.DB.batch([
    env.DB.prepare("INSERT INTO apps (id, tenant_id, name, key_hash, webhook_secret, created_at) VALUES (?, ?, 'app', 'x', 'y', ?)").bind(appId, tenantId, now),
    env.DB.prepare(
      `INSERT INTO broadcasts (id, tenant_id, app_id, name, owner_ref, from_number, event_url, call_handler_url, status, dialled_count, blacklisted_count, country_not_allowed_count, created_at)
       VALUES (?, ?, ?, ?, 'owner', '12012774877', 'http://127.0.0.1:9/e', 'http://127.0.0.1:9/e', 'completed', 0, 0, 0, ?)`,
    ).bind(id, tenantId, appId, name, now),
  ]);
  return id;
}

export interface RecordingSeed {
  callId: string;
  campaignId?: string | null;
  agentId?: string | null;
  broadcastId?: string | null;
  status?: 'recording' | 'stored' | 'failed';
  durationS?: number | null;
  startedAt: Date;
  /** Stored in R2 under the recording's key when given. */
  audio?: Uint8Array;
}

export async function seedRecording(tenantId: string, s: RecordingSeed): Promise<string> {
  const id = crypto.randomUUID();
  const key = `recordings/${tenantId}/${id}.wav`;
  const stored = (s.status ?? 'stored') === 'stored';
  await env.DB.prepare(
    `INSERT INTO recordings (id, tenant_id, call_id, broadcast_id, campaign_id, agent_id, name, status, r2_key, format, duration_seconds, size_bytes, started_at, stored_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'wav', ?, ?, ?, ?)`,
  )
    .bind(
      id,
      tenantId,
      s.callId,
      s.broadcastId ?? null,
      s.campaignId ?? null,
      s.agentId ?? null,
      `rec-${id.slice(0, 6)}`,
      s.status ?? 'stored',
      key,
      s.durationS === undefined ? 60 : s.durationS,
      stored ? (s.audio?.length ?? 1000) : null,
      s.startedAt.toISOString(),
      stored ? new Date(s.startedAt.getTime() + 60_000).toISOString() : null,
    )
    .run();
  if (s.audio) await env.BLOBS.put(key, s.audio, { httpMetadata: { contentType: 'audio/wav' } });
  return id;
}

/** A page of a /v1 list. */
export interface Page<T> {
  items: T[];
  total: number;
  next_cursor: string | null;
  has_more: boolean;
}
