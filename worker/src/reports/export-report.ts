/**
 * POST /v1/reports/export, the work: open the report, and by its row count
 * answer inline (≤ 10,000 rows: `rows` + `data`) or write it to R2 and
 * answer with a 30-minute `download_url` (> 10,000 rows). Large CSV and JSON
 * are streamed page by page into a multipart upload; a PDF is built page by
 * page (compressed as it goes) and stored in one put.
 */
import type { Env } from '../env.ts';
import { uuidv7 } from '../ids/uuid-v7.ts';
import { CONTENT_TYPES, exportDownloadUrl, exportKey, MultipartWriter } from './export-files.ts';
import { base64, csvHeader, csvRows, jsonRows, pdfTable } from './report-documents.ts';
import type { ReportContext, ReportDefinition, ReportFormat, ReportRow, ReportType } from './report-table.ts';
import { reportDefinition } from './report-types.ts';

/** More rows than this go to R2 behind a download URL (spec: "over 10,000 rows"). */
export const INLINE_MAX_ROWS = 10_000;

export type ExportResult =
  | { report_type: ReportType; format: ReportFormat; rows: number; data: string | ReportRow[] }
  | { report_type: ReportType; format: ReportFormat; rows: number; download_url: string; expires_at: string };

export async function exportReport(env: Env, requestUrl: string, ctx: ReportContext, type: ReportType, format: ReportFormat, now = new Date()): Promise<ExportResult> {
  const def = reportDefinition(type);
  const opened = await def.open(ctx);
  if (opened.count <= INLINE_MAX_ROWS) {
    const rows: ReportRow[] = [];
    for await (const page of opened.pages) rows.push(...page);
    return { report_type: type, format, rows: rows.length, data: await inlineData(def, ctx, format, rows, now) };
  }
  const id = uuidv7();
  const rows = await writeToR2(env, def, ctx, format, opened.pages, id, now);
  const { url, expiresAt } = await exportDownloadUrl(env, requestUrl, id, format, now.getTime());
  return { report_type: type, format, rows, download_url: url, expires_at: expiresAt.toISOString() };
}

async function inlineData(def: ReportDefinition<ReportRow>, ctx: ReportContext, format: ReportFormat, rows: ReportRow[], now: Date): Promise<string | ReportRow[]> {
  switch (format) {
    case 'json':
      return jsonRows(def, rows);
    case 'csv':
      return csvHeader(def) + csvRows(def, rows);
    case 'pdf': {
      const pdf = await pdfTable(def, ctx.filters, now);
      pdf.add(rows);
      return base64(await pdf.finish());
    }
  }
}

async function writeToR2(env: Env, def: ReportDefinition<ReportRow>, ctx: ReportContext, format: ReportFormat, pages: AsyncIterable<ReportRow[]>, id: string, now: Date): Promise<number> {
  const key = exportKey(id, format);
  const httpMetadata = {
    contentType: CONTENT_TYPES[format],
    contentDisposition: `attachment; filename="${def.type}_${ctx.filters.from.slice(0, 10)}_${ctx.filters.to.slice(0, 10)}.${format}"`,
  };
  const customMetadata = { tenant_id: ctx.tenantId, report_type: def.type, created_at: now.toISOString() };
  let rows = 0;
  if (format === 'pdf') {
    const pdf = await pdfTable(def, ctx.filters, now);
    for await (const page of pages) {
      pdf.add(page);
      rows += page.length;
    }
    await env.BLOBS.put(key, await pdf.finish(), { httpMetadata, customMetadata });
    return rows;
  }
  const writer = await MultipartWriter.open(env.BLOBS, key, { httpMetadata, customMetadata });
  try {
    await writer.write(format === 'csv' ? csvHeader(def) : '[');
    for await (const page of pages) {
      if (format === 'csv') await writer.write(csvRows(def, page));
      else await writer.write((rows === 0 ? '\n' : ',\n') + jsonRows(def, page).map((r) => JSON.stringify(r)).join(',\n'));
      rows += page.length;
    }
    if (format === 'json') await writer.write('\n]\n');
    await writer.close();
  } catch (err) {
    await writer.abort().catch((abortErr: unknown) => console.error(JSON.stringify({ msg: 'export abort failed', key, error: String(abortErr) })));
    throw err;
  }
  return rows;
}
