/**
 * campaign_summary: one row per campaign, and one per broadcast (broadcast
 * legs are calls too: each broadcast is its own row with source "broadcast"
 * and its name), plus a row for calls with neither (source "none"). Counts
 * are over the period's finished calls; the five status columns add up to
 * Calls. Campaigns first, then broadcasts, each by name.
 */
import { abandonRate, avgTalkTimeSeconds, callSums, callSumsSql, finishedSql, minutes, type CallSums } from '../../calls/call-metrics.ts';
import { scopeParams, scopeSql } from '../report-scope.ts';
import { fixed1, percentText, onePage, type ReportDefinition, type ReportRow } from '../report-table.ts';

/** The group's counts as call-metrics sums them, plus what the summary derives from them. */
export interface CampaignSummaryRow extends ReportRow, Pick<CallSums, 'calls' | 'connected' | 'no_answer' | 'busy' | 'failed' | 'voicemail' | 'abandoned'> {
  source: 'campaign' | 'broadcast' | 'none';
  campaign_id: string | null;
  broadcast_id: string | null;
  name: string;
  abandon_rate: number;
  talk_time_minutes: number;
  avg_talk_time_seconds: number;
}

const SQL = `
SELECT c.campaign_id, c.broadcast_id, MAX(cp.name) AS campaign_name, MAX(b.name) AS broadcast_name,
  ${callSumsSql('c')}
FROM calls c
LEFT JOIN campaigns cp ON cp.id = c.campaign_id AND cp.tenant_id = c.tenant_id
LEFT JOIN broadcasts b ON b.id = c.broadcast_id AND b.tenant_id = c.tenant_id
WHERE ${scopeSql('c')} AND ${finishedSql('c')}
GROUP BY c.campaign_id, c.broadcast_id`;

const SOURCE_ORDER = { campaign: 0, broadcast: 1, none: 2 } as const;

function toRow(r: Record<string, unknown>): CampaignSummaryRow {
  const s: CallSums = callSums(r as Record<string, number | null>);
  const campaignId = (r.campaign_id as string | null) ?? null;
  const broadcastId = (r.broadcast_id as string | null) ?? null;
  const source = campaignId ? 'campaign' : broadcastId ? 'broadcast' : 'none';
  const name = source === 'campaign' ? ((r.campaign_name as string | null) ?? campaignId!) : source === 'broadcast' ? ((r.broadcast_name as string | null) ?? broadcastId!) : '(no campaign)';
  return {
    source,
    campaign_id: campaignId,
    broadcast_id: source === 'broadcast' ? broadcastId : null,
    name,
    calls: s.calls,
    connected: s.connected,
    no_answer: s.no_answer,
    busy: s.busy,
    failed: s.failed,
    voicemail: s.voicemail,
    abandoned: s.abandoned,
    abandon_rate: abandonRate(s.abandoned, s.connected),
    talk_time_minutes: minutes(s.talk_seconds),
    avg_talk_time_seconds: avgTalkTimeSeconds(s),
  };
}

export const campaignSummary: ReportDefinition<CampaignSummaryRow> = {
  type: 'campaign_summary',
  title: 'Campaign summary',
  columns: [
    { header: 'Source', key: 'source', pdfWidth: 52 },
    { header: 'Campaign ID', key: 'campaign_id', pdfWidth: 0 },
    { header: 'Broadcast ID', key: 'broadcast_id', pdfWidth: 0 },
    { header: 'Name', key: 'name', pdfWidth: 150 },
    { header: 'Calls', key: 'calls', pdfWidth: 45, align: 'right' },
    { header: 'Connected', key: 'connected', pdfWidth: 50, align: 'right' },
    { header: 'No Answer', key: 'no_answer', pdfWidth: 50, align: 'right' },
    { header: 'Busy', key: 'busy', pdfWidth: 40, align: 'right' },
    { header: 'Failed', key: 'failed', pdfWidth: 40, align: 'right' },
    { header: 'Voicemail', key: 'voicemail', pdfWidth: 50, align: 'right' },
    { header: 'Abandoned', key: 'abandoned', pdfWidth: 50, align: 'right' },
    { header: 'Abandon Rate', key: 'abandon_rate', text: (r) => percentText(r.abandon_rate), pdfWidth: 58, align: 'right' },
    { header: 'Talk Time (min)', key: 'talk_time_minutes', text: (r) => fixed1(r.talk_time_minutes), pdfWidth: 66, align: 'right' },
    { header: 'Avg Talk Time (s)', key: 'avg_talk_time_seconds', pdfWidth: 72, align: 'right' },
  ],
  async open(ctx) {
    const { results } = await ctx.db.prepare(SQL).bind(...scopeParams(ctx)).all<Record<string, unknown>>();
    const rows = results.map(toRow).sort((a, b) => SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source] || a.name.localeCompare(b.name) || String(a.campaign_id ?? a.broadcast_id).localeCompare(String(b.campaign_id ?? b.broadcast_id)));
    return { count: rows.length, pages: onePage(rows) };
  },
};
