/**
 * One normalisation for what goes into the contact search index and for
 * what people type into the search box, so both sides meet. FTS5's unicode61
 * tokenizer already folds case and Latin diacritics; it does not know
 * Arabic, where the same name is written with or without short vowels
 * (أَحْمَد / أحمد), with any of four alefs (أحمد / احمد) and with ة or ه, and it
 * splits words at each short-vowel mark. Those are folded here. Digits of
 * any script become ASCII, so "٠٥٠" finds "050".
 */

const ARABIC_MARKS = /[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06DC\u06DF-\u06E8\u06EA-\u06ED\u0640]/g; // harakat, Quranic marks, tatweel
const ALEFS = /[\u0622\u0623\u0625\u0671]/g; // آ أ إ ٱ → ا
const ALEF_MAQSURA = /\u0649/g; // ى → ي
const TEH_MARBUTA = /\u0629/g; // ة → ه
const ARABIC_INDIC_DIGITS = /[\u0660-\u0669\u06F0-\u06F9]/g;

export function normaliseSearchText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(ARABIC_MARKS, '')
    .replace(ALEFS, '\u0627')
    .replace(ALEF_MAQSURA, '\u064A')
    .replace(TEH_MARBUTA, '\u0647')
    .replace(ARABIC_INDIC_DIGITS, (d) => String((d.charCodeAt(0) - (d.charCodeAt(0) >= 0x06f0 ? 0x06f0 : 0x0660))));
}

/**
 * The words of a text as unicode61 cuts them (letters, numbers and private-use
 * characters are word characters; everything else separates), after the
 * normalisation above.
 */
export function searchWords(text: string): string[] {
  return normaliseSearchText(text)
    .split(/[^\p{L}\p{N}\p{Co}]+/u)
    .filter((w) => w.length > 0);
}
