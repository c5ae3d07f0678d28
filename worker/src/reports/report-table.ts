/**
 * The shape every report has, whatever its format: named columns and rows.
 * A column gives the JSON field (the row's value as is, numbers as numbers),
 * the CSV/PDF header and cell text, and its width in the PDF table; a report
 * that wants a different, narrower table on paper lists pdfColumns too.
 */

export type ReportType = 'call_detail' | 'campaign_summary' | 'agent_performance' | 'disposition_summary';
export type ReportFormat = 'json' | 'csv' | 'pdf';
export type ReportRow = Record<string, string | number | null>;

export interface ReportColumn<R extends ReportRow> {
  /** CSV and PDF header. */
  header: string;
  /** JSON field name; its value is row[key]. */
  key: keyof R & string;
  /** CSV/PDF cell text; by default the value as a string, '' for null. */
  text?: (row: R) => string;
  /** Share of the PDF table's width (points before scaling to the page); 0 = not on paper. */
  pdfWidth: number;
  align?: 'left' | 'right';
}

/** A column on paper only: no JSON field. */
export interface PdfOnlyColumn<R extends ReportRow> {
  header: string;
  text: (row: R) => string;
  pdfWidth: number;
  align?: 'left' | 'right';
}

export interface ReportFilters {
  /** Normalised ISO instants, inclusive. */
  from: string;
  to: string;
  campaignId?: string;
  agentIds?: string[];
}

export interface ReportContext {
  db: D1Database;
  tenantId: string;
  filters: ReportFilters;
}

export interface OpenedReport<R extends ReportRow> {
  /** How many rows the report has (decides inline vs download before any row is formatted). */
  count: number;
  /** The rows, in pages: call_detail reads D1 a keyset page at a time, so 100,000 rows never sit in memory. */
  pages: AsyncIterable<R[]>;
}

export interface ReportDefinition<R extends ReportRow> {
  type: ReportType;
  title: string;
  columns: ReadonlyArray<ReportColumn<R>>;
  /** Fields the JSON rows carry before the columns' (ids a fixed CSV header has no room for). */
  jsonOnly?: ReadonlyArray<keyof R & string>;
  pdfColumns?: ReadonlyArray<PdfOnlyColumn<R>>;
  open(ctx: ReportContext): Promise<OpenedReport<R>>;
}

export function cellText<R extends ReportRow>(column: ReportColumn<R>, row: R): string {
  if (column.text) return column.text(row);
  const v = row[column.key];
  return v === null || v === undefined ? '' : String(v);
}

/** The columns as the PDF lays them out. */
export function pdfColumnsOf<R extends ReportRow>(def: ReportDefinition<R>): ReadonlyArray<PdfOnlyColumn<R>> {
  return def.pdfColumns ?? def.columns.filter((c) => c.pdfWidth > 0).map((c) => ({ header: c.header, pdfWidth: c.pdfWidth, align: c.align, text: (r: R) => cellText(c, r) }));
}

/** A row as the JSON format shows it: the JSON-only fields, then the columns' fields in column order. */
export function jsonRow<R extends ReportRow>(def: ReportDefinition<R>, row: R): ReportRow {
  const out: ReportRow = {};
  for (const key of def.jsonOnly ?? []) out[key] = row[key] ?? null;
  for (const c of def.columns) out[c.key] = row[c.key] ?? null;
  return out;
}

export const fixed1 = (n: number | string | null) => (typeof n === 'number' ? n.toFixed(1) : '');
export const percentText = (n: number | string | null) => (typeof n === 'number' ? `${n.toFixed(1)}%` : '');

/** A report small enough to compute at once (the summaries: one row per campaign, agent or disposition). */
export async function* onePage<R>(rows: R[]): AsyncIterable<R[]> {
  if (rows.length > 0) yield rows;
}
