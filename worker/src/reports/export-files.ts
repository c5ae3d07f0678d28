/**
 * Large exports in R2 and their download links: a report of more than
 * 10,000 rows is written to `exports/<id>.<ext>` (CSV and JSON streamed in
 * 5 MiB multipart parts as rows are formatted, so memory holds one part, not
 * the file) and handed out as a URL signed for 30 minutes, served by the
 * Worker itself. R2 keeps the object until the bucket's lifecycle rule
 * deletes it (docs/dialer-api.md); the link stops working after 30 minutes.
 */
import type { Env } from '../env.ts';
import { ProblemError, Problems } from '../errors/problem.ts';
import { signedUrl, verifySignedUrl } from '../signed-urls/index.ts';
import type { ReportFormat } from './report-table.ts';

export const EXPORT_URL_TTL_S = 30 * 60;
/** R2 wants every part but the last to be the same size, at least 5 MiB. */
export const PART_BYTES = 5 * 1024 * 1024;

export const CONTENT_TYPES: Record<ReportFormat, string> = { csv: 'text/csv; charset=utf-8', json: 'application/json', pdf: 'application/pdf' };

export function exportKey(id: string, format: ReportFormat): string {
  return `exports/${id}.${format}`;
}

/** Writes one R2 object from a sequence of chunks without holding more than one part. */
export class MultipartWriter {
  readonly #upload: R2MultipartUpload;
  readonly #parts: R2UploadedPart[] = [];
  readonly #encoder = new TextEncoder();
  #buffer = new Uint8Array(PART_BYTES);
  #filled = 0;
  #bytes = 0;

  private constructor(upload: R2MultipartUpload) {
    this.#upload = upload;
  }

  static async open(bucket: R2Bucket, key: string, options: R2MultipartOptions): Promise<MultipartWriter> {
    return new MultipartWriter(await bucket.createMultipartUpload(key, options));
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.#bytes;
  }

  async write(chunk: string): Promise<void> {
    let bytes = this.#encoder.encode(chunk);
    this.#bytes += bytes.length;
    while (bytes.length > 0) {
      const n = Math.min(bytes.length, PART_BYTES - this.#filled);
      this.#buffer.set(bytes.subarray(0, n), this.#filled);
      this.#filled += n;
      bytes = bytes.subarray(n);
      if (this.#filled === PART_BYTES) await this.#flush();
    }
  }

  async close(): Promise<void> {
    if (this.#filled > 0 || this.#parts.length === 0) await this.#flush();
    await this.#upload.complete(this.#parts);
  }

  /** Drops the parts written so far (the export failed half-way). */
  async abort(): Promise<void> {
    await this.#upload.abort();
  }

  async #flush(): Promise<void> {
    const part = this.#buffer.subarray(0, this.#filled);
    this.#parts.push(await this.#upload.uploadPart(this.#parts.length + 1, part));
    this.#buffer = new Uint8Array(PART_BYTES);
    this.#filled = 0;
  }
}

export async function exportDownloadUrl(env: Env, requestUrl: string, id: string, format: ReportFormat, nowMs = Date.now()) {
  const base = env.PUBLIC_BASE_URL ?? new URL(requestUrl).origin;
  return signedUrl(env.URL_SIGNING_SECRET, base, `/exports/${id}.${format}`, EXPORT_URL_TTL_S, nowMs);
}

/** GET /exports/{id}.{ext}?expires&sig: the file, to whoever holds an unexpired, untampered link. */
export async function serveExportFile(env: Env, requestUrl: string, file: string): Promise<Response> {
  const check = await verifySignedUrl(env.URL_SIGNING_SECRET, new URL(requestUrl));
  if (!check.ok) throw new ProblemError({ status: 403, slug: 'bad-signed-url', title: 'Forbidden', detail: `Signed URL ${check.reason}.` });
  const match = /^([0-9a-f-]{36})\.(csv|json|pdf)$/.exec(file);
  const object = match ? await env.BLOBS.get(exportKey(match[1]!, match[2] as ReportFormat)) : null;
  if (!object) throw Problems.notFound(`Export ${file}`);
  const headers = new Headers({ 'content-length': String(object.size), etag: object.httpEtag, 'cache-control': 'private, no-store' });
  object.writeHttpMetadata(headers);
  return new Response(object.body, { headers });
}
