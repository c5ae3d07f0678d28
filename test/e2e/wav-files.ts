// WAV in and out for the e2e tests: a pure tone to upload as a prompt (made
// here, never committed), and a reader that walks the RIFF chunks of a
// downloaded recording into one sample array per channel.
import { allocPcm16Wav, WAV_HEADER_BYTES } from '../../media-node/src/codec/wav.ts';

/** Mono 16-bit PCM WAV holding a sine tone. */
export function toneWav(frequencyHz: number, seconds: number, sampleRate = 8000, amplitude = 12000): Buffer {
  const n = Math.round(seconds * sampleRate);
  const wav = allocPcm16Wav(1, sampleRate, n);
  for (let i = 0; i < n; i++) wav.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRate)), WAV_HEADER_BYTES + i * 2);
  return wav;
}

export interface PcmWav {
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** One array per channel (16-bit files only). */
  channel: Int16Array[];
  durationS: number;
}

/** Parses a PCM WAV by its chunks (fmt, data; others skipped); throws on anything else. */
export function readPcmWav(buf: Buffer): PcmWav {
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let fmt: Omit<PcmWav, 'channel' | 'durationS'> | null = null;
  for (let at = 12; at + 8 <= buf.length; ) {
    const id = buf.toString('ascii', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') fmt = { format: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bitsPerSample: buf.readUInt16LE(body + 14) };
    if (id === 'data') {
      if (!fmt) throw new Error('data chunk before fmt');
      if (fmt.bitsPerSample !== 16) throw new Error(`${fmt.bitsPerSample}-bit samples`);
      if (body + size > buf.length) throw new Error(`data chunk says ${size} bytes, file has ${buf.length - body}`);
      const frames = size / (2 * fmt.channels);
      const channel = Array.from({ length: fmt.channels }, (_, c) => Int16Array.from({ length: frames }, (_, i) => buf.readInt16LE(body + (i * fmt!.channels + c) * 2)));
      return { ...fmt, channel, durationS: frames / fmt.sampleRate };
    }
    at = body + size + (size % 2);
  }
  throw new Error('no data chunk');
}
