/**
 * A size-capped directory of decoded PCM blobs with a small JSON sidecar of
 * metadata (validators, prompt version). Least recently *used* entries are
 * evicted first: reads bump recency, so the greeting every call plays stays
 * while last week's one-off goes. The index lives in memory and is rebuilt
 * from file times on start; file names are hashes, never caller text.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CacheEntry<M> {
  data: Buffer;
  meta: M;
}

interface IndexEntry {
  bytes: number;
  lastUsed: number;
}

export class DiskCache<M extends object> {
  readonly #dir: string;
  readonly #maxBytes: number;
  #index: Map<string, IndexEntry> | null = null;
  #loading: Promise<Map<string, IndexEntry>> | null = null;
  #total = 0;
  #tmpSeq = 0;

  constructor(dir: string, maxBytes: number) {
    this.#dir = dir;
    this.#maxBytes = maxBytes;
  }

  static fileId(key: string): string {
    return createHash('sha256').update(key).digest('hex');
  }

  /** Bytes currently held (data + metadata). */
  async sizeBytes(): Promise<number> {
    await this.#load();
    return this.#total;
  }

  async get(key: string): Promise<CacheEntry<M> | null> {
    const index = await this.#load();
    const id = DiskCache.fileId(key);
    if (!index.has(id)) return null;
    try {
      const [data, metaText] = await Promise.all([readFile(this.#data(id)), readFile(this.#meta(id), 'utf8')]);
      const now = new Date();
      index.get(id)!.lastUsed = now.getTime();
      await utimes(this.#data(id), now, now).catch(() => undefined);
      return { data, meta: JSON.parse(metaText) as M };
    } catch {
      await this.delete(key); // half-written or removed behind our back: treat as a miss
      return null;
    }
  }

  /** Updates metadata only (a 304 refreshes validators and time without rewriting the audio). */
  async touch(key: string, meta: M): Promise<void> {
    const id = DiskCache.fileId(key);
    await this.#atomicWrite(this.#meta(id), JSON.stringify(meta));
    const entry = (await this.#load()).get(id);
    if (entry) entry.lastUsed = Date.now();
  }

  async put(key: string, data: Buffer, meta: M): Promise<void> {
    const index = await this.#load();
    const id = DiskCache.fileId(key);
    const metaText = JSON.stringify(meta);
    await mkdir(this.#dir, { recursive: true });
    await this.#atomicWrite(this.#data(id), data);
    await this.#atomicWrite(this.#meta(id), metaText);
    const previous = index.get(id);
    if (previous) this.#total -= previous.bytes;
    const bytes = data.length + Buffer.byteLength(metaText);
    index.set(id, { bytes, lastUsed: Date.now() });
    this.#total += bytes;
    await this.#evict(id);
  }

  async delete(key: string): Promise<void> {
    await this.#remove(DiskCache.fileId(key));
  }

  #data(id: string): string {
    return join(this.#dir, `${id}.pcm`);
  }

  #meta(id: string): string {
    return join(this.#dir, `${id}.json`);
  }

  /** Write then rename, so a reader never sees half a file. */
  async #atomicWrite(path: string, content: Buffer | string): Promise<void> {
    const tmp = `${path}.${process.pid}.${this.#tmpSeq++}.tmp`;
    await writeFile(tmp, content);
    await rename(tmp, path);
  }

  async #remove(id: string): Promise<void> {
    const index = await this.#load();
    const entry = index.get(id);
    if (entry) {
      this.#total -= entry.bytes;
      index.delete(id);
    }
    await Promise.all([unlink(this.#data(id)).catch(() => undefined), unlink(this.#meta(id)).catch(() => undefined)]);
  }

  /** Drops least recently used entries until under the cap; never the one just written. */
  async #evict(keep: string): Promise<void> {
    if (this.#total <= this.#maxBytes) return;
    const index = await this.#load();
    const byAge = [...index.entries()].filter(([id]) => id !== keep).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [id] of byAge) {
      if (this.#total <= this.#maxBytes) break;
      await this.#remove(id);
    }
  }

  #load(): Promise<Map<string, IndexEntry>> {
    if (this.#index) return Promise.resolve(this.#index);
    this.#loading ??= (async () => {
      const index = new Map<string, IndexEntry>();
      const names = await readdir(this.#dir).catch(() => [] as string[]);
      for (const name of names) {
        const match = /^([0-9a-f]{64})\.pcm$/.exec(name);
        if (!match) continue;
        const data = await stat(join(this.#dir, name)).catch(() => null);
        const meta = await stat(join(this.#dir, `${match[1]}.json`)).catch(() => null);
        if (!data || !meta) continue;
        index.set(match[1]!, { bytes: data.size + meta.size, lastUsed: data.mtimeMs });
        this.#total += data.size + meta.size;
      }
      this.#index = index;
      return index;
    })();
    return this.#loading;
  }
}
