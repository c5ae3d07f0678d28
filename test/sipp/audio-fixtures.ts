/**
 * Audio the simulated carrier plays into calls, generated (not committed) into
 * a directory SIPp runs in: human.ulaw ("Hello?" then listening silence),
 * machine.ulaw (a voicemail greeting, a 1 kHz beep, then silence) and
 * tone.ulaw (a steady 1 kHz tone), raw PCMU.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const SIPP_AUDIO_DIR = new URL('../fixtures/generated/sipp/', import.meta.url).pathname;

function toUlaw(wav: string, out: string): void {
  execFileSync('ffmpeg', ['-y', '-hide_banner', '-loglevel', 'error', '-i', wav, '-ar', '8000', '-ac', '1', '-f', 'mulaw', out]);
}

export function ensureCarrierAudio(dir = SIPP_AUDIO_DIR): string {
  mkdirSync(dir, { recursive: true });
  const human = join(dir, 'human.ulaw');
  const machine = join(dir, 'machine.ulaw');
  if (!existsSync(human)) {
    execFileSync('espeak-ng', ['-v', 'en-us+m3', '-w', join(dir, 'hello22k.wav'), 'Hello?']);
    execFileSync('sox', [join(dir, 'hello22k.wav'), '-r', '8000', '-c', '1', join(dir, 'hello.wav')]);
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', join(dir, 'lead.wav'), 'trim', '0', '0.3']);
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', join(dir, 'quiet.wav'), 'trim', '0', '30']);
    execFileSync('sox', [join(dir, 'lead.wav'), join(dir, 'hello.wav'), join(dir, 'quiet.wav'), '-r', '8000', '-c', '1', join(dir, 'human.wav')]);
    toUlaw(join(dir, 'human.wav'), human);
  }
  if (!existsSync(machine)) {
    execFileSync('espeak-ng', ['-v', 'en-us+f3', '-w', join(dir, 'greeting22k.wav'), "Hi, you have reached Sam. I can't take your call right now. Please leave a message after the tone."]);
    execFileSync('sox', [join(dir, 'greeting22k.wav'), '-r', '8000', '-c', '1', join(dir, 'greeting.wav')]);
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', join(dir, 'beep.wav'), 'synth', '0.6', 'sine', '1000', 'vol', '0.5']);
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', join(dir, 'gap.wav'), 'trim', '0', '0.4']);
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', join(dir, 'after.wav'), 'trim', '0', '60']);
    execFileSync('sox', [join(dir, 'gap.wav'), join(dir, 'greeting.wav'), join(dir, 'gap.wav'), join(dir, 'beep.wav'), join(dir, 'after.wav'), '-r', '8000', '-c', '1', join(dir, 'machine.wav')]);
    toUlaw(join(dir, 'machine.wav'), machine);
  }
  const tone = join(dir, 'tone.ulaw');
  if (!existsSync(tone)) {
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', join(dir, 'tone.wav'), 'synth', '60', 'sine', '1000', 'vol', '0.4']);
    toUlaw(join(dir, 'tone.wav'), tone);
  }
  return dir;
}
