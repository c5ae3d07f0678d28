/** The canonical 44-byte RIFF/WAVE header for 16-bit PCM: pure, no I/O. */
export const WAV_HEADER_BYTES = 44;

/** A buffer with the header written for `samplesPerChannel` frames of 16-bit PCM; the samples go after WAV_HEADER_BYTES. */
export function allocPcm16Wav(channels: number, sampleRate: number, samplesPerChannel: number): Buffer {
  const dataBytes = samplesPerChannel * channels * 2;
  const wav = Buffer.alloc(WAV_HEADER_BYTES + dataBytes);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write('WAVE', 8);
  wav.write('fmt ', 12);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(channels, 22);
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * channels * 2, 28); // byte rate
  wav.writeUInt16LE(channels * 2, 32); // block align
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(dataBytes, 40);
  return wav;
}
