/**
 * SIP messages (RFC 3261 §7) as plain data: parse from and serialize to the
 * wire. Header names are kept in compact form lower-cased for lookup; the
 * common compact forms (v, f, t, i, m, l, c) are expanded.
 */

export interface SipRequest {
  kind: 'request';
  method: string;
  uri: string;
  headers: Map<string, string[]>;
  body: string;
}

export interface SipResponse {
  kind: 'response';
  status: number;
  reason: string;
  headers: Map<string, string[]>;
  body: string;
}

export type SipMessage = SipRequest | SipResponse;

const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type', k: 'supported' };

export class SipParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SipParseError';
  }
}

export function parseSipMessage(raw: string): SipMessage {
  const headerEnd = raw.indexOf('\r\n\r\n');
  const head = headerEnd === -1 ? raw : raw.slice(0, headerEnd);
  let body = headerEnd === -1 ? '' : raw.slice(headerEnd + 4);
  const lines = head.split('\r\n');
  const startLine = lines.shift();
  if (!startLine) throw new SipParseError('empty message');
  const headers = new Map<string, string[]>();
  let last: string | null = null;
  for (const line of lines) {
    if (/^[ \t]/.test(line) && last) {
      const values = headers.get(last)!;
      values[values.length - 1] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SipParseError(`bad header line: ${line}`);
    const rawName = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[rawName] ?? rawName;
    const value = line.slice(colon + 1).trim();
    // Via and friends may carry several comma-separated values; keep them as one entry each.
    const parts = name === 'via' || name === 'route' || name === 'record-route' ? splitComma(value) : [value];
    headers.set(name, [...(headers.get(name) ?? []), ...parts]);
    last = name;
  }
  const length = headers.get('content-length')?.[0];
  if (length !== undefined) body = body.slice(0, Number(length));
  if (startLine.startsWith('SIP/2.0 ')) {
    const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(startLine);
    if (!m) throw new SipParseError(`bad status line: ${startLine}`);
    return { kind: 'response', status: Number(m[1]), reason: m[2] ?? '', headers, body };
  }
  const m = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(startLine);
  if (!m) throw new SipParseError(`bad request line: ${startLine}`);
  return { kind: 'request', method: m[1]!, uri: m[2]!, headers, body };
}

/** Splits a header value on commas outside quotes and <...> (Via, Contact lists). */
export function splitComma(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === '<') depth++;
    if (!quoted && ch === '>') depth--;
    if (ch === ',' && depth === 0 && !quoted) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

const CANONICAL: Record<string, string> = { 'call-id': 'Call-ID', cseq: 'CSeq', 'www-authenticate': 'WWW-Authenticate', 'max-forwards': 'Max-Forwards' };

function canonical(name: string): string {
  return CANONICAL[name] ?? name.replace(/(^|-)([a-z])/g, (_, dash: string, ch: string) => dash + ch.toUpperCase());
}

export function serializeSipMessage(msg: SipMessage): string {
  const start = msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`;
  const lines = [start];
  for (const [name, values] of msg.headers) {
    if (name === 'content-length') continue;
    for (const v of values) lines.push(`${canonical(name)}: ${v}`);
  }
  lines.push(`Content-Length: ${Buffer.byteLength(msg.body)}`);
  return lines.join('\r\n') + '\r\n\r\n' + msg.body;
}

export function header(msg: SipMessage, name: string): string | undefined {
  return msg.headers.get(name.toLowerCase())?.[0];
}

/** The value of a ;param in a header (tag, branch, ...). */
export function headerParam(value: string | undefined, param: string): string | undefined {
  if (!value) return undefined;
  const m = new RegExp(`;\\s*${param}=([^;,\\s>]+)`, 'i').exec(value);
  return m?.[1];
}

export function cseqOf(msg: SipMessage): { number: number; method: string } {
  const [n, method] = (header(msg, 'cseq') ?? '').split(/\s+/);
  return { number: Number(n), method: method ?? '' };
}

/** The URI inside a name-addr (<sip:...>) or the bare addr-spec. */
export function uriOf(nameAddr: string): string {
  const m = /<([^>]+)>/.exec(nameAddr);
  return (m ? m[1]! : nameAddr.split(';')[0]!).trim();
}
