// Audio sources for real: espeak-ng TTS and SSML, URLs fetched and decoded by
// ffmpeg with a validator-aware disk cache, prompts cached by version, and the
// refusals (private addresses, size, timeout, unknown language).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DefaultAudioRenderer } from '../../../media-node/src/audio/renderer.ts';
import { AudioError } from '../../../media-node/src/audio/audio-error.ts';

let server: Server;
let base = '';
const hits: Array<{ path: string; inm?: string }> = [];
let toneWav: Buffer;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'crier-audio-'));
  // A 1.25 s tone at 16 kHz stereo: the renderer must resample and downmix.
  execFileSync('sox', ['-n', '-r', '16000', '-c', '2', join(dir, 'tone.wav'), 'synth', '1.25', 'sine', '700']);
  toneWav = readFileSync(join(dir, 'tone.wav'));
  server = createServer((req, res) => {
    hits.push({ path: req.url!, inm: req.headers['if-none-match'] as string | undefined });
    if (req.url === '/tone.wav') {
      if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'audio/wav', etag: '"v1"' }).end(toneWav);
    } else if (req.url === '/big.wav') {
      res.writeHead(200, { 'content-length': String(10_000_000) }).end(Buffer.alloc(10_000_000));
    } else if (req.url === '/slow.wav') {
      setTimeout(() => res.writeHead(200).end(toneWav), 3_000);
    } else if (req.url?.startsWith('/prompt/')) {
      res.writeHead(200, { 'content-type': 'audio/wav' }).end(toneWav);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const renderer = (extra = {}) => new DefaultAudioRenderer({ cacheDir: mkdtempSync(join(tmpdir(), 'crier-cache-')), allowPrivateAddresses: true, revalidateAfterMs: 0, ...extra });

describe('audio sources', () => {
  it('tts: speaks the text at 8 kHz, female and male differently', async () => {
    const r = renderer();
    const female = await r.render({ type: 'tts', text: 'Your appointment is tomorrow at nine.', voice: 'Female', language: 'en-US', prompt_ref: 'a' });
    const male = await r.render({ type: 'tts', text: 'Your appointment is tomorrow at nine.', voice: 'Male', language: 'en-US', prompt_ref: 'a' });
    expect(female.durationMs).toBeGreaterThan(1200);
    expect(female.durationMs).toBeLessThan(5000);
    expect(female.pcm.length).toBe((female.durationMs / 1000) * 8000);
    expect(Buffer.from(female.pcm.buffer).equals(Buffer.from(male.pcm.buffer))).toBe(false);
    expect((await r.render({ type: 'tts', text: 'مرحبا', voice: 'Male', language: 'ar', prompt_ref: 'a' })).durationMs).toBeGreaterThan(200);
  });

  it('tts: an unknown language is a clear error, not a crash', async () => {
    await expect(renderer().render({ type: 'tts', text: 'hi', voice: 'Male', language: 'xx-YY', prompt_ref: 'a' })).rejects.toMatchObject({ code: 'unsupported_language' });
  });

  it('ssml: renders the spec’s example (provider voice names fall back to the language)', async () => {
    const out = await renderer().render({
      type: 'ssml',
      ssml: '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-IN"><voice name="en-IN-NeerjaNeural">Press <say-as interpret-as="digits">9</say-as> for English.</voice></speak>',
      prompt_ref: 'a',
    });
    expect(out.durationMs).toBeGreaterThan(800);
  });

  it('url: decodes any format to 8 kHz mono of the true length, caches it and revalidates with If-None-Match', async () => {
    const r = renderer();
    const first = await r.render({ type: 'url', url: `${base}/tone.wav`, prompt_ref: 'a' });
    expect(Math.abs(first.durationMs - 1250)).toBeLessThan(20);
    const second = await r.render({ type: 'url', url: `${base}/tone.wav`, prompt_ref: 'a' });
    expect(second.pcm.length).toBe(first.pcm.length);
    const toneHits = hits.filter((h) => h.path === '/tone.wav');
    expect(toneHits.at(-1)!.inm).toBe('"v1"'); // conditional GET answered 304, cache reused
  });

  it('url: refuses private addresses unless allowed, other schemes, oversize and slow servers', async () => {
    const strict = renderer({ allowPrivateAddresses: false });
    for (const url of ['http://127.0.0.1:9/a.wav', 'http://10.0.0.8/a.wav', 'http://192.168.1.1/a.wav', 'http://169.254.169.254/latest']) {
      await expect(strict.render({ type: 'url', url, prompt_ref: 'a' })).rejects.toMatchObject({ code: 'forbidden_address' });
    }
    await expect(strict.render({ type: 'url', url: 'file:///etc/passwd', prompt_ref: 'a' })).rejects.toMatchObject({ code: 'bad_url' });
    await expect(renderer({ maxDownloadBytes: 1_000_000 }).render({ type: 'url', url: `${base}/big.wav`, prompt_ref: 'a' })).rejects.toMatchObject({ code: 'too_large' });
    await expect(renderer({ fetchTimeoutMs: 500 }).render({ type: 'url', url: `${base}/slow.wav`, prompt_ref: 'a' })).rejects.toBeInstanceOf(AudioError);
  });

  it('prompt: fetched once per name and version', async () => {
    const r = renderer();
    const spec = { type: 'prompt' as const, prompt_name: 'welcome', version: 3, fetch_url: `${base}/prompt/welcome/3`, prompt_ref: 'a' };
    await r.render(spec);
    const before = hits.filter((h) => h.path === '/prompt/welcome/3').length;
    await r.render(spec);
    expect(hits.filter((h) => h.path === '/prompt/welcome/3').length).toBe(before);
    await r.render({ ...spec, version: 4, fetch_url: `${base}/prompt/welcome/4` });
    expect(hits.some((h) => h.path === '/prompt/welcome/4')).toBe(true);
  });
});
