// Each audio source played over a real call (SIPp as the callee) with the node's
// real renderer, for its true length within one frame: url and prompt audio made
// by sox at a known length, tts and ssml measured from espeak-ng's own WAV. The
// length played is read from the node's counters (frames of queued audio on the
// media clock), not from wall-clock timestamps, so a loaded machine cannot move it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { espeakLanguageFor, espeakVoiceFor } from '../../../media-node/src/audio/espeak-voices.ts';
import type { PlaySpec } from '../../../worker/src/media-protocol/index.ts';
import { disconnectedOf, hangupCommand, labels, originate, startNodeAgainstSipp, type NodeAgainstSipp } from './node-against-sipp.ts';

const FRAME_MS = 20;
const SOX_MS = 1370; // not a whole number of frames: the last one is partly silence
const TEXT = 'Your appointment is on Tuesday at nine.';
const SSML = '<speak>Press one to confirm, <break time="400ms"/> or two to cancel.</speak>';

let t: NodeAgainstSipp;
let server: Server;
let base = '';
let dir = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crier-lengths-'));
  // 22.05 kHz stereo: the renderer must resample and downmix without changing the length.
  execFileSync('sox', ['-n', '-r', '22050', '-c', '2', '-b', '16', join(dir, 'tone.wav'), 'synth', String(SOX_MS / 1000), 'sine', '600']);
  const wav = readFileSync(join(dir, 'tone.wav'));
  server = createServer((req, res) => {
    if (req.url === '/tone.wav' || req.url === '/prompts/welcome/1') return void res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  t = await startNodeAgainstSipp({
    sipp: { port: 15680, mediaPort: 16680 },
    sipPort: 15662,
    rtpMin: 34900,
    env: { AUDIO_CACHE_DIR: join(dir, 'cache'), ALLOW_PRIVATE_AUDIO_URLS: 'true' },
  });
});
afterAll(async () => {
  await t?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
});

/** The length of what espeak-ng itself writes for these arguments (its native rate), in ms. */
function espeakMs(args: string[], text: string): number {
  const out = join(dir, `espeak-${Math.random().toString(36).slice(2)}.wav`);
  execFileSync('espeak-ng', [...args, '-s', '160', '-w', out, '--stdin'], { input: text });
  const samples = Number(execFileSync('soxi', ['-s', out], { encoding: 'utf8' }).trim());
  const rate = Number(execFileSync('soxi', ['-r', out], { encoding: 'utf8' }).trim());
  return (samples / rate) * 1000;
}

/** Places a call playing `play`, waits for playfinished, hangs up; returns the frames of audio the leg played. */
async function playedFrames(play: PlaySpec): Promise<number> {
  const { voice_id, command } = originate('971501234560');
  command.play = play;
  expect((await t.worker.send(t.node.controlUrl, [command])).results[0]!.ok).toBe(true);
  await t.worker.waitFor(() => labels(t.worker, voice_id).includes('playstate:playfinished') || labels(t.worker, voice_id).includes('playstate:failed'), 20_000, `${play.type} played`);
  const leg = t.node.legs.get(voice_id)!;
  const frames = leg.rtp!.counters.playedFrames;
  // Ordering and presence only (the time from 200 OK to the first packet is a benchmark figure).
  expect(leg.rtp!.counters.firstPacketAt).not.toBeNull();
  expect(leg.rtp!.counters.firstPacketAt!).toBeGreaterThanOrEqual(leg.answeredAtPerf!);
  await t.worker.send(t.node.controlUrl, [hangupCommand(voice_id)]);
  await t.worker.waitFor(() => !!disconnectedOf(t.worker, voice_id), 10_000, 'disconnected');
  expect(labels(t.worker, voice_id)).toEqual(['ringing', 'connected', 'playstate:initiated', 'playstate:playfinished', 'disconnected']);
  return frames;
}

function expectWithinOneFrame(frames: number, trueMs: number) {
  expect(Math.abs(frames * FRAME_MS - trueMs)).toBeLessThanOrEqual(FRAME_MS);
}

describe('each audio source plays for its true length (within one frame) over a real call', () => {
  it('url: a 1.37 s WAV (22.05 kHz stereo) plays 69 frames', async () => {
    const frames = await playedFrames({ type: 'url', url: `${base}/tone.wav`, prompt_ref: 'url' });
    expectWithinOneFrame(frames, SOX_MS);
    expect(frames).toBe(Math.ceil(SOX_MS / FRAME_MS));
  });

  it('prompt: the same audio as an uploaded prompt (fetched by version) plays the same 69 frames', async () => {
    const frames = await playedFrames({ type: 'prompt', prompt_name: 'welcome', version: 1, fetch_url: `${base}/prompts/welcome/1`, prompt_ref: 'prompt' });
    expect(frames).toBe(Math.ceil(SOX_MS / FRAME_MS));
  });

  it('tts: as long as espeak-ng’s own rendering of the text', async () => {
    const trueMs = espeakMs(['-v', espeakVoiceFor('en-US', 'Female')!], TEXT);
    const frames = await playedFrames({ type: 'tts', text: TEXT, voice: 'Female', language: 'en-US', prompt_ref: 'tts' });
    expect(trueMs).toBeGreaterThan(1000);
    expectWithinOneFrame(frames, trueMs);
  });

  it('ssml: as long as espeak-ng’s own rendering of the document, the break included', async () => {
    const trueMs = espeakMs(['-m', '-v', espeakLanguageFor('en-US')!], SSML);
    const frames = await playedFrames({ type: 'ssml', ssml: SSML, prompt_ref: 'ssml' });
    expect(trueMs).toBeGreaterThan(1000);
    expectWithinOneFrame(frames, trueMs);
  });
});
