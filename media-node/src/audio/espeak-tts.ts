/**
 * The default TextToSpeech: espeak-ng, local and free, 8 kHz after resampling.
 * Owns how API requests become espeak invocations: the language/gender table
 * lookup (espeak-voices.ts), SSML rewriting for what espeak does not know
 * (provider voice names, say-as digits), and the espeak → ffmpeg pipeline.
 * Text goes in on stdin, never argv, so nothing in it can become an option.
 */
import { AudioError } from './audio-error.ts';
import { espeakLanguageFor, espeakVoiceFor, ESPEAK_GENDER_VARIANT } from './espeak-voices.ts';
import { runCapture, runToPcm } from './ffmpeg-decode.ts';
import type { TextToSpeech, TtsRequest } from './tts.ts';

export interface EspeakOptions {
  /** Words per minute (espeak default 175; a little slower is clearer on a phone line). */
  wordsPerMinute?: number;
  /** Longest text accepted, to bound synthesis time. */
  maxTextChars?: number;
}

const WAV_TO_8K = ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0', '-ar', '8000', '-ac', '1', '-f', 's16le', '-acodec', 'pcm_s16le', 'pipe:1'];

/** What espeak-ng needs from an SSML document: the language to speak it in and the rewritten document. */
export interface PreparedSsml {
  language: string;
  gender: 'Female' | 'Male' | null;
  ssml: string;
}

/**
 * Cloud SSML names voices espeak has never heard of ("en-IN-NeerjaNeural");
 * espeak would then fall back to its default (English) voice even for Arabic
 * text. So the language is taken from the voice name's locale prefix, else
 * the voice's or the document's xml:lang, and <voice> tags are removed; the
 * voice is chosen on the command line instead. say-as "digits"/"telephone"
 * become "characters", which espeak reads digit by digit ("9 1 2", not
 * "nine hundred and twelve").
 */
export function prepareSsml(ssml: string): PreparedSsml {
  const voiceTag = /<voice\b([^>]*)>/i.exec(ssml)?.[1] ?? '';
  const attr = (source: string, name: string): string | undefined => new RegExp(`\\b${name}\\s*=\\s*["']([^"']+)["']`, 'i').exec(source)?.[1];
  const speakTag = /<speak\b([^>]*)>/i.exec(ssml)?.[1] ?? '';
  const nameLocale = /^([a-z]{2,3}-[A-Za-z]{2,4})-/.exec(attr(voiceTag, 'name') ?? '')?.[1];
  const language = nameLocale ?? attr(voiceTag, 'xml:lang') ?? attr(speakTag, 'xml:lang') ?? 'en-US';
  const genderAttr = attr(voiceTag, 'gender')?.toLowerCase();
  const gender = genderAttr === 'female' ? 'Female' : genderAttr === 'male' ? 'Male' : null;
  const rewritten = ssml
    .replace(/<voice\b[^>]*>/gi, '')
    .replace(/<\/voice\s*>/gi, '')
    .replace(/(<say-as\b[^>]*interpret-as\s*=\s*["'])(digits|telephone|number:digits)(["'])/gi, '$1characters$3');
  return { language, gender, ssml: rewritten };
}

export class EspeakTts implements TextToSpeech {
  readonly id = 'espeak-ng';
  readonly #wpm: number;
  readonly #maxChars: number;

  constructor(options: EspeakOptions = {}) {
    this.#wpm = options.wordsPerMinute ?? 160;
    this.#maxChars = options.maxTextChars ?? 20_000;
  }

  async synthesize(request: TtsRequest, signal?: AbortSignal): Promise<Int16Array> {
    const voice = espeakVoiceFor(request.language, request.voice);
    if (!voice) throw new AudioError('unsupported_language', `no text-to-speech voice for language "${request.language}"`);
    return this.#speak(['-v', voice], request.text, signal);
  }

  async synthesizeSsml(ssml: string, signal?: AbortSignal): Promise<Int16Array> {
    const prepared = prepareSsml(ssml);
    const base = espeakLanguageFor(prepared.language);
    if (!base) throw new AudioError('unsupported_language', `no text-to-speech voice for SSML language "${prepared.language}"`);
    const voice = prepared.gender ? `${base}+${ESPEAK_GENDER_VARIANT[prepared.gender]}` : base;
    return this.#speak(['-m', '-v', voice], prepared.ssml, signal);
  }

  async #speak(args: string[], text: string, signal?: AbortSignal): Promise<Int16Array> {
    if (text.trim() === '') throw new AudioError('synthesis_failed', 'nothing to say: the text is empty');
    if (text.length > this.#maxChars) throw new AudioError('synthesis_failed', `text is ${text.length} characters, over the ${this.#maxChars} limit`);
    const wav = await runCapture('espeak-ng', [...args, '-s', String(this.#wpm), '--stdin', '--stdout'], Buffer.from(text, 'utf8'), 'synthesis_failed', signal);
    const pcm = await runToPcm('ffmpeg', WAV_TO_8K, wav, 'synthesis_failed', signal);
    if (pcm.length === 0) throw new AudioError('synthesis_failed', 'espeak-ng produced no audio');
    return pcm;
  }
}
