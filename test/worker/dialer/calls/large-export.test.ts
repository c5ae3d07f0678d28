// Exports of more than 10,000 rows: written to R2 (CSV and JSON streamed in
// multipart parts) and answered with a download URL the Worker serves,
// signed for 30 minutes; exactly 10,000 rows are still inline.
import { SELF, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { MultipartWriter, PART_BYTES } from '../../../../worker/src/reports/export-files.ts';
import { signedUrl } from '../../../../worker/src/signed-urls/index.ts';
import { call, seedDialerTenant } from '../../helpers/dialer.ts';
import { seedManyCalls } from './seed.ts';
import { pdfPages } from './pdf-text.ts';

const START = new Date('2026-06-10T08:00:00.000Z');
const at = (i: number) => new Date(START.getTime() + i).toISOString();

async function exportReport(who: Parameters<typeof call>[0], body: Record<string, unknown>) {
  const res = await call(who, 'POST', '/v1/reports/export', { report_type: 'call_detail', from: at(0), to: at(100_000), ...body });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown> & { rows: number };
}

describe('large exports', () => {
  it('keeps 10,000 rows inline and sends 10,001 to R2 behind a 30-minute signed URL, in every format', async () => {
    const t = await seedDialerTenant();
    await seedManyCalls(t.tenantId, 10_001, START);

    const inline = await exportReport(t.supervisor, { format: 'csv', to: at(9_999) });
    expect(inline.rows).toBe(10_000);
    expect((inline.data as string).split('\n')).toHaveLength(10_002); // header, rows, final newline

    const csv = await exportReport(t.supervisor, { format: 'csv' });
    expect(Object.keys(csv).sort()).toEqual(['download_url', 'expires_at', 'format', 'report_type', 'rows']);
    expect(csv).toMatchObject({ report_type: 'call_detail', format: 'csv', rows: 10_001 });
    const ttl = Date.parse(csv.expires_at as string) - Date.now();
    expect(ttl).toBeGreaterThan(29 * 60_000);
    expect(ttl).toBeLessThanOrEqual(30 * 60_000);
    const file = await SELF.fetch(csv.download_url as string);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(file.headers.get('content-disposition')).toBe('attachment; filename="call_detail_2026-06-10_2026-06-10.csv"');
    const lines = (await file.text()).split('\n');
    expect(lines).toHaveLength(10_003);
    expect(lines[0]).toMatch(/^Call ID,Started At,/);
    expect(lines[1]).toContain(`,${at(0)},`);
    expect(lines[10_001]).toContain(`,${at(10_000)},`);

    const json = await exportReport(t.supervisor, { format: 'json' });
    const rows = (await (await SELF.fetch(json.download_url as string)).json()) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(10_001);
    expect(rows[3]).toMatchObject({ started_at: at(3), status: 'no_answer', talk_time_seconds: 0, duration_seconds: 70 });
    expect(rows[4]).toMatchObject({ started_at: at(4), status: 'completed', talk_time_seconds: 60, duration_seconds: 70 });

    const pdf = await exportReport(t.supervisor, { format: 'pdf' });
    const res = await SELF.fetch(pdf.download_url as string);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pages = await pdfPages(new Uint8Array(await res.arrayBuffer()));
    expect(pages.length).toBeGreaterThan(200);
    expect(pages.flat().filter((s) => s === 'Call ID')).toHaveLength(pages.length);
    expect(pages.at(-1)).toContain('+971500010000');
  });

  it('refuses a tampered or expired download URL, and an unknown export', async () => {
    const t = await seedDialerTenant();
    await seedManyCalls(t.tenantId, 10_001, START);
    const { download_url } = await exportReport(t.supervisor, { format: 'csv' });
    const url = new URL(download_url as string);
    const other = url.pathname.replace(/[0-9a-f]{12}\.csv$/, '000000000000.csv');
    for (const bad of [
      (download_url as string).replace(/expires=\d+/, (m) => `expires=${Number(m.slice(8)) + 60}`),
      (download_url as string).replace('.csv?', '.json?'),
      `${url.origin}${url.pathname}`,
    ]) {
      expect((await SELF.fetch(bad)).status, bad).toBe(403);
    }
    const expired = await signedUrl(env.URL_SIGNING_SECRET, url.origin, url.pathname, 1800, Date.now() - 1801_000);
    expect((await SELF.fetch(expired.url)).status).toBe(403);
    const unknown = await signedUrl(env.URL_SIGNING_SECRET, url.origin, other, 1800);
    expect((await SELF.fetch(unknown.url)).status).toBe(404);
    // Read to the end: an R2 body left unread is cancelled mid-pump when the
    // file ends, and workerd logs "pump canceled" for it.
    const genuine = await SELF.fetch(download_url as string);
    expect(genuine.status).toBe(200);
    expect((await genuine.text()).split('\n')).toHaveLength(10_003);
  });
});

describe('MultipartWriter', () => {
  it('writes an object larger than one part in equal 5 MiB parts, byte for byte', async () => {
    const key = `exports/test-${crypto.randomUUID()}.csv`;
    const writer = await MultipartWriter.open(env.BLOBS, key, { httpMetadata: { contentType: 'text/csv' } });
    const chunk = 'é,"x"\n'.repeat(40_000); // 2-byte characters across part boundaries
    const expected: string[] = [];
    for (let i = 0; expected.join('').length * 1.2 < 2.2 * PART_BYTES; i++) {
      const piece = `${i}:${chunk.slice(i % 7)}`;
      expected.push(piece);
      await writer.write(piece);
    }
    await writer.close();
    const object = await env.BLOBS.get(key);
    const text = await object!.text();
    expect(object!.size).toBe(writer.bytes);
    expect(writer.bytes).toBeGreaterThan(2 * PART_BYTES);
    expect(text).toBe(expected.join(''));
  });

  it('aborts cleanly, leaving no object', async () => {
    const key = `exports/test-${crypto.randomUUID()}.csv`;
    const writer = await MultipartWriter.open(env.BLOBS, key, {});
    await writer.write('x'.repeat(PART_BYTES + 10));
    await writer.abort();
    expect(await env.BLOBS.get(key)).toBeNull();
  });
});
