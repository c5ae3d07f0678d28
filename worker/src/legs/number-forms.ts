/**
 * The two spellings of a number a leg owner needs: E.164 with '+' for the
 * calls history and events, bare digits for the media node's SIP URIs.
 */

export function digits(number: string): string {
  return number.replace(/^\+/, '');
}

export function toE164(number: string): string {
  return number.startsWith('+') ? number : `+${number}`;
}
