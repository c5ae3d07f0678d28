/**
 * call_detail: one row per call in the period, oldest first, with the same
 * durations /v1/calls shows (call-metrics.ts), the campaign's or broadcast's
 * name and the agent's name. Calls still in progress are listed with status
 * in_progress and no durations. Rows are read a keyset page at a time.
 */
import { durationSeconds, talkTimeSeconds } from '../../calls/call-metrics.ts';
import { scopeParams, scopeSql } from '../report-scope.ts';
import type { ReportContext, ReportDefinition, ReportRow } from '../report-table.ts';

/** A call as the page query reads it. */
interface DbRow {
  id: string;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  direction: string;
  status: string;
  disposition: string | null;
  contact_phone: string;
  campaign_id: string | null;
  campaign_name: string | null;
  broadcast_id: string | null;
  broadcast_name: string | null;
  agent_id: string | null;
  agent_name: string | null;
  recording_id: string | null;
}

/** A report row: the call plus the durations /v1/calls shows. */
export interface CallDetailRow extends ReportRow, DbRow {
  duration_seconds: number | null;
  talk_time_seconds: number | null;
}

/** Rows per D1 round trip. */
export const DETAIL_PAGE_ROWS = 1000;

const PAGE_SQL = `
SELECT c.id, c.started_at, c.answered_at, c.ended_at, c.direction, c.status, c.disposition, c.contact_phone,
  c.campaign_id, cp.name AS campaign_name, c.broadcast_id, b.name AS broadcast_name, c.agent_id, u.full_name AS agent_name, c.recording_id
FROM calls c
LEFT JOIN campaigns cp ON cp.id = c.campaign_id AND cp.tenant_id = c.tenant_id
LEFT JOIN broadcasts b ON b.id = c.broadcast_id AND b.tenant_id = c.tenant_id
LEFT JOIN users u ON u.id = c.agent_id AND u.tenant_id = c.tenant_id
WHERE ${scopeSql('c')} AND (c.started_at > ?6 OR (c.started_at = ?6 AND c.id > ?7))
ORDER BY c.started_at, c.id
LIMIT ?8`;

function withDurations(r: DbRow): CallDetailRow {
  const timing = { startedAt: r.started_at, answeredAt: r.answered_at, endedAt: r.ended_at };
  return { ...r, duration_seconds: durationSeconds(timing), talk_time_seconds: talkTimeSeconds(timing) };
}

async function* pages(ctx: ReportContext): AsyncIterable<CallDetailRow[]> {
  const statement = ctx.db.prepare(PAGE_SQL);
  let after = { startedAt: '', id: '' };
  for (;;) {
    const { results } = await statement.bind(...scopeParams(ctx), after.startedAt, after.id, DETAIL_PAGE_ROWS).all<DbRow>();
    if (results.length > 0) yield results.map(withDurations);
    if (results.length < DETAIL_PAGE_ROWS) return;
    const last = results.at(-1)!;
    after = { startedAt: last.started_at, id: last.id };
  }
}

export const callDetail: ReportDefinition<CallDetailRow> = {
  type: 'call_detail',
  title: 'Call detail',
  columns: [
    { header: 'Call ID', key: 'id', pdfWidth: 0 },
    { header: 'Started At', key: 'started_at', pdfWidth: 0 },
    { header: 'Answered At', key: 'answered_at', pdfWidth: 0 },
    { header: 'Ended At', key: 'ended_at', pdfWidth: 0 },
    { header: 'Direction', key: 'direction', pdfWidth: 0 },
    { header: 'Status', key: 'status', pdfWidth: 0 },
    { header: 'Disposition', key: 'disposition', pdfWidth: 0 },
    { header: 'Contact Phone', key: 'contact_phone', pdfWidth: 0 },
    { header: 'Campaign ID', key: 'campaign_id', pdfWidth: 0 },
    { header: 'Campaign', key: 'campaign_name', pdfWidth: 0 },
    { header: 'Broadcast ID', key: 'broadcast_id', pdfWidth: 0 },
    { header: 'Broadcast', key: 'broadcast_name', pdfWidth: 0 },
    { header: 'Agent ID', key: 'agent_id', pdfWidth: 0 },
    { header: 'Agent Name', key: 'agent_name', pdfWidth: 0 },
    { header: 'Duration (s)', key: 'duration_seconds', pdfWidth: 0, align: 'right' },
    { header: 'Talk Time (s)', key: 'talk_time_seconds', pdfWidth: 0, align: 'right' },
    { header: 'Recording ID', key: 'recording_id', pdfWidth: 0 },
  ],
  // Paper is for people: the ids stay in CSV and JSON, the PDF shows what a reader scans.
  pdfColumns: [
    { header: 'Started At (UTC)', pdfWidth: 92, text: (r) => r.started_at.replace('T', ' ').slice(0, 19) },
    { header: 'Contact Phone', pdfWidth: 72, text: (r) => r.contact_phone },
    { header: 'Campaign / Broadcast', pdfWidth: 130, text: (r) => r.campaign_name ?? (r.broadcast_name !== null ? `Broadcast: ${r.broadcast_name}` : '') },
    { header: 'Agent', pdfWidth: 90, text: (r) => r.agent_name ?? '' },
    { header: 'Status', pdfWidth: 56, text: (r) => r.status },
    { header: 'Disposition', pdfWidth: 80, text: (r) => r.disposition ?? '' },
    { header: 'Duration (s)', pdfWidth: 50, align: 'right', text: (r) => (r.duration_seconds === null ? '' : String(r.duration_seconds)) },
    { header: 'Talk Time (s)', pdfWidth: 54, align: 'right', text: (r) => (r.talk_time_seconds === null ? '' : String(r.talk_time_seconds)) },
    { header: 'Call ID', pdfWidth: 160, text: (r) => r.id },
  ],
  async open(ctx) {
    const row = await ctx.db.prepare(`SELECT COUNT(*) AS n FROM calls c WHERE ${scopeSql('c')}`).bind(...scopeParams(ctx)).first<{ n: number }>();
    return { count: row?.n ?? 0, pages: pages(ctx) };
  },
};
