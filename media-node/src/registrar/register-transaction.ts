/**
 * The registrar's REGISTER handling (RFC 3261 §10.3 with digest, RFC 7616):
 * domain check, challenge, verification against the user's HA1 from the
 * CredentialSource, Expires rules, and the binding change in the
 * BindingStore. Like jambonz's sbc-registrar it is split in three: this
 * transaction logic, the binding store, and the credential source.
 *
 * Decisions (docs/agents-sip.md):
 *  - the AOR (To) host must be SIP_DOMAIN or end with `.SIP_DOMAIN`; it is the realm. Else 403, no challenge.
 *  - no or unusable Authorization, a nonce not ours (another node, an earlier boot, forged), a nonce count
 *    already seen: a fresh 401 (SHA-256 and MD5 challenges). Counted as no failure: nothing was guessed.
 *  - a wrong response, an unknown user, or an Authorization username that is not the AOR's user: 403,
 *    the same for all, and a failure for the source IP's throttle.
 *  - a right response on an expired nonce: 401 with stale=true.
 *  - Expires below the minimum: 423 with Min-Expires; above the maximum: granted the maximum.
 * Retransmitted REGISTERs (same Via branch) get the same answer again without a second verification.
 */
import type { SipCredentials } from '../../../worker/src/media-protocol/index.ts';
import { header, headerParam, splitComma, uriOf, type SipRequest, type SipResponse } from '../sip/message.ts';
import { responseTo, type Peer } from '../sip/transport.ts';
import type { Logger } from '../log/logger.ts';
import { challengeHeaders, parseAuthorization, responseMatches, type DigestAlgorithm } from './digest-verifier.ts';
import type { NonceCounts, NonceIssuer } from './nonce-issuer.ts';
import type { FailureThrottle } from './failure-throttle.ts';
import type { CredentialSource } from './credential-source.ts';
import type { Binding, BindingStore } from './binding-store.ts';

export interface ExpiresRules {
  minS: number;
  maxS: number;
  defaultS: number;
}

export interface RegisterDeps {
  sipDomain: string;
  expires: ExpiresRules;
  /** Challenges offered, preferred first; an answer with another algorithm is refused. Default SHA-256, MD5. */
  algorithms?: readonly DigestAlgorithm[];
  /** The same for REGISTERs that came over a SIP WebSocket (browser stacks speak MD5 only); default `algorithms`. */
  wsAlgorithms?: readonly DigestAlgorithm[];
  nonces: NonceIssuer;
  nonceCounts: NonceCounts;
  throttle: FailureThrottle;
  credentials: CredentialSource;
  bindings: BindingStore;
  send(res: SipResponse, to: Peer): void;
  log: Logger;
  now?: () => number;
}

/** Retransmissions are answered from here for 32 s (64·T1); two generations rotate instead of per-entry timers. */
const TRANSACTION_MEMORY_MS = 32_000;

export class RegisterTransactions {
  #current = new Map<string, SipResponse | null>();
  #previous = new Map<string, SipResponse | null>();
  #rotatedAt: number;
  readonly #now: () => number;

  constructor(private readonly deps: RegisterDeps) {
    this.#now = deps.now ?? Date.now;
    this.#rotatedAt = this.#now();
  }

  /** Handles one REGISTER request from `from`; answers through deps.send. */
  async handle(req: SipRequest, from: Peer): Promise<void> {
    const key = `${headerParam(header(req, 'via'), 'branch') ?? ''}|${header(req, 'call-id') ?? ''}|${header(req, 'cseq') ?? ''}`;
    this.#rotate();
    const seen = this.#current.has(key) ? this.#current.get(key) : this.#previous.get(key);
    if (seen !== undefined) {
      if (seen) this.deps.send(seen, from);
      return; // null: still being verified; the answer goes out when it is ready
    }
    this.#current.set(key, null);
    let res: SipResponse;
    try {
      res = await this.#answer(req, from);
    } catch (err) {
      this.deps.log.error('REGISTER failed', { error: (err as Error).message });
      res = responseTo(req, 500, 'Server Internal Error');
    }
    if (this.#current.has(key)) this.#current.set(key, res);
    else this.#previous.set(key, res);
    this.deps.send(res, from);
  }

  #rotate(): void {
    const now = this.#now();
    if (now - this.#rotatedAt < TRANSACTION_MEMORY_MS) return;
    this.#previous = this.#current;
    this.#current = new Map();
    this.#rotatedAt = now;
  }

  async #answer(req: SipRequest, from: Peer): Promise<SipResponse> {
    const { throttle, nonces, nonceCounts, log } = this.deps;
    if (throttle.isBlocked(from.host)) return responseTo(req, 403, 'Forbidden');
    const aor = parseAor(header(req, 'to'));
    if (!aor) return responseTo(req, 400, 'Bad Request');
    const domain = this.deps.sipDomain.toLowerCase();
    if (aor.host !== domain && !aor.host.endsWith(`.${domain}`)) return responseTo(req, 403, 'Forbidden');
    const realm = aor.host;
    const algorithms = (from.connection ? this.deps.wsAlgorithms : undefined) ?? this.deps.algorithms;
    const challenge = (stale = false) => {
      const res = responseTo(req, 401, 'Unauthorized');
      res.headers.set('www-authenticate', challengeHeaders(realm, nonces.issue(), { stale, ...(algorithms ? { algorithms } : {}) }));
      return res;
    };
    const parsed = parseAuthorization(header(req, 'authorization'));
    if (!parsed.ok) return parsed.reason === 'missing' ? challenge() : responseTo(req, 400, 'Bad Request');
    const c = parsed.credentials;
    if (c.realm.toLowerCase() !== realm) return challenge();
    const nonce = nonces.check(c.nonce);
    if (nonce === 'invalid') return challenge();
    if (c.qop !== 'auth') return responseTo(req, 400, 'Bad Request');
    if (algorithms && !algorithms.includes(c.algorithm)) return challenge();
    // The digest uri is not compared with the Request-URI: SIPp, for one, puts the next hop's address there,
    // and Kamailio and Asterisk do not compare either. The response still covers it, and nonce + nc stop replays.
    if (!/^sips?:/i.test(c.uri)) return responseTo(req, 400, 'Bad Request');

    let creds: SipCredentials | null = null;
    if (c.username === aor.user) {
      try {
        const found = await this.deps.credentials.get(realm, c.username);
        creds = found.found ? found : null;
      } catch (err) {
        log.warn('credential lookup failed', { error: (err as Error).message });
        return responseTo(req, 503, 'Service Unavailable', { 'retry-after': '5' });
      }
    }
    const ha1 = creds ? (c.algorithm === 'MD5' ? creds.ha1_md5 : creds.ha1_sha256) : null;
    if (!creds || !ha1 || !responseMatches(c, 'REGISTER', ha1)) {
      const blocked = throttle.recordFailure(from.host);
      log.info('REGISTER refused', { realm, user: c.username, source: `${from.host}:${from.port}`, ...(blocked ? { throttled_for_s: throttle.windowMs / 1000 } : {}) });
      return responseTo(req, 403, 'Forbidden');
    }
    if (nonce === 'stale') return challenge(true);
    if (!nonceCounts.accept(c.nonce, c.nc!)) return challenge();
    return this.#bind(req, from, creds);
  }

  #bind(req: SipRequest, from: Peer, creds: SipCredentials): SipResponse {
    const { bindings, expires } = this.deps;
    const contacts = (req.headers.get('contact') ?? []).flatMap(splitComma);
    const expiresHeader = header(req, 'expires');
    if (contacts.length === 0) return this.#ok(req, bindings.get(creds.realm, creds.sip_user));
    if (contacts.some((v) => v.trim() === '*')) {
      if (contacts.length !== 1 || expiresHeader?.trim() !== '0') return responseTo(req, 400, 'Bad Request');
      bindings.remove(creds.realm, creds.sip_user);
      return this.#ok(req, undefined);
    }
    // Several contacts in one REGISTER: the last one is the newest (one binding per agent).
    const contact = contacts.at(-1)!;
    const uri = uriOf(contact);
    const asked = requestedExpires(contact, expiresHeader) ?? expires.defaultS;
    if (asked === 0) {
      bindings.remove(creds.realm, creds.sip_user, uri);
      return this.#ok(req, bindings.get(creds.realm, creds.sip_user));
    }
    if (asked < expires.minS) return responseTo(req, 423, 'Interval Too Brief', { 'min-expires': String(expires.minS) });
    const granted = Math.min(asked, expires.maxS);
    const binding = bindings.upsert(
      {
        tenantId: creds.tenant_id,
        agentId: creds.agent_id,
        sipUser: creds.sip_user,
        realm: creds.realm,
        contact: uri,
        source: { ...from }, // a WebSocket peer keeps its connection: calls go back over it
        userAgent: header(req, 'user-agent') ?? '',
        callId: header(req, 'call-id') ?? '',
        cseq: Number((header(req, 'cseq') ?? '').split(/\s+/)[0]),
      },
      granted,
    );
    return this.#ok(req, binding);
  }

  #ok(req: SipRequest, binding: Binding | undefined): SipResponse {
    const now = this.#now();
    const res = responseTo(req, 200, 'OK', { date: new Date(now).toUTCString() });
    if (binding) res.headers.set('contact', [`<${binding.contact}>;expires=${Math.max(0, Math.round((binding.expiresAt.getTime() - now) / 1000))}`]);
    return res;
  }
}

/** user and host (lower-cased) of the To header's sip: URI. */
export function parseAor(to: string | undefined): { user: string; host: string } | null {
  if (!to) return null;
  const m = /^sips?:([^@;:]+)@([^;:>?]+)/i.exec(uriOf(to));
  if (!m) return null;
  return { user: decodeURIComponent(m[1]!), host: m[2]!.toLowerCase() };
}

/** The Contact's expires parameter, else the Expires header; null when neither (or not a number). */
export function requestedExpires(contact: string, expiresHeader: string | undefined): number | null {
  const close = contact.lastIndexOf('>');
  const semi = contact.indexOf(';');
  const params = close >= 0 ? contact.slice(close + 1) : semi >= 0 ? contact.slice(semi) : '';
  const fromContact = headerParam(params, 'expires');
  const raw = fromContact ?? expiresHeader?.trim();
  if (raw === undefined || !/^\d{1,10}$/.test(raw)) return null;
  return Number(raw);
}
