// Audio sources for real: espeak-ng TTS and SSML, URLs fetched from a local
// node:http server and decoded by ffmpeg, the validator-aware disk cache,
// prompts by version, shared renders, and every refusal (private addresses,
// size, timeout, unknown language) as a typed AudioError.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import http, { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AudioError, DefaultAudioRenderer, type AudioRendererOptions, type TextToSpeech } from '../../../media-node/src/audio/index.ts';

let server: Server;
let base = '';
let connections = 0;
const hits: IncomingMessage[] = [];
let toneWav: Buffer;
let toneMp3: Buffer;
let promptVersion = 3;

const TONE_MS = 1250;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'crier-audio-'));
  // 16 kHz stereo WAV and a 44.1 kHz MP3: the renderer must resample and downmix.
  execFileSync('sox', ['-n', '-r', '16000', '-c', '2', '-b', '16', join(dir, 'tone.wav'), 'synth', String(TONE_MS / 1000), 'sine', '700']);
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=500:duration=2', '-ar', '44100', join(dir, 'tone.mp3')]);
  toneWav = readFileSync(join(dir, 'tone.wav'));
  toneMp3 = readFileSync(join(dir, 'tone.mp3'));
  server = createServer((req, res) => {
    hits.push(req);
    const url = req.url ?? '';
    if (url === '/etag.wav') {
      if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304, { etag: '"v1"' }).end();
      return void res.writeHead(200, { 'content-type': 'audio/wav', etag: '"v1"' }).end(toneWav);
    }
    if (url === '/dated.mp3') {
      const stamp = 'Mon, 02 Nov 2026 10:00:00 GMT';
      if (req.headers['if-modified-since'] === stamp) return void res.writeHead(304).end();
      return void res.writeHead(200, { 'content-type': 'audio/mpeg', 'last-modified': stamp }).end(toneMp3);
    }
    if (url.startsWith('/plain')) return void res.writeHead(200, { 'content-type': 'audio/wav' }).end(toneWav);
    if (url === '/big-declared.wav') return void res.writeHead(200, { 'content-length': String(3_000_000) }).end(Buffer.alloc(3_000_000));
    if (url === '/big-chunked.wav') {
      // No Content-Length: the cap must be enforced while streaming.
      res.writeHead(200, { 'content-type': 'audio/wav' });
      let sent = 0;
      const pump = (): void => {
        while (sent < 3_000_000) {
          sent += 64 * 1024;
          if (!res.write(Buffer.alloc(64 * 1024))) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      return pump();
    }
    if (url === '/stalls-mid-body.wav') {
      // Headers and a first chunk at once, then nothing: the deadline covers the body too.
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.write(toneWav.subarray(0, 1000));
      res.on('error', () => undefined);
      return void setTimeout(() => res.end(), 5_000).unref();
    }
    if (url === '/slow.wav') return void setTimeout(() => res.writeHead(200).end(toneWav), 3_000).unref();
    if (url === '/redirect-to-plain') return void res.writeHead(302, { location: '/plain-r.wav' }).end();
    if (url === '/redirect-to-file') return void res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    if (url === '/not-audio.wav') return void res.writeHead(200).end('<html>not audio</html>');
    if (url.startsWith('/prompt/welcome/')) {
      const v = Number(url.split('/').pop());
      if (v > promptVersion) return void res.writeHead(404).end();
      return void res.writeHead(200, { 'content-type': 'audio/wav' }).end(toneWav);
    }
    res.writeHead(404).end();
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
afterEach(() => vi.restoreAllMocks());

const newCacheDir = () => mkdtempSync(join(tmpdir(), 'crier-cache-'));
const renderer = (extra: Partial<AudioRendererOptions> = {}) => new DefaultAudioRenderer({ cacheDir: newCacheDir(), allowPrivateAddresses: true, revalidateAfterMs: 0, ...extra });
const hitsOf = (path: string) => hits.filter((h) => h.url === path);
const url = (u: string) => ({ type: 'url' as const, url: u, prompt_ref: 'p' });

/** A TextToSpeech that counts calls and returns a fixed second of audio. */
class CountingTts implements TextToSpeech {
  readonly id = 'counting';
  calls = 0;
  async synthesize(): Promise<Int16Array> {
    this.calls++;
    await new Promise((r) => setTimeout(r, 50));
    return new Int16Array(8000).fill(1000);
  }
  async synthesizeSsml(): Promise<Int16Array> {
    return this.synthesize();
  }
}

describe('tts (espeak-ng)', () => {
  it('speaks the text at 8 kHz; Female and Male differ; duration matches the samples', async () => {
    const r = renderer();
    const spec = { type: 'tts' as const, text: 'Your appointment is tomorrow at nine.', language: 'en-US', prompt_ref: 'p' };
    const female = await r.render({ ...spec, voice: 'Female' });
    const male = await r.render({ ...spec, voice: 'Male' });
    expect(female.durationMs).toBe(female.pcm.length / 8);
    expect(female.durationMs).toBeGreaterThan(1200);
    expect(female.durationMs).toBeLessThan(5000);
    expect(Buffer.from(female.pcm.buffer).equals(Buffer.from(male.pcm.buffer))).toBe(false);
  });

  it.each([['ar', 'مرحبا بكم'], ['fr-CA', 'Bonjour à tous'], ['de-DE', 'Guten Tag'], ['es-MX', 'Buenos días'], ['hi-IN', 'नमस्ते'], ['en-IN', 'Hello there']])('speaks %s', async (language, text) => {
    const out = await renderer().render({ type: 'tts', text, voice: 'Female', language, prompt_ref: 'p' });
    expect(out.durationMs).toBeGreaterThan(300);
  });

  it('an unknown language is a typed unsupported_language error, not a crash', async () => {
    const err = await renderer().render({ type: 'tts', text: 'hi', voice: 'Male', language: 'xx-YY', prompt_ref: 'p' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AudioError);
    expect(err).toMatchObject({ code: 'unsupported_language' });
  });
});

describe('ssml (espeak-ng -m)', () => {
  it('renders the spec’s example (the provider voice name falls back to its locale)', async () => {
    const out = await renderer().render({
      type: 'ssml',
      ssml: '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-IN"><voice name="en-IN-NeerjaNeural">Press <say-as interpret-as="digits">9</say-as> for English.</voice></speak>',
      prompt_ref: 'p',
    });
    expect(out.durationMs).toBeGreaterThan(800);
    expect(out.durationMs).toBeLessThan(4000);
  });

  it('an SSML language espeak cannot speak is unsupported_language', async () => {
    await expect(renderer().render({ type: 'ssml', ssml: '<speak xml:lang="xx-YY">hi</speak>', prompt_ref: 'p' })).rejects.toMatchObject({ code: 'unsupported_language' });
  });
});

describe('shared renders', () => {
  it('renders the same message for many recipients once, concurrently and afterwards, across restarts', async () => {
    const tts = new CountingTts();
    const cacheDir = newCacheDir();
    const r = new DefaultAudioRenderer({ cacheDir, tts });
    const spec = { type: 'tts' as const, text: 'Same for everyone', voice: 'Female' as const, language: 'en-US', prompt_ref: 'p' };
    const outs = await Promise.all(Array.from({ length: 50 }, () => r.render(spec)));
    expect(tts.calls).toBe(1);
    expect(new Set(outs.map((o) => o.pcm)).size).toBe(1);
    await r.render(spec);
    expect(tts.calls).toBe(1);
    // A new process (new renderer, same directory) finds it on disk.
    await new DefaultAudioRenderer({ cacheDir, tts }).render(spec);
    expect(tts.calls).toBe(1);
    await r.render({ ...spec, text: 'Something else' });
    expect(tts.calls).toBe(2);
  });

  it('an aborted caller gets an aborted error; the shared render still completes for others', async () => {
    const tts = new CountingTts();
    const r = new DefaultAudioRenderer({ cacheDir: newCacheDir(), tts });
    const spec = { type: 'tts' as const, text: 'abort me', voice: 'Male' as const, language: 'en-US', prompt_ref: 'p' };
    const controller = new AbortController();
    const aborted = r.render(spec, controller.signal);
    const other = r.render(spec);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'aborted' });
    expect((await other).durationMs).toBe(1000);
    expect(tts.calls).toBe(1);
  });
});

describe('url', () => {
  it('decodes any format to 8 kHz mono of the true length', async () => {
    const wav = await renderer().render(url(`${base}/plain-a.wav`));
    expect(Math.abs(wav.durationMs - TONE_MS)).toBeLessThanOrEqual(5);
    const mp3 = await renderer().render(url(`${base}/dated.mp3`));
    expect(Math.abs(mp3.durationMs - 2000)).toBeLessThan(60); // MP3 frames pad a little
  });

  it('revalidates with If-None-Match: a 304 reuses the cached audio', async () => {
    const r = renderer();
    const first = await r.render(url(`${base}/etag.wav`));
    const second = await r.render(url(`${base}/etag.wav`));
    const reqs = hitsOf('/etag.wav');
    expect(reqs.at(-2)!.headers['if-none-match']).toBeUndefined();
    expect(reqs.at(-1)!.headers['if-none-match']).toBe('"v1"');
    expect(second.pcm).toEqual(first.pcm);
  });

  it('revalidates with If-Modified-Since when the origin gives Last-Modified', async () => {
    const r = renderer();
    await r.render(url(`${base}/dated.mp3`));
    const again = await r.render(url(`${base}/dated.mp3`));
    expect(hitsOf('/dated.mp3').at(-1)!.headers['if-modified-since']).toBe('Mon, 02 Nov 2026 10:00:00 GMT');
    expect(again.durationMs).toBeGreaterThan(1900);
  });

  it('does not ask the origin again within revalidateAfterMs, even from a new renderer on the same cache', async () => {
    const cacheDir = newCacheDir();
    const make = () => new DefaultAudioRenderer({ cacheDir, allowPrivateAddresses: true, revalidateAfterMs: 60_000 });
    await make().render(url(`${base}/plain-b.wav`));
    await make().render(url(`${base}/plain-b.wav`));
    expect(hitsOf('/plain-b.wav')).toHaveLength(1);
  });

  it('caps the cache size, evicting the least recently used', async () => {
    const cacheDir = newCacheDir();
    // One decoded tone is 20 kB; room for two.
    const r = new DefaultAudioRenderer({ cacheDir, allowPrivateAddresses: true, revalidateAfterMs: 60_000, maxCacheBytes: 45_000, maxMemoryBytes: 0 });
    await r.render(url(`${base}/plain-c1.wav`));
    await new Promise((res) => setTimeout(res, 10));
    await r.render(url(`${base}/plain-c2.wav`));
    await new Promise((res) => setTimeout(res, 10));
    await r.render(url(`${base}/plain-c1.wav`)); // c1 is now the most recently used
    await new Promise((res) => setTimeout(res, 10));
    await r.render(url(`${base}/plain-c3.wav`)); // over the cap: c2 goes
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.pcm'))).toHaveLength(2);
    await r.render(url(`${base}/plain-c1.wav`));
    await r.render(url(`${base}/plain-c2.wav`));
    expect(hitsOf('/plain-c1.wav')).toHaveLength(1);
    expect(hitsOf('/plain-c2.wav')).toHaveLength(2);
  });

  it('refuses a download over the size limit, declared or streamed', async () => {
    const r = renderer({ maxDownloadBytes: 1_000_000 });
    await expect(r.render(url(`${base}/big-declared.wav`))).rejects.toMatchObject({ code: 'too_large' });
    await expect(r.render(url(`${base}/big-chunked.wav`))).rejects.toMatchObject({ code: 'too_large' });
  });

  it('gives up on a slow server after fetchTimeoutMs', async () => {
    const started = Date.now();
    await expect(renderer({ fetchTimeoutMs: 400 }).render(url(`${base}/slow.wav`))).rejects.toMatchObject({ code: 'fetch_timeout' });
    await expect(renderer({ fetchTimeoutMs: 400 }).render(url(`${base}/stalls-mid-body.wav`))).rejects.toMatchObject({ code: 'fetch_timeout' });
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('reports undecodable content and HTTP errors as typed errors', async () => {
    await expect(renderer().render(url(`${base}/not-audio.wav`))).rejects.toMatchObject({ code: 'decode_failed' });
    await expect(renderer().render(url(`${base}/missing.wav`))).rejects.toMatchObject({ code: 'fetch_failed' });
  });
});

describe('url SSRF guard', () => {
  it('refuses 127.0.0.1 unless allowPrivateAddresses, without connecting', async () => {
    const before = connections;
    await expect(renderer({ allowPrivateAddresses: false }).render(url(`${base}/plain-d.wav`))).rejects.toMatchObject({ code: 'forbidden_address' });
    expect(connections).toBe(before);
    await expect(renderer({ allowPrivateAddresses: true }).render(url(`${base}/plain-d.wav`))).resolves.toBeTruthy();
  });

  it.each(['http://10.0.0.8/a.wav', 'http://192.168.1.1/a.wav', 'http://169.254.169.254/latest/meta-data', 'http://172.16.5.4/a.wav', 'http://[::1]/a.wav', 'http://[::ffff:10.0.0.1]/a.wav', 'http://0.0.0.0/a.wav'])('refuses %s before any connection is attempted', async (target) => {
    const get = vi.spyOn(http, 'get');
    await expect(renderer({ allowPrivateAddresses: false }).render(url(target))).rejects.toMatchObject({ code: 'forbidden_address' });
    expect(get).not.toHaveBeenCalled();
  });

  it('checks every DNS answer: a name resolving to loopback is refused at connect time', async () => {
    const before = connections;
    const port = (server.address() as { port: number }).port;
    await expect(renderer({ allowPrivateAddresses: false }).render(url(`http://localhost:${port}/plain-e.wav`))).rejects.toMatchObject({ code: 'forbidden_address' });
    expect(connections).toBe(before);
  });

  it('follows redirects but checks every hop with the same guard', async () => {
    // With no public DNS here the first hop must be local, so the private-address
    // refusal of a later hop is shown by the scheme check that shares its code path.
    const r = renderer({ allowPrivateAddresses: true });
    expect((await r.render(url(`${base}/redirect-to-plain`))).durationMs).toBeCloseTo(TONE_MS, -1);
    await expect(r.render(url(`${base}/redirect-to-file`))).rejects.toMatchObject({ code: 'bad_url' });
  });

  it('refuses other schemes', async () => {
    for (const target of ['file:///etc/passwd', 'ftp://example.com/a.wav', 'gopher://x/']) {
      await expect(renderer().render({ type: 'url', url: target, prompt_ref: 'p' })).rejects.toMatchObject({ code: 'bad_url' });
    }
  });
});

describe('prompt', () => {
  it('is fetched once per version; a new version replaces the old; a missing one is prompt_not_found', async () => {
    const cacheDir = newCacheDir();
    const r = new DefaultAudioRenderer({ cacheDir, maxMemoryBytes: 0 });
    const spec = { type: 'prompt' as const, prompt_name: 'welcome', version: 3, fetch_url: `${base}/prompt/welcome/3`, prompt_ref: 'p' };
    const first = await r.render(spec);
    expect(Math.abs(first.durationMs - TONE_MS)).toBeLessThanOrEqual(5);
    await r.render(spec);
    expect(hitsOf('/prompt/welcome/3')).toHaveLength(1);
    promptVersion = 4;
    await r.render({ ...spec, version: 4, fetch_url: `${base}/prompt/welcome/4` });
    expect(hitsOf('/prompt/welcome/4')).toHaveLength(1);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.pcm'))).toHaveLength(1); // v3 was replaced, not kept beside v4
    await expect(r.render({ ...spec, version: 9, fetch_url: `${base}/prompt/welcome/9` })).rejects.toMatchObject({ code: 'prompt_not_found' });
  });
});
