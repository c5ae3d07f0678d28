/**
 * Turns a PlaySpec into 8 kHz mono signed 16-bit PCM, ready for G.711
 * framing. Owns the caching policy of every audio source:
 *   tts / ssml → a TextToSpeech engine (espeak-ng by default), cached by a
 *                hash of engine + voice + language + text, on disk and in memory
 *   url        → fetched (SSRF guard, timeout, size cap), decoded by ffmpeg,
 *                cached on disk by URL with its ETag/Last-Modified and
 *                revalidated with a conditional GET (304 reuses the cache)
 *   prompt     → fetched from the Worker's signed URL, cached by prompt name;
 *                a new version replaces the old
 * Identical requests share one render: the same message for 1,000 recipients
 * is synthesised once, and concurrent requests for it await one promise.
 */
import type { PlaySpec } from '../../../worker/src/media-protocol/play-spec.ts';
import { AudioError } from './audio-error.ts';
import { DiskCache } from './disk-cache.ts';
import { EspeakTts } from './espeak-tts.ts';
import { abortError, decodeToPcm, pcmFromBytes } from './ffmpeg-decode.ts';
import { fetchAudioBytes, type FetchLimits } from './http-fetch.ts';
import { checkAudioUrl } from './url-guard.ts';
import type { TextToSpeech } from './tts.ts';

export interface RenderedAudio {
  /** 8 kHz mono signed 16-bit samples. Shared between callers: treat as read-only. */
  pcm: Int16Array;
  durationMs: number;
}

export interface AudioRenderer {
  render(spec: PlaySpec, signal?: AbortSignal): Promise<RenderedAudio>;
}

export interface AudioRendererOptions {
  /** Directory for decoded audio; created on first write. */
  cacheDir: string;
  /** Disk cache cap; least recently used entries are evicted beyond it. Default 512 MiB. */
  maxCacheBytes?: number;
  /** Decoded audio kept in memory for instant reuse. Default 64 MiB. */
  maxMemoryBytes?: number;
  /** Whole-download deadline for url/prompt audio. Default 10 s. */
  fetchTimeoutMs?: number;
  /** Largest download accepted. Default 50 MiB. */
  maxDownloadBytes?: number;
  /** Allow url audio on private/loopback/link-local addresses (tests, the local stack). Default false. */
  allowPrivateAddresses?: boolean;
  /**
   * Prompt fetch_urls are the Worker's own signed URLs, which in a private
   * deployment live on a private address. Default true.
   */
  allowPrivatePromptAddresses?: boolean;
  /** A cached URL younger than this is used without asking the origin. Default 60 s (0: always revalidate). */
  revalidateAfterMs?: number;
  /** Text-to-speech engine. Default espeak-ng. */
  tts?: TextToSpeech;
}

interface UrlMeta {
  url: string;
  etag?: string;
  lastModified?: string;
  checkedAt: number;
}

interface PromptMeta {
  name: string;
  version: number;
}

interface MemoryEntry {
  audio: RenderedAudio;
  storedAt: number;
  bytes: number;
}

const SAMPLES_PER_MS = 8;

function rendered(pcm: Int16Array): RenderedAudio {
  return { pcm, durationMs: pcm.length / SAMPLES_PER_MS };
}

function pcmBytes(pcm: Int16Array): Buffer {
  return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}

/** The identity of a render: equal keys give byte-identical audio. */
export function renderKey(spec: PlaySpec, ttsId: string): string {
  switch (spec.type) {
    case 'tts':
      return JSON.stringify(['tts', ttsId, spec.voice, spec.language.toLowerCase(), spec.text]);
    case 'ssml':
      return JSON.stringify(['ssml', ttsId, spec.ssml]);
    case 'url':
      return JSON.stringify(['url', spec.url]);
    case 'prompt':
      return JSON.stringify(['prompt', spec.prompt_name, spec.version]);
  }
}

export class DefaultAudioRenderer implements AudioRenderer {
  readonly #o: Required<Omit<AudioRendererOptions, 'tts'>>;
  readonly #tts: TextToSpeech;
  readonly #disk: DiskCache<object>;
  readonly #inflight = new Map<string, Promise<RenderedAudio>>();
  /** Insertion order is recency order: a hit is deleted and re-inserted. */
  readonly #memory = new Map<string, MemoryEntry>();
  #memoryBytes = 0;

  constructor(options: AudioRendererOptions) {
    this.#o = {
      maxCacheBytes: 512 * 1024 * 1024,
      maxMemoryBytes: 64 * 1024 * 1024,
      fetchTimeoutMs: 10_000,
      maxDownloadBytes: 50 * 1024 * 1024,
      allowPrivateAddresses: false,
      allowPrivatePromptAddresses: true,
      revalidateAfterMs: 60_000,
      ...stripUndefined(options),
    };
    this.#tts = options.tts ?? new EspeakTts();
    this.#disk = new DiskCache(this.#o.cacheDir, this.#o.maxCacheBytes);
  }

  render(spec: PlaySpec, signal?: AbortSignal): Promise<RenderedAudio> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (spec.type === 'url') {
      // Refuse before any cache or network: a bad URL is bad whatever is cached.
      try {
        checkAudioUrl(spec.url, this.#o.allowPrivateAddresses);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const key = renderKey(spec, this.#tts.id);
    const hot = this.#fromMemory(key, spec.type === 'url');
    if (hot) return Promise.resolve(hot);
    let work = this.#inflight.get(key);
    if (!work) {
      // The shared work runs without any one caller's signal: another caller
      // may still want it, and it is bounded by the fetch timeout anyway.
      work = this.#produce(spec, key).then((audio) => {
        this.#remember(key, audio);
        return audio;
      });
      const settled = work.finally(() => this.#inflight.delete(key));
      settled.catch(() => undefined);
      this.#inflight.set(key, work);
    }
    return signal ? raceAbort(work, signal) : work;
  }

  async #produce(spec: PlaySpec, key: string): Promise<RenderedAudio> {
    switch (spec.type) {
      case 'tts':
        return this.#synthesised(key, () => this.#tts.synthesize({ text: spec.text, voice: spec.voice, language: spec.language }));
      case 'ssml':
        return this.#synthesised(key, () => this.#tts.synthesizeSsml(spec.ssml));
      case 'url':
        return this.#url(spec.url);
      case 'prompt':
        return this.#prompt(spec.prompt_name, spec.version, spec.fetch_url);
    }
  }

  async #synthesised(key: string, synthesize: () => Promise<Int16Array>): Promise<RenderedAudio> {
    const cached = await this.#disk.get(key);
    if (cached) return rendered(pcmFromBytes(cached.data));
    const pcm = await synthesize();
    await this.#disk.put(key, pcmBytes(pcm), { kind: 'synthesised' });
    return rendered(pcm);
  }

  async #url(url: string): Promise<RenderedAudio> {
    const key = `url:${url}`;
    const cached = (await this.#disk.get(key)) as { data: Buffer; meta: UrlMeta } | null;
    if (cached && Date.now() - cached.meta.checkedAt < this.#o.revalidateAfterMs) return rendered(pcmFromBytes(cached.data));
    const validators: Record<string, string> = {};
    if (cached?.meta.etag) validators['if-none-match'] = cached.meta.etag;
    if (cached?.meta.lastModified) validators['if-modified-since'] = cached.meta.lastModified;
    let response;
    try {
      response = await fetchAudioBytes(url, this.#limits(this.#o.allowPrivateAddresses), validators);
    } catch (err) {
      // The origin is down or slow but we hold a copy it validated before: play that rather than fail the call.
      if (cached && err instanceof AudioError && (err.code === 'fetch_failed' || err.code === 'fetch_timeout')) return rendered(pcmFromBytes(cached.data));
      throw err;
    }
    if (response.status === 304 && cached) {
      await this.#disk.touch(key, { ...cached.meta, checkedAt: Date.now() });
      return rendered(pcmFromBytes(cached.data));
    }
    if (response.status !== 200) throw new AudioError('fetch_failed', `fetching ${url} answered HTTP ${response.status}`);
    const pcm = await decodeToPcm(response.body);
    if (pcm.length === 0) throw new AudioError('decode_failed', `${url} decoded to no audio`);
    const meta: UrlMeta = { url, checkedAt: Date.now(), ...(response.etag ? { etag: response.etag } : {}), ...(response.lastModified ? { lastModified: response.lastModified } : {}) };
    await this.#disk.put(key, pcmBytes(pcm), meta);
    return rendered(pcm);
  }

  async #prompt(name: string, version: number, fetchUrl: string): Promise<RenderedAudio> {
    // One entry per prompt name: storing a new version overwrites (replaces) the old one.
    const key = `prompt:${name}`;
    const cached = (await this.#disk.get(key)) as { data: Buffer; meta: PromptMeta } | null;
    if (cached && cached.meta.version === version) return rendered(pcmFromBytes(cached.data));
    const response = await fetchAudioBytes(fetchUrl, this.#limits(this.#o.allowPrivatePromptAddresses));
    if (response.status === 404) throw new AudioError('prompt_not_found', `prompt "${name}" version ${version} does not exist`);
    if (response.status !== 200) throw new AudioError('fetch_failed', `fetching prompt "${name}" answered HTTP ${response.status}`);
    const pcm = await decodeToPcm(response.body);
    if (pcm.length === 0) throw new AudioError('decode_failed', `prompt "${name}" decoded to no audio`);
    await this.#disk.put(key, pcmBytes(pcm), { name, version } satisfies PromptMeta);
    return rendered(pcm);
  }

  #limits(allowPrivateAddresses: boolean): FetchLimits {
    return { timeoutMs: this.#o.fetchTimeoutMs, maxBytes: this.#o.maxDownloadBytes, allowPrivateAddresses };
  }

  #fromMemory(key: string, revalidates: boolean): RenderedAudio | null {
    const entry = this.#memory.get(key);
    if (!entry) return null;
    if (revalidates && Date.now() - entry.storedAt >= this.#o.revalidateAfterMs) return null;
    this.#memory.delete(key);
    this.#memory.set(key, entry);
    return entry.audio;
  }

  #remember(key: string, audio: RenderedAudio): void {
    const bytes = audio.pcm.byteLength;
    if (bytes > this.#o.maxMemoryBytes) return;
    const previous = this.#memory.get(key);
    if (previous) {
      this.#memoryBytes -= previous.bytes;
      this.#memory.delete(key);
    }
    this.#memory.set(key, { audio, storedAt: Date.now(), bytes });
    this.#memoryBytes += bytes;
    for (const [k, e] of this.#memory) {
      if (this.#memoryBytes <= this.#o.maxMemoryBytes) break;
      this.#memory.delete(k);
      this.#memoryBytes -= e.bytes;
    }
  }
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
