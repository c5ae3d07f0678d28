/**
 * Turns what a person typed into an FTS5 MATCH expression without letting
 * any of it become FTS5 syntax: the text is cut into words (search-text.ts),
 * each word is quoted (so AND, OR, NEAR, column names, quotes, stars and
 * brackets the user typed are just words, or separators), the words must
 * all match (implicit AND), and the last one matches as a prefix, so results
 * come while the user is still typing.
 *
 * Text that looks like a phone number ("050 123 4567", "+971 50…", "00971…")
 * is also matched as one run of digits against the indexed phone forms
 * (E.164 digits, national number, national number with trunk 0), as a prefix.
 */
import { normaliseSearchText, searchWords } from './search-text.ts';

export const MAX_QUERY_WORDS = 16;

const PHONE_LIKE = /^[\s+().\-/]*\d[\d\s+().\-/]*$/;

/** The MATCH expression, or null when the text has no letter or digit to search for. */
export function matchExpression(q: string): string | null {
  const words = searchWords(q).slice(0, MAX_QUERY_WORDS);
  if (words.length === 0) return null;
  const allWords = words.map((w, i) => `"${w}"${i === words.length - 1 ? '*' : ''}`).join(' ');
  const normalised = normaliseSearchText(q);
  if (!PHONE_LIKE.test(normalised)) return allWords;
  const digits = normalised.replace(/\D/g, '');
  const forms = [digits];
  // 00 is the international prefix in most of the world: 00971… is +971….
  if (digits.startsWith('00') && digits.length > 2) forms.push(digits.slice(2));
  const phone = `phone : (${forms.map((d) => `"${d}"*`).join(' OR ')})`;
  return words.length === 1 && words[0] === digits ? `${phone} OR ${allWords}` : `${phone} OR (${allWords})`;
}
