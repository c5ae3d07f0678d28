/**
 * Child-process pipelines that end in 8 kHz mono signed 16-bit PCM: ffmpeg
 * decoding of any container/codec, and the generic "run a tool, capture its
 * stdout" they and espeak-ng share. Failures become typed AudioErrors; an
 * AbortSignal kills the child.
 */
import { spawn } from 'node:child_process';
import { AudioError, type AudioErrorCode } from './audio-error.ts';

/** ffmpeg arguments after the input: resample, downmix, raw little-endian 16-bit. */
const TO_8K_MONO_S16LE = ['-vn', '-ar', '8000', '-ac', '1', '-f', 's16le', '-acodec', 'pcm_s16le', 'pipe:1'];

/** Decodes an in-memory audio file (any format ffmpeg reads). */
export function decodeToPcm(input: Buffer, signal?: AbortSignal): Promise<Int16Array> {
  return runToPcm('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0', ...TO_8K_MONO_S16LE], input, 'decode_failed', signal);
}

/** Decodes a file on disk; ffmpeg can seek, which some containers (MP4/M4A) need. */
export function decodeFileToPcm(path: string, signal?: AbortSignal): Promise<Int16Array> {
  return runToPcm('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', path, ...TO_8K_MONO_S16LE], null, 'decode_failed', signal);
}

/** Runs a command that writes raw s16le to stdout; rejects with `code` on failure. */
export async function runToPcm(command: string, args: string[], stdin: Buffer | null, code: AudioErrorCode, signal?: AbortSignal): Promise<Int16Array> {
  return pcmFromBytes(await runCapture(command, args, stdin, code, signal));
}

/** Views little-endian s16 bytes as samples, copying so the result is aligned and owns its memory. */
export function pcmFromBytes(bytes: Uint8Array): Int16Array {
  const samples = new Int16Array(Math.floor(bytes.byteLength / 2));
  new Uint8Array(samples.buffer).set(bytes.subarray(0, samples.length * 2));
  return samples;
}

/** Runs a command with optional stdin and returns its stdout. */
export function runCapture(command: string, args: string[], stdin: Buffer | null, code: AudioErrorCode, signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const child = spawn(command, args, { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const onAbort = (): void => {
      child.kill('SIGKILL');
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => {
      if (err.length < 4000) err += d.toString();
    });
    child.on('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new AudioError(code, `${command} failed to start: ${e.message}`));
    });
    child.on('close', (status) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return;
      if (status !== 0) return reject(new AudioError(code, `${command} exited ${status}: ${err.trim().slice(0, 300)}`));
      resolve(Buffer.concat(out));
    });
    if (stdin && child.stdin) {
      child.stdin.on('error', () => undefined); // ffmpeg may close early on bad input; the exit code says why
      child.stdin.end(stdin);
    }
  });
}

export function abortError(signal: AbortSignal): AudioError {
  const reason: unknown = signal.reason;
  return new AudioError('aborted', `audio rendering aborted${reason instanceof Error ? `: ${reason.message}` : ''}`);
}
