/** Any audio container/codec ffmpeg understands → 8 kHz mono signed 16-bit PCM. */
import { spawn } from 'node:child_process';
import { AudioError } from './audio-error.ts';

export function decodeToPcm(input: Buffer): Promise<Int16Array> {
  return runToPcm('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0', '-ar', '8000', '-ac', '1', '-f', 's16le', 'pipe:1'], input, 'decode_failed');
}

/** Runs a command that writes raw s16le to stdout; rejects with `code` on failure. */
export async function runToPcm(command: string, args: string[], stdin: Buffer | null, code: 'decode_failed' | 'synthesis_failed'): Promise<Int16Array> {
  const buf = await runCapture(command, args, stdin, code);
  const aligned = Buffer.alloc(buf.length - (buf.length % 2));
  buf.copy(aligned);
  return new Int16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2);
}

/** Runs a command with optional stdin and returns its stdout. */
export function runCapture(command: string, args: string[], stdin: Buffer | null, code: 'decode_failed' | 'synthesis_failed'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new AudioError(code, `${command} failed to start: ${e.message}`)));
    child.on('close', (status) => {
      if (status !== 0) return reject(new AudioError(code, `${command} exited ${status}: ${err.trim().slice(0, 300)}`));
      resolve(Buffer.concat(out));
    });
    if (stdin && child.stdin) {
      child.stdin.on('error', () => undefined); // ffmpeg may close early on bad input; the exit code says why
      child.stdin.end(stdin);
    }
  });
}
