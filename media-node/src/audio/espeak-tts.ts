/**
 * Text-to-speech behind an interface a cloud engine can implement later; the
 * default is espeak-ng, local and free. BCP-47 tags map to espeak voices by
 * the installed voice list (full tag, then base language, then the English
 * regional fallbacks); Female/Male choose espeak's f3/m3 variants.
 */
import { execFileSync } from 'node:child_process';
import { AudioError } from './audio-error.ts';
import { runCapture, runToPcm } from './ffmpeg-decode.ts';

export interface TextToSpeech {
  synthesize(req: { text: string; voice: 'Female' | 'Male'; language: string }): Promise<Int16Array>;
  synthesizeSsml(ssml: string): Promise<Int16Array>;
}

/** Regions espeak has no voice for, mapped to the closest one it has. */
const FALLBACKS: Record<string, string> = { 'en-in': 'en-gb', 'en-au': 'en-gb', 'en-ie': 'en-gb', 'en-za': 'en-gb', 'en-ca': 'en-us', en: 'en-us', fr: 'fr-fr', 'fr-ca': 'fr-fr', pt: 'pt-br', 'es-mx': 'es-419', 'es-us': 'es-419', zh: 'cmn', 'zh-cn': 'cmn' };

let installedVoices: Set<string> | null = null;
function voices(): Set<string> {
  if (!installedVoices) {
    const out = execFileSync('espeak-ng', ['--voices'], { encoding: 'utf8' });
    installedVoices = new Set(out.split('\n').slice(1).map((l) => l.trim().split(/\s+/)[1]?.toLowerCase()).filter((v): v is string => !!v));
  }
  return installedVoices;
}

export function espeakVoiceFor(language: string): string | null {
  const tag = language.toLowerCase();
  const available = voices();
  for (const candidate of [tag, FALLBACKS[tag], tag.split('-')[0], FALLBACKS[tag.split('-')[0]!]]) {
    if (candidate && available.has(candidate)) return candidate;
  }
  return null;
}

const TO_PCM = ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0', '-ar', '8000', '-ac', '1', '-f', 's16le', 'pipe:1'];

/** Text goes in on stdin, so nothing in it can be read as an option. */
async function espeakToPcm(args: string[], text: string): Promise<Int16Array> {
  const wav = await runCapture('espeak-ng', [...args, '--stdin', '--stdout'], Buffer.from(text, 'utf8'), 'synthesis_failed');
  return runToPcm('ffmpeg', TO_PCM, wav, 'synthesis_failed');
}

export class EspeakTts implements TextToSpeech {
  async synthesize(req: { text: string; voice: 'Female' | 'Male'; language: string }): Promise<Int16Array> {
    const voice = espeakVoiceFor(req.language);
    if (!voice) throw new AudioError('unsupported_language', `no text-to-speech voice for language "${req.language}"`);
    return espeakToPcm(['-v', `${voice}+${req.voice === 'Female' ? 'f3' : 'm3'}`, '-s', '160'], req.text);
  }

  async synthesizeSsml(ssml: string): Promise<Int16Array> {
    const lang = /xml:lang="([^"]+)"/.exec(ssml)?.[1] ?? 'en-US';
    const voice = espeakVoiceFor(lang) ?? 'en-us';
    // Provider voice names (e.g. en-IN-NeerjaNeural) mean nothing to espeak; the language decides.
    const cleaned = ssml.replace(/<voice\b[^>]*>/g, '').replace(/<\/voice>/g, '');
    return espeakToPcm(['-m', '-v', voice], cleaned);
  }
}
