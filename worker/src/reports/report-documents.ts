/**
 * A report's rows rendered in each format, inline (a string, the rows, or a
 * base64 PDF) or streamed into an R2 object. The row order, the columns and
 * the cell text are the report definition's; only the encoding differs.
 */
import { csvLine } from './csv.ts';
import { PdfTable } from './pdf-table.ts';
import { cellText, jsonRow, pdfColumnsOf, type ReportDefinition, type ReportFilters, type ReportRow } from './report-table.ts';

export function csvHeader<R extends ReportRow>(def: ReportDefinition<R>): string {
  return csvLine(def.columns.map((c) => c.header));
}

export function csvRows<R extends ReportRow>(def: ReportDefinition<R>, rows: readonly R[]): string {
  let out = '';
  for (const row of rows) out += csvLine(def.columns.map((c) => cellText(c, row)));
  return out;
}

/** The subtitle line of a PDF: period, filters and when it was made. */
export function describeScope(filters: ReportFilters, generatedAt: Date): string {
  const parts = [`${filters.from} – ${filters.to} (UTC)`];
  if (filters.campaignId) parts.push(`campaign ${filters.campaignId}`);
  if (filters.agentIds) parts.push(`${filters.agentIds.length} agent${filters.agentIds.length === 1 ? '' : 's'}`);
  parts.push(`generated ${generatedAt.toISOString()}`);
  return parts.join(' · ');
}

export async function pdfTable<R extends ReportRow>(def: ReportDefinition<R>, filters: ReportFilters, generatedAt: Date) {
  const columns = pdfColumnsOf(def);
  const table = await PdfTable.create(
    `${def.title} report`,
    describeScope(filters, generatedAt),
    columns.map((c) => ({ header: c.header, width: c.pdfWidth, align: c.align })),
  );
  return {
    add: (rows: readonly R[]) => {
      for (const row of rows) table.addRow(columns.map((c) => c.text(row)));
    },
    finish: () => table.finish(),
  };
}

export function jsonRows<R extends ReportRow>(def: ReportDefinition<R>, rows: readonly R[]): ReportRow[] {
  return rows.map((r) => jsonRow(def, r));
}

export function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
