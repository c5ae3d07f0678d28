/**
 * BCP-47 language tag + Female/Male → espeak-ng voice. Pure: one table, no
 * process calls. The API speaks BCP-47 ("en-IN", "es-MX"); espeak-ng has its
 * own voice names ("en-gb", "es-419") and no Indian English, Mexican Spanish…
 * so each region maps to the closest voice espeak has. Gender is an espeak
 * variant: +f3 / +m3 are the clearest of the variants on an 8 kHz line.
 */

/** Exact tags first (lower-case), then the primary language subtag. */
const BY_TAG: Record<string, string> = {
  'en-us': 'en-us',
  'en-gb': 'en-gb',
  'en-uk': 'en-gb',
  'en-au': 'en-gb',
  'en-nz': 'en-gb',
  'en-ie': 'en-gb',
  'en-za': 'en-gb',
  'en-in': 'en-gb', // closest to Indian English among espeak's voices
  'en-sg': 'en-gb',
  'en-ca': 'en-us',
  'en-ph': 'en-us',
  'en-029': 'en-029',
  'en-jm': 'en-029',
  'en-gb-scotland': 'en-gb-scotland',
  'fr-fr': 'fr-fr',
  'fr-ca': 'fr-fr',
  'fr-be': 'fr-be',
  'fr-ch': 'fr-ch',
  'es-es': 'es',
  'es-mx': 'es-419',
  'es-us': 'es-419',
  'es-419': 'es-419',
  'es-ar': 'es-419',
  'es-co': 'es-419',
  'es-cl': 'es-419',
  'pt-br': 'pt-br',
  'pt-pt': 'pt',
  'zh-cn': 'cmn',
  'zh-tw': 'cmn',
  'zh-hk': 'yue',
  'vi-vn': 'vi',
};

const BY_LANGUAGE: Record<string, string> = {
  en: 'en-us',
  ar: 'ar',
  fr: 'fr-fr',
  de: 'de',
  es: 'es',
  hi: 'hi',
  it: 'it',
  pt: 'pt-br',
  nl: 'nl',
  ru: 'ru',
  uk: 'uk',
  pl: 'pl',
  cs: 'cs',
  sk: 'sk',
  ro: 'ro',
  hu: 'hu',
  el: 'el',
  tr: 'tr',
  sv: 'sv',
  da: 'da',
  nb: 'nb',
  no: 'nb',
  fi: 'fi',
  he: 'he',
  fa: 'fa',
  ur: 'ur',
  bn: 'bn',
  ta: 'ta',
  te: 'te',
  mr: 'mr',
  gu: 'gu',
  kn: 'kn',
  ml: 'ml',
  pa: 'pa',
  ne: 'ne',
  id: 'id',
  ms: 'ms',
  vi: 'vi',
  sw: 'sw',
  zh: 'cmn',
  cmn: 'cmn',
  yue: 'yue',
  ja: 'ja',
  ko: 'ko',
  bg: 'bg',
  hr: 'hr',
  sr: 'sr',
  sl: 'sl',
  ca: 'ca',
  eu: 'eu',
  af: 'af',
  am: 'am',
  th: 'th',
};

export const ESPEAK_GENDER_VARIANT = { Female: 'f3', Male: 'm3' } as const;

/** The espeak-ng base voice for a BCP-47 tag, or null when we have none. */
export function espeakLanguageFor(language: string): string | null {
  const tag = language.trim().toLowerCase().replace(/_/g, '-');
  if (!/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/.test(tag)) return null;
  if (BY_TAG[tag]) return BY_TAG[tag];
  // "en-US-x-foo", "fr-FR-u-..." → try the language-region prefix, then the language.
  const [primary, region] = tag.split('-');
  if (region && BY_TAG[`${primary}-${region}`]) return BY_TAG[`${primary}-${region}`]!;
  return BY_LANGUAGE[primary!] ?? null;
}

/** Full espeak-ng voice argument ("en-gb+f3"), or null for an unsupported language. */
export function espeakVoiceFor(language: string, voice: 'Female' | 'Male'): string | null {
  const base = espeakLanguageFor(language);
  return base ? `${base}+${ESPEAK_GENDER_VARIANT[voice]}` : null;
}
