/**
 * disposition_summary: the period's finished calls grouped by disposition
 * (calls without one, broadcast legs among them, under "(none)" with a null
 * disposition in JSON), most frequent first. Share is of all the report's
 * calls; the Calls column adds up to the campaign_summary's total.
 */
import { avgTalkTimeSeconds, callSums, callSumsSql, finishedSql, minutes, percent } from '../../calls/call-metrics.ts';
import { scopeParams, scopeSql } from '../report-scope.ts';
import { fixed1, percentText, onePage, type ReportDefinition, type ReportRow } from '../report-table.ts';

export interface DispositionSummaryRow extends ReportRow {
  disposition: string | null;
  calls: number;
  share: number;
  connected: number;
  talk_time_minutes: number;
  avg_talk_time_seconds: number;
}

const SQL = `
SELECT c.disposition, ${callSumsSql('c')}
FROM calls c
WHERE ${scopeSql('c')} AND ${finishedSql('c')}
GROUP BY c.disposition`;

export const dispositionSummary: ReportDefinition<DispositionSummaryRow> = {
  type: 'disposition_summary',
  title: 'Disposition summary',
  columns: [
    { header: 'Disposition', key: 'disposition', text: (r) => r.disposition ?? '(none)', pdfWidth: 200 },
    { header: 'Calls', key: 'calls', pdfWidth: 70, align: 'right' },
    { header: 'Share', key: 'share', text: (r) => percentText(r.share), pdfWidth: 70, align: 'right' },
    { header: 'Connected', key: 'connected', pdfWidth: 70, align: 'right' },
    { header: 'Talk Time (min)', key: 'talk_time_minutes', text: (r) => fixed1(r.talk_time_minutes), pdfWidth: 90, align: 'right' },
    { header: 'Avg Talk Time (s)', key: 'avg_talk_time_seconds', pdfWidth: 90, align: 'right' },
  ],
  async open(ctx) {
    const { results } = await ctx.db.prepare(SQL).bind(...scopeParams(ctx)).all<Record<string, unknown>>();
    const groups = results.map((r) => ({ disposition: (r.disposition as string | null) ?? null, sums: callSums(r as Record<string, number | null>) }));
    const total = groups.reduce((n, g) => n + g.sums.calls, 0);
    const rows = groups
      .map(({ disposition, sums }): DispositionSummaryRow => ({
        disposition,
        calls: sums.calls,
        share: percent(sums.calls, total),
        connected: sums.connected,
        talk_time_minutes: minutes(sums.talk_seconds),
        avg_talk_time_seconds: avgTalkTimeSeconds(sums),
      }))
      .sort((a, b) => b.calls - a.calls || (a.disposition ?? '').localeCompare(b.disposition ?? ''));
    return { count: rows.length, pages: onePage(rows) };
  },
};
