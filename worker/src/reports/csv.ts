/**
 * CSV as RFC 4180 writes it (comma-separated, a field quoted when it holds a
 * comma, a quote or a line break, quotes doubled), lines ending in "\n" as
 * the spec's example does. Text a spreadsheet would run as a formula (a
 * leading = @ + - tab or CR, e.g. a disposition typed as "=HYPERLINK(…)")
 * gets a leading apostrophe; a plain signed number such as an E.164 phone
 * "+971501234567" is data, not a formula, and is left alone.
 */

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;
const SIGNED_NUMBER = /^[+-]?\d+(\.\d+)?$/;

export function csvField(value: string): string {
  const safe = FORMULA_START.test(value) && !SIGNED_NUMBER.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\n`;
}
