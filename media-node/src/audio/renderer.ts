/**
 * Turns a PlaySpec into 8 kHz mono 16-bit PCM, ready for G.711 framing.
 *   tts / ssml → a TextToSpeech engine (espeak-ng by default)
 *   url        → fetched (timeout, size cap, private addresses refused unless
 *                allowed), decoded by ffmpeg, cached on disk by URL with its
 *                ETag/Last-Modified and revalidated with a conditional GET
 *   prompt     → fetched from its signed URL, cached by name + version
 * Identical requests share one render (the same message for 1,000 recipients
 * is synthesised once).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlaySpec } from '../../../worker/src/media-protocol/index.ts';
import { AudioError } from './audio-error.ts';
import { decodeToPcm } from './ffmpeg-decode.ts';
import { assertPublicUrl } from './url-guard.ts';
import { EspeakTts, type TextToSpeech } from './espeak-tts.ts';

export interface RenderedAudio {
  pcm: Int16Array;
  durationMs: number;
}

export interface AudioRenderer {
  render(spec: PlaySpec): Promise<RenderedAudio>;
}

export interface RendererOptions {
  cacheDir: string;
  maxCacheBytes?: number;
  fetchTimeoutMs?: number;
  maxDownloadBytes?: number;
  allowPrivateAddresses?: boolean;
  /** How long a fetched URL is trusted before the next conditional GET. */
  revalidateAfterMs?: number;
  tts?: TextToSpeech;
}

interface CachedUrl {
  etag?: string;
  lastModified?: string;
  fetchedAt: number;
}

function pcmResult(pcm: Int16Array): RenderedAudio {
  return { pcm, durationMs: (pcm.length / 8000) * 1000 };
}

export class DefaultAudioRenderer implements AudioRenderer {
  readonly #o: Required<Omit<RendererOptions, 'tts'>>;
  readonly #tts: TextToSpeech;
  readonly #inflight = new Map<string, { at: number; promise: Promise<RenderedAudio> }>();

  constructor(options: RendererOptions) {
    this.#o = {
      maxCacheBytes: 512 * 1024 * 1024,
      fetchTimeoutMs: 10_000,
      maxDownloadBytes: 50 * 1024 * 1024,
      allowPrivateAddresses: false,
      revalidateAfterMs: 60_000,
      ...options,
    };
    this.#tts = options.tts ?? new EspeakTts();
  }

  render(spec: PlaySpec): Promise<RenderedAudio> {
    const key = cacheKey(spec);
    const hit = this.#inflight.get(key);
    const fresh = spec.type === 'url' ? Date.now() - (hit?.at ?? 0) < this.#o.revalidateAfterMs : true;
    if (hit && fresh) return hit.promise;
    const promise = this.#renderUncached(spec);
    this.#inflight.set(key, { at: Date.now(), promise });
    promise.catch(() => this.#inflight.delete(key));
    if (this.#inflight.size > 2000) this.#inflight.delete(this.#inflight.keys().next().value!);
    return promise;
  }

  async #renderUncached(spec: PlaySpec): Promise<RenderedAudio> {
    switch (spec.type) {
      case 'tts':
        return pcmResult(await this.#tts.synthesize({ text: spec.text, voice: spec.voice, language: spec.language }));
      case 'ssml':
        return pcmResult(await this.#tts.synthesizeSsml(spec.ssml));
      case 'url':
        return pcmResult(await this.#fetchUrl(spec.url));
      case 'prompt':
        return pcmResult(await this.#fetchPrompt(spec.prompt_name, spec.version, spec.fetch_url));
    }
  }

  async #fetchUrl(url: string): Promise<Int16Array> {
    await assertPublicUrl(url, this.#o.allowPrivateAddresses);
    const id = createHash('sha256').update(url).digest('hex');
    const pcmFile = join(this.#o.cacheDir, `url-${id}.pcm`);
    const metaFile = join(this.#o.cacheDir, `url-${id}.json`);
    const meta = await readFile(metaFile, 'utf8').then((t) => JSON.parse(t) as CachedUrl).catch(() => null);
    const headers: Record<string, string> = {};
    if (meta?.etag) headers['if-none-match'] = meta.etag;
    if (meta?.lastModified) headers['if-modified-since'] = meta.lastModified;
    const res = await this.#download(url, headers);
    if (res.status === 304 && meta) {
      const cached = await readFile(pcmFile).catch(() => null);
      if (cached) {
        await writeFile(metaFile, JSON.stringify({ ...meta, fetchedAt: Date.now() }));
        return new Int16Array(cached.buffer, cached.byteOffset, cached.byteLength / 2);
      }
      return this.#fetchUrl(url); // cache file vanished: fetch whole
    }
    const pcm = await decodeToPcm(res.body!);
    await this.#store(pcmFile, pcm);
    await writeFile(metaFile, JSON.stringify({ etag: res.etag, lastModified: res.lastModified, fetchedAt: Date.now() } satisfies CachedUrl));
    return pcm;
  }

  async #fetchPrompt(name: string, version: number, fetchUrl: string): Promise<Int16Array> {
    const safe = createHash('sha256').update(name).digest('hex').slice(0, 32);
    const pcmFile = join(this.#o.cacheDir, `prompt-${safe}-v${version}.pcm`);
    const cached = await readFile(pcmFile).catch(() => null);
    if (cached) return new Int16Array(cached.buffer, cached.byteOffset, cached.byteLength / 2);
    // The Worker hands out its own signed URL: it may be on a private address by design.
    const res = await this.#download(fetchUrl, {});
    if (res.status === 404) throw new AudioError('prompt_not_found', `prompt ${name} (version ${version}) does not exist`);
    const pcm = await decodeToPcm(res.body!);
    await this.#store(pcmFile, pcm);
    return pcm;
  }

  async #download(url: string, headers: Record<string, string>): Promise<{ status: number; body?: Buffer; etag?: string; lastModified?: string }> {
    let res: Response;
    try {
      res = await fetch(url, { headers, signal: AbortSignal.timeout(this.#o.fetchTimeoutMs), redirect: 'error' });
    } catch (err) {
      const e = err as Error;
      throw new AudioError(e.name === 'TimeoutError' ? 'fetch_timeout' : 'fetch_failed', `could not fetch ${url}: ${e.message}`);
    }
    if (res.status === 304 || res.status === 404) {
      await res.body?.cancel();
      return { status: res.status };
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new AudioError('fetch_failed', `fetching ${url} answered HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > this.#o.maxDownloadBytes) {
      await res.body?.cancel();
      throw new AudioError('too_large', `${url} is ${declared} bytes, over the ${this.#o.maxDownloadBytes} byte limit`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > this.#o.maxDownloadBytes) throw new AudioError('too_large', `${url} is over the ${this.#o.maxDownloadBytes} byte limit`);
      chunks.push(Buffer.from(chunk));
    }
    return { status: res.status, body: Buffer.concat(chunks), etag: res.headers.get('etag') ?? undefined, lastModified: res.headers.get('last-modified') ?? undefined };
  }

  async #store(file: string, pcm: Int16Array): Promise<void> {
    await mkdir(this.#o.cacheDir, { recursive: true });
    await writeFile(file, Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    await this.#evict();
  }

  /** Keeps the cache under its cap by deleting the least recently written files. */
  async #evict(): Promise<void> {
    const names = await readdir(this.#o.cacheDir);
    const files = await Promise.all(names.map(async (n) => ({ path: join(this.#o.cacheDir, n), s: await stat(join(this.#o.cacheDir, n)) })));
    let total = files.reduce((sum, f) => sum + f.s.size, 0);
    for (const f of files.sort((a, b) => a.s.mtimeMs - b.s.mtimeMs)) {
      if (total <= this.#o.maxCacheBytes) break;
      await unlink(f.path).catch(() => undefined);
      total -= f.s.size;
    }
  }
}

function cacheKey(spec: PlaySpec): string {
  switch (spec.type) {
    case 'tts':
      return `tts|${spec.voice}|${spec.language}|${spec.text}`;
    case 'ssml':
      return `ssml|${spec.ssml}`;
    case 'url':
      return `url|${spec.url}`;
    case 'prompt':
      return `prompt|${spec.prompt_name}|${spec.version}`;
  }
}
