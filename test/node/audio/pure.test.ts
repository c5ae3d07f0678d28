// The pure parts of the audio sources: BCP-47 → espeak-ng voices, SSML
// rewriting for espeak, the private-address table, render keys.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkAudioUrl, espeakLanguageFor, espeakVoiceFor, isPrivateAddress, prepareSsml, renderKey } from '../../../media-node/src/audio/index.ts';

describe('language → espeak-ng voice', () => {
  it.each([
    ['en-US', 'Female', 'en-us+f3'],
    ['en-US', 'Male', 'en-us+m3'],
    ['en-GB', 'Male', 'en-gb+m3'],
    ['en-IN', 'Female', 'en-gb+f3'],
    ['en-AU', 'Female', 'en-gb+f3'],
    ['en', 'Male', 'en-us+m3'],
    ['ar', 'Male', 'ar+m3'],
    ['ar-SA', 'Female', 'ar+f3'],
    ['fr-FR', 'Female', 'fr-fr+f3'],
    ['fr-CA', 'Male', 'fr-fr+m3'],
    ['de-DE', 'Male', 'de+m3'],
    ['es-ES', 'Female', 'es+f3'],
    ['es-MX', 'Female', 'es-419+f3'],
    ['hi-IN', 'Female', 'hi+f3'],
    ['pt-BR', 'Male', 'pt-br+m3'],
    ['zh-CN', 'Female', 'cmn+f3'],
    ['en_us', 'Female', 'en-us+f3'],
  ] as const)('%s %s → %s', (language, voice, expected) => {
    expect(espeakVoiceFor(language, voice)).toBe(expected);
  });

  it.each(['xx-YY', 'klingon', '', 'en US', '../../etc'])('%j has no voice', (language) => {
    expect(espeakLanguageFor(language)).toBeNull();
  });

  it('every voice in the table is installed in espeak-ng', () => {
    const installed = new Set(
      execFileSync('espeak-ng', ['--voices'], { encoding: 'utf8' })
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/)[1])
        .filter(Boolean),
    );
    const tags = ['en-US', 'en-GB', 'en-IN', 'en-029', 'ar', 'fr-FR', 'fr-BE', 'fr-CH', 'de', 'es', 'es-MX', 'hi', 'it', 'pt', 'pt-BR', 'nl', 'ru', 'uk', 'pl', 'tr', 'sv', 'zh', 'yue', 'ja', 'ko', 'vi', 'id', 'ms', 'sw', 'bn', 'ta', 'te', 'ur', 'fa', 'he', 'el'];
    for (const tag of tags) expect(installed.has(espeakLanguageFor(tag)!), `${tag} → ${espeakLanguageFor(tag)}`).toBe(true);
  });
});

describe('SSML for espeak-ng', () => {
  it('takes the language from a provider voice name and drops the voice tag', () => {
    const p = prepareSsml('<speak version="1.0" xml:lang="en-US"><voice name="en-IN-NeerjaNeural">Press <say-as interpret-as="digits">9</say-as> for English.</voice></speak>');
    expect(p.language).toBe('en-IN');
    expect(p.ssml).not.toMatch(/<voice/);
    expect(p.ssml).toContain('<say-as interpret-as="characters">9</say-as>');
  });

  it('falls back to the voice’s, then the document’s xml:lang, then en-US', () => {
    expect(prepareSsml('<speak xml:lang="ar-SA"><voice name="Zariyah">مرحبا</voice></speak>').language).toBe('ar-SA');
    expect(prepareSsml('<speak><voice xml:lang="fr-FR" gender="female">Bonjour</voice></speak>')).toMatchObject({ language: 'fr-FR', gender: 'Female' });
    expect(prepareSsml('<speak>Hello</speak>').language).toBe('en-US');
  });
});

describe('address guard', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.8.8', true],
    ['10.1.2.3', true],
    ['192.168.0.1', true],
    ['169.254.169.254', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['::1', true],
    ['::', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:10.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['8.8.8.8', false],
    ['172.32.0.1', false],
    ['2606:4700:4700::1111', false],
    ['::ffff:8.8.8.8', false],
  ])('%s private=%s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it('checks scheme, credentials and literal hosts before any network use', () => {
    expect(() => checkAudioUrl('https://example.com/a.mp3', false)).not.toThrow();
    expect(() => checkAudioUrl('http://10.0.0.1/a.mp3', false)).toThrow(expect.objectContaining({ code: 'forbidden_address' }));
    expect(() => checkAudioUrl('http://10.0.0.1/a.mp3', true)).not.toThrow();
    expect(() => checkAudioUrl('http://user:pw@example.com/a.mp3', false)).toThrow(expect.objectContaining({ code: 'bad_url' }));
    expect(() => checkAudioUrl('not a url', false)).toThrow(expect.objectContaining({ code: 'bad_url' }));
  });
});

describe('render keys', () => {
  it('differ by every field that changes the audio and ignore prompt_ref', () => {
    const tts = { type: 'tts' as const, text: 'Hi', voice: 'Female' as const, language: 'en-US', prompt_ref: 'a' };
    expect(renderKey(tts, 'espeak-ng')).toBe(renderKey({ ...tts, prompt_ref: 'b' }, 'espeak-ng'));
    expect(renderKey(tts, 'espeak-ng')).toBe(renderKey({ ...tts, language: 'en-us' }, 'espeak-ng'));
    expect(renderKey(tts, 'espeak-ng')).not.toBe(renderKey({ ...tts, voice: 'Male' }, 'espeak-ng'));
    expect(renderKey(tts, 'espeak-ng')).not.toBe(renderKey(tts, 'cloud'));
    const prompt = { type: 'prompt' as const, prompt_name: 'w', version: 1, fetch_url: 'https://x/1', prompt_ref: 'a' };
    expect(renderKey(prompt, 'e')).not.toBe(renderKey({ ...prompt, version: 2 }, 'e'));
  });
});
