// G.711 payload decoded by sox (a decoder we did not write), so a wire test
// proves which law the bytes really are instead of reusing our own codec.
import { execFileSync } from 'node:child_process';

/** Decodes raw G.711 with sox (A-law "al" or μ-law "ul") into 16-bit samples. */
export function decodeWithSox(payload: Uint8Array, law: 'al' | 'ul'): Int16Array {
  const out = execFileSync('sox', ['-t', law, '-r', '8000', '-c', '1', '-', '-t', 's16', '-e', 'signed-integer', '-b', '16', '-L', '-'], { input: payload, maxBuffer: 64 * 1024 * 1024 });
  return new Int16Array(out.buffer, out.byteOffset, Math.floor(out.byteLength / 2));
}
