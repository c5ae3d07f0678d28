/**
 * agent_performance: one row per agent with finished calls in the period,
 * by name; the CSV header is the spec's exactly:
 *   Agent Name,Calls,Connected,Talk Time (min),Avg Handle Time,Disposition Rate
 * Talk Time (min): the agent's talk seconds / 60, one decimal.
 * Avg Handle Time: mean seconds from dial to hang-up over the agent's calls
 *   (Crier records no hold or wrap-up time, so handling is the call itself).
 * Disposition Rate: share of the agent's calls with a disposition, "66.7%".
 * Broadcast legs have no agent and are not in this report.
 */
import { averageSeconds, callSums, callSumsSql, finishedSql, minutes, percent } from '../../calls/call-metrics.ts';
import { scopeParams, scopeSql } from '../report-scope.ts';
import { fixed1, percentText, onePage, type ReportDefinition, type ReportRow } from '../report-table.ts';

export interface AgentPerformanceRow extends ReportRow {
  agent_id: string;
  agent_name: string;
  calls: number;
  connected: number;
  talk_time_minutes: number;
  avg_handle_time_seconds: number;
  disposition_rate: number;
}

const SQL = `
SELECT c.agent_id, MAX(u.full_name) AS agent_name, ${callSumsSql('c')}
FROM calls c
LEFT JOIN users u ON u.id = c.agent_id AND u.tenant_id = c.tenant_id
WHERE ${scopeSql('c')} AND ${finishedSql('c')} AND c.agent_id IS NOT NULL
GROUP BY c.agent_id`;

export const agentPerformance: ReportDefinition<AgentPerformanceRow> = {
  type: 'agent_performance',
  title: 'Agent performance',
  jsonOnly: ['agent_id'],
  columns: [
    { header: 'Agent Name', key: 'agent_name', pdfWidth: 200 },
    { header: 'Calls', key: 'calls', pdfWidth: 70, align: 'right' },
    { header: 'Connected', key: 'connected', pdfWidth: 70, align: 'right' },
    { header: 'Talk Time (min)', key: 'talk_time_minutes', text: (r) => fixed1(r.talk_time_minutes), pdfWidth: 90, align: 'right' },
    { header: 'Avg Handle Time', key: 'avg_handle_time_seconds', pdfWidth: 90, align: 'right' },
    { header: 'Disposition Rate', key: 'disposition_rate', text: (r) => percentText(r.disposition_rate), pdfWidth: 90, align: 'right' },
  ],
  async open(ctx) {
    const { results } = await ctx.db.prepare(SQL).bind(...scopeParams(ctx)).all<Record<string, unknown>>();
    const rows = results
      .map((r): AgentPerformanceRow => {
        const s = callSums(r as Record<string, number | null>);
        const agentId = r.agent_id as string;
        return {
          agent_id: agentId,
          agent_name: (r.agent_name as string | null) ?? agentId,
          calls: s.calls,
          connected: s.connected,
          talk_time_minutes: minutes(s.talk_seconds),
          avg_handle_time_seconds: averageSeconds(s.duration_seconds, s.calls),
          disposition_rate: percent(s.dispositioned, s.calls),
        };
      })
      .sort((a, b) => a.agent_name.localeCompare(b.agent_name) || a.agent_id.localeCompare(b.agent_id));
    return { count: rows.length, pages: onePage(rows) };
  },
};
