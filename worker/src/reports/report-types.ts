/** The four report types of POST /v1/reports/export, by name. */
import type { ReportDefinition, ReportRow, ReportType } from './report-table.ts';
import { callDetail } from './types/call-detail.ts';
import { campaignSummary } from './types/campaign-summary.ts';
import { agentPerformance } from './types/agent-performance.ts';
import { dispositionSummary } from './types/disposition-summary.ts';

export const REPORT_TYPES = ['call_detail', 'campaign_summary', 'agent_performance', 'disposition_summary'] as const satisfies readonly ReportType[];

export const REPORTS = {
  call_detail: callDetail,
  campaign_summary: campaignSummary,
  agent_performance: agentPerformance,
  disposition_summary: dispositionSummary,
} as const;

/**
 * A definition by name, its row type erased: the exporter only hands a
 * definition's rows back to that same definition's columns, so the erasure
 * cannot mix row types.
 */
export function reportDefinition(type: ReportType): ReportDefinition<ReportRow> {
  return REPORTS[type] as unknown as ReportDefinition<ReportRow>;
}
