// The registrar's pure parts: the digest verifier (RFC 7616 §3.9.1 vectors, tampered inputs), nonces bound
// to a node and boot, nonce counts, the failure throttle, binding expiry, and the REGISTER transaction
// (challenge, 403, stale, 423, unregister) against a fake credential source and clock. No sockets.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { challengeHeaders, expectedResponse, ha1Of, parseAuthorization, responseMatches, type DigestAlgorithm } from '../../../media-node/src/registrar/digest-verifier.ts';
import { NonceCounts, NonceIssuer } from '../../../media-node/src/registrar/nonce-issuer.ts';
import { FailureThrottle } from '../../../media-node/src/registrar/failure-throttle.ts';
import { BindingStore, type BindingChange } from '../../../media-node/src/registrar/binding-store.ts';
import { CredentialSource } from '../../../media-node/src/registrar/credential-source.ts';
import { RegisterTransactions, requestedExpires } from '../../../media-node/src/registrar/register-transaction.ts';
import { header, parseSipMessage, type SipRequest, type SipResponse } from '../../../media-node/src/sip/message.ts';
import { Logger } from '../../../media-node/src/log/logger.ts';
import type { SipCredentialsResponse } from '../../../worker/src/media-protocol/index.ts';

// RFC 7616 §3.9.1: GET /dir/index.html by Mufasa, "Circle of Life", qop=auth.
const V = {
  username: 'Mufasa',
  realm: 'http-auth@example.org',
  password: 'Circle of Life',
  uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  nc: '00000001',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  md5: '8ca523f5e9506fed4657c9700eebdbec',
  sha256: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
};

const authHeader = (algorithm: DigestAlgorithm, response: string) =>
  `Digest username="${V.username}", realm="${V.realm}", uri="${V.uri}", algorithm=${algorithm}, nonce="${V.nonce}", nc=${V.nc}, cnonce="${V.cnonce}", qop=auth, response="${response}", opaque="${V.opaque}"`;

describe('digest verifier (RFC 7616)', () => {
  it.each([
    ['MD5', V.md5],
    ['SHA-256', V.sha256],
  ] as const)('§3.9.1 %s: computes and accepts the RFC response', (algorithm, response) => {
    const parsed = parseAuthorization(authHeader(algorithm, response));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const ha1 = ha1Of(algorithm, V.username, V.realm, V.password);
    expect(expectedResponse(parsed.credentials, 'GET', ha1)).toBe(response);
    expect(responseMatches(parsed.credentials, 'GET', ha1)).toBe(true);
  });

  it.each([
    ['a wrong password', (a: DigestAlgorithm) => ({ header: authHeader(a, a === 'MD5' ? V.md5 : V.sha256), ha1: ha1Of(a, V.username, V.realm, 'Circle of life'), method: 'GET' })],
    ['another method', (a: DigestAlgorithm) => ({ header: authHeader(a, a === 'MD5' ? V.md5 : V.sha256), ha1: ha1Of(a, V.username, V.realm, V.password), method: 'POST' })],
    ['a changed nc', (a: DigestAlgorithm) => ({ header: authHeader(a, a === 'MD5' ? V.md5 : V.sha256).replace('nc=00000001', 'nc=00000002'), ha1: ha1Of(a, V.username, V.realm, V.password), method: 'GET' })],
    ['a changed cnonce', (a: DigestAlgorithm) => ({ header: authHeader(a, a === 'MD5' ? V.md5 : V.sha256).replace(V.cnonce, 'x' + V.cnonce.slice(1)), ha1: ha1Of(a, V.username, V.realm, V.password), method: 'GET' })],
    ['a changed uri', (a: DigestAlgorithm) => ({ header: authHeader(a, a === 'MD5' ? V.md5 : V.sha256).replace(V.uri, '/dir/other.html'), ha1: ha1Of(a, V.username, V.realm, V.password), method: 'GET' })],
    ['the other algorithm’s response', (a: DigestAlgorithm) => ({ header: authHeader(a, a === 'MD5' ? V.sha256 : V.md5), ha1: ha1Of(a, V.username, V.realm, V.password), method: 'GET' })],
  ])('refuses %s', (_, make) => {
    for (const algorithm of ['MD5', 'SHA-256'] as const) {
      const t = make(algorithm);
      const parsed = parseAuthorization(t.header);
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(responseMatches(parsed.credentials, t.method, t.ha1)).toBe(false);
    }
  });

  it('refuses malformed or unsupported Authorization values', () => {
    expect(parseAuthorization(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(parseAuthorization('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==').ok).toBe(false);
    expect(parseAuthorization(authHeader('MD5', V.md5).replace('algorithm=MD5', 'algorithm=SHA-512-256')).ok).toBe(false);
    expect(parseAuthorization(authHeader('MD5', V.md5).replace('qop=auth', 'qop=auth-int')).ok).toBe(false);
    expect(parseAuthorization(authHeader('MD5', V.md5).replace('nc=00000001', 'nc=1')).ok).toBe(false);
    expect(parseAuthorization(authHeader('MD5', V.md5).replace(`username="${V.username}", `, '')).ok).toBe(false);
    expect(parseAuthorization(authHeader('MD5', V.md5) + ', username="Scar"').ok).toBe(false);
  });

  it('reads MD5 when no algorithm is given, and the legacy form without qop', () => {
    const parsed = parseAuthorization(`Digest username="a", realm="r", nonce="n", uri="sip:r", response="abc"`);
    expect(parsed.ok && parsed.credentials.algorithm).toBe('MD5');
  });

  it('offers SHA-256 first, then MD5, with qop=auth, and stale=true when asked', () => {
    const [first, second] = challengeHeaders('t1.sip.crier.local', 'n1', { stale: true });
    expect(first).toMatch(/^Digest realm="t1.sip.crier.local", nonce="n1", algorithm=SHA-256, qop="auth", stale=true$/);
    expect(second).toMatch(/algorithm=MD5/);
  });
});

describe('nonces', () => {
  it('are accepted by the issuing node and boot only, and go stale after their lifetime', () => {
    let now = 1_700_000_000_000;
    const key = Buffer.alloc(32, 7);
    const issuer = new NonceIssuer('node-a', 'boot-1', 300, key, () => now);
    const nonce = issuer.issue();
    expect(issuer.check(nonce)).toBe('valid');
    expect(new NonceIssuer('node-b', 'boot-1', 300, key, () => now).check(nonce)).toBe('invalid');
    expect(new NonceIssuer('node-a', 'boot-2', 300, key, () => now).check(nonce)).toBe('invalid');
    expect(new NonceIssuer('node-a', 'boot-1', 300, undefined, () => now).check(nonce)).toBe('invalid');
    expect(issuer.check(nonce.replace(/^[0-9a-f]+/, (ts) => (parseInt(ts, 16) + 1).toString(16)))).toBe('invalid');
    expect(issuer.check('garbage')).toBe('invalid');
    now += 301_000;
    expect(issuer.check(nonce)).toBe('stale');
  });

  it('refuse a nonce count already seen (replay)', () => {
    const counts = new NonceCounts(300_000);
    expect(counts.accept('n', '00000001')).toBe(true);
    expect(counts.accept('n', '00000001')).toBe(false);
    expect(counts.accept('n', '00000002')).toBe(true);
    expect(counts.accept('m', '00000001')).toBe(true);
  });
});

describe('failure throttle', () => {
  it('blocks an address after 5 failures in 60 s, until 60 s after the fifth', () => {
    let now = 0;
    const t = new FailureThrottle(5, 60_000, 100, () => now);
    for (let i = 0; i < 4; i++) expect(t.recordFailure('10.0.0.1')).toBe(false);
    expect(t.isBlocked('10.0.0.1')).toBe(false);
    now = 30_000;
    expect(t.recordFailure('10.0.0.1')).toBe(true);
    expect(t.isBlocked('10.0.0.1')).toBe(true);
    expect(t.isBlocked('10.0.0.2')).toBe(false);
    now = 89_999;
    expect(t.isBlocked('10.0.0.1')).toBe(true);
    now = 90_000;
    expect(t.isBlocked('10.0.0.1')).toBe(false);
  });
  it('forgets failures older than the window', () => {
    let now = 0;
    const t = new FailureThrottle(5, 60_000, 100, () => now);
    for (let i = 0; i < 4; i++) t.recordFailure('ip');
    now = 61_000;
    expect(t.recordFailure('ip')).toBe(false);
  });
});

describe('binding store', () => {
  beforeEach(() => vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => vi.useRealTimers());
  const base = { tenantId: 't1', agentId: 'a1', sipUser: 'agent_1001', realm: 't1.sip.crier.local', contact: 'sip:a@127.0.0.1:5099', source: { host: '127.0.0.1', port: 5099 }, userAgent: 'x', callId: 'c', cseq: 1 };

  it('refresh keeps registered_at, a new contact is a new binding, and an unrefreshed one expires', () => {
    const changes: BindingChange[] = [];
    const store = new BindingStore((c) => changes.push(c));
    store.upsert(base, 60);
    vi.advanceTimersByTime(30_000);
    store.upsert(base, 60);
    expect(changes.map((c) => c.reason)).toEqual(['register', 'refresh']);
    expect(changes[1]!.binding.registeredAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(changes[1]!.binding.expiresAt.toISOString()).toBe('2026-01-01T00:01:30.000Z');
    vi.advanceTimersByTime(59_000);
    expect(store.size).toBe(1);
    vi.advanceTimersByTime(1_000);
    expect(store.size).toBe(0);
    expect(changes.at(-1)).toMatchObject({ state: 'unregistered', reason: 'expired' });
    store.upsert(base, 60);
    store.upsert({ ...base, contact: 'sip:b@127.0.0.1:5100' }, 60);
    expect(changes.slice(-2).map((c) => c.reason)).toEqual(['register', 'register']);
    expect(store.remove(base.realm, base.sipUser, base.contact)).toBeUndefined();
    expect(store.remove(base.realm, base.sipUser, 'sip:b@127.0.0.1:5100')).toBeDefined();
    expect(changes.at(-1)).toMatchObject({ state: 'unregistered', reason: 'unregister' });
    vi.advanceTimersByTime(120_000);
    expect(changes.at(-1)!.reason).toBe('unregister');
  });
});

describe('credential source', () => {
  it('caches answers, found or not, for at most the TTL, and shares lookups in flight', async () => {
    let now = 0;
    const lookup = vi.fn(async (): Promise<SipCredentialsResponse> => ({ found: false }));
    const source = new CredentialSource(lookup, 30_000, 100, () => now);
    await Promise.all([source.get('r', 'u'), source.get('r', 'u')]);
    await source.get('R', 'u');
    expect(lookup).toHaveBeenCalledTimes(1);
    now = 30_000;
    await source.get('r', 'u');
    expect(lookup).toHaveBeenCalledTimes(2);
  });

  it('while the Worker cannot be asked, answers a user found before from the older answer (stale-if-error), for a bounded time', async () => {
    let now = 0;
    let workerUp = true;
    const found: SipCredentialsResponse = { found: true, tenant_id: 'T1', agent_id: 'a1', sip_user: 'u', realm: 'r', ha1_md5: 'm', ha1_sha256: 's' };
    const lookup = vi.fn(async (_r: string, u: string): Promise<SipCredentialsResponse> => {
      if (!workerUp) throw new Error('fetch failed');
      return u === 'u' ? found : { found: false };
    });
    const source = new CredentialSource(lookup, 30_000, 100, () => now, 3_600_000);
    await source.get('r', 'u');
    await source.get('r', 'nobody');
    workerUp = false;
    now = 54_000; // a softphone's routine refresh, past the TTL, while the Worker restarts
    await expect(source.get('r', 'u')).resolves.toEqual(found);
    expect(lookup).toHaveBeenCalledTimes(3); // the Worker was asked first
    // A user not found last time is not vouched for: the failure stands (the registrar answers 503, not 403).
    await expect(source.get('r', 'nobody')).rejects.toThrow('fetch failed');
    // Never looked up: the failure stands too.
    await expect(source.get('r', 'stranger')).rejects.toThrow('fetch failed');
    // The older answer is not refreshed by being served: past the bound it is no longer used.
    now = 3_600_000;
    await expect(source.get('r', 'u')).rejects.toThrow('fetch failed');
    // The Worker back: its answer replaces the older one.
    workerUp = true;
    await expect(source.get('r', 'u')).resolves.toEqual(found);
  });
});

describe('REGISTER transaction', () => {
  const realm = 't1.sip.crier.local';
  const password = 'correct horse';
  const creds: SipCredentialsResponse = {
    found: true,
    tenant_id: 'T1',
    agent_id: 'a1',
    sip_user: 'agent_1001',
    realm,
    ha1_md5: ha1Of('MD5', 'agent_1001', realm, password),
    ha1_sha256: ha1Of('SHA-256', 'agent_1001', realm, password),
  };
  let now: number;
  let sent: SipResponse[];
  let changes: BindingChange[];
  let lookups: number;
  let tx: RegisterTransactions;
  let cseq: number;
  const peer = { host: '192.0.2.9', port: 5099 };

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    now = Date.now();
    sent = [];
    changes = [];
    lookups = 0;
    cseq = 0;
    const clock = () => now;
    tx = new RegisterTransactions({
      sipDomain: 'sip.crier.local',
      expires: { minS: 60, maxS: 3600, defaultS: 600 },
      nonces: new NonceIssuer('n1', 'b1', 300, undefined, clock),
      nonceCounts: new NonceCounts(300_000),
      throttle: new FailureThrottle(5, 60_000, 100, clock),
      credentials: new CredentialSource(async (_r, u) => (lookups++, u === 'agent_1001' ? creds : { found: false }), 30_000, 100, clock),
      bindings: new BindingStore((c) => changes.push(c), clock),
      send: (res) => sent.push(res),
      log: new Logger({}, 'error'),
      now: clock,
    });
  });
  afterEach(() => vi.useRealTimers());

  function register(opts: { user?: string; host?: string; auth?: string; contact?: string; expires?: string; branch?: string } = {}): SipRequest {
    cseq++;
    const user = opts.user ?? 'agent_1001';
    const host = opts.host ?? realm;
    const lines = [
      `REGISTER sip:${host} SIP/2.0`,
      `Via: SIP/2.0/UDP 192.0.2.9:5099;branch=${opts.branch ?? `z9hG4bK${cseq}x`};rport`,
      `From: <sip:${user}@${host}>;tag=abc`,
      `To: <sip:${user}@${host}>`,
      'Call-ID: reg-1',
      `CSeq: ${cseq} REGISTER`,
      'User-Agent: unit',
      ...(opts.contact === '' ? [] : [`Contact: ${opts.contact ?? '<sip:agent_1001@192.0.2.9:5099>'}`]),
      ...(opts.expires !== undefined ? [`Expires: ${opts.expires}`] : []),
      ...(opts.auth ? [`Authorization: ${opts.auth}`] : []),
    ];
    return parseSipMessage(lines.join('\r\n') + '\r\n\r\n') as SipRequest;
  }

  function answer(res: SipResponse, algorithm: DigestAlgorithm, pw = password, user = 'agent_1001', nc = '00000001'): string {
    const challenge = res.headers.get('www-authenticate')!.find((h) => h.includes(`algorithm=${algorithm},`))!;
    const nonce = /nonce="([^"]+)"/.exec(challenge)![1]!;
    const c = { username: user, realm, nonce, uri: `sip:${realm}`, algorithm, qop: 'auth', nc, cnonce: 'cn1' };
    const response = expectedResponse(c, 'REGISTER', ha1Of(algorithm, user, realm, pw));
    return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="sip:${realm}", response="${response}", algorithm=${algorithm}, qop=auth, nc=${nc}, cnonce="cn1"`;
  }

  async function send(req: SipRequest): Promise<SipResponse> {
    await tx.handle(req, peer);
    return sent.at(-1)!;
  }

  it.each(['SHA-256', 'MD5'] as const)('challenges, then registers with a %s answer: 200 with Contact;expires and Date', async (algorithm) => {
    const challenge = await send(register());
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('www-authenticate')!.map((h) => /algorithm=([^,]+)/.exec(h)![1])).toEqual(['SHA-256', 'MD5']);
    const ok = await send(register({ auth: answer(challenge, algorithm) }));
    expect(ok.status).toBe(200);
    expect(header(ok, 'contact')).toBe('<sip:agent_1001@192.0.2.9:5099>;expires=600');
    expect(header(ok, 'date')).toBe('Thu, 01 Jan 2026 00:00:00 GMT');
    expect(changes[0]).toMatchObject({ state: 'registered', reason: 'register', binding: { tenantId: 'T1', agentId: 'a1', source: peer, userAgent: 'unit' } });
  });

  it('answers 403 alike for a wrong password and an unknown user, and nothing is bound', async () => {
    const wrong = await send(register({ auth: answer(await send(register()), 'MD5', 'nope') }));
    const unknown = await send(register({ user: 'agent_9999', auth: answer(await send(register({ user: 'agent_9999' })), 'MD5', password, 'agent_9999') }));
    expect([wrong.status, wrong.reason, unknown.status, unknown.reason]).toEqual([403, 'Forbidden', 403, 'Forbidden']);
    expect(changes).toEqual([]);
  });

  it('refuses another domain with 403 and no challenge', async () => {
    const res = await send(register({ host: 'evil.example.com' }));
    expect(res.status).toBe(403);
    expect(res.headers.has('www-authenticate')).toBe(false);
  });

  it('after 5 failures from one IP answers 403 without a lookup until the window passes', async () => {
    for (let i = 0; i < 5; i++) expect((await send(register({ auth: answer(await send(register()), 'MD5', 'guess' + i) }))).status).toBe(403);
    const before = lookups;
    const blocked = await send(register());
    expect(blocked.status).toBe(403);
    expect(lookups).toBe(before);
    now += 60_000;
    expect((await send(register())).status).toBe(401);
  });

  it('a right answer on an expired nonce gets 401 stale=true; a replayed nonce count a fresh challenge', async () => {
    const challenge = await send(register());
    const auth = answer(challenge, 'SHA-256');
    expect((await send(register({ auth }))).status).toBe(200);
    const replay = await send(register({ auth }));
    expect(replay.status).toBe(401);
    expect(header(replay, 'www-authenticate')).not.toMatch(/stale/);
    now += 301_000;
    const stale = await send(register({ auth: answer(challenge, 'SHA-256', password, 'agent_1001', '00000002') }));
    expect(stale.status).toBe(401);
    expect(header(stale, 'www-authenticate')).toMatch(/stale=true/);
  });

  it('Expires: below the minimum 423 with Min-Expires, above the maximum granted the maximum, 0 unregisters, Contact * too', async () => {
    const brief = await send(register({ expires: '30', auth: answer(await send(register()), 'MD5') }));
    expect([brief.status, header(brief, 'min-expires')]).toEqual([423, '60']);
    const long = await send(register({ contact: '<sip:agent_1001@192.0.2.9:5099>;expires=86400', auth: answer(await send(register()), 'MD5') }));
    expect(long.status).toBe(200);
    expect(header(long, 'contact')).toBe('<sip:agent_1001@192.0.2.9:5099>;expires=3600');
    const refresh = await send(register({ expires: '120', auth: answer(await send(register()), 'MD5') }));
    expect(header(refresh, 'contact')).toBe('<sip:agent_1001@192.0.2.9:5099>;expires=120');
    const zero = await send(register({ expires: '0', auth: answer(await send(register()), 'MD5') }));
    expect([zero.status, header(zero, 'contact')]).toEqual([200, undefined]);
    expect(changes.map((c) => c.reason)).toEqual(['register', 'refresh', 'unregister']);
    await send(register({ auth: answer(await send(register()), 'MD5') }));
    const star = await send(register({ contact: '*', expires: '0', auth: answer(await send(register()), 'MD5') }));
    expect(star.status).toBe(200);
    expect(changes.at(-1)!.reason).toBe('unregister');
  });

  it('answers a retransmitted REGISTER with the same response, verifying once', async () => {
    const challenge = await send(register());
    const req = register({ auth: answer(challenge, 'MD5'), branch: 'z9hG4bKsame' });
    const first = await send(req);
    const again = await send(req);
    expect(again).toBe(first);
    expect(changes).toHaveLength(1);
  });

  it('a registered agent\'s refresh while the Worker is down is answered 200 from the credentials it registered with; a first registration gets 503', async () => {
    let down = false;
    const source = new CredentialSource(async (_r, u) => {
      if (down) throw new Error('Worker unreachable');
      return u === 'agent_1001' ? creds : { found: false };
    }, 30_000, 100, () => now);
    tx = new RegisterTransactions({
      sipDomain: 'sip.crier.local',
      expires: { minS: 60, maxS: 3600, defaultS: 600 },
      nonces: new NonceIssuer('n1', 'b1', 300, undefined, () => now),
      nonceCounts: new NonceCounts(300_000),
      throttle: new FailureThrottle(5, 60_000, 100, () => now),
      credentials: source,
      bindings: new BindingStore((c) => changes.push(c), () => now),
      send: (res) => sent.push(res),
      log: new Logger({}, 'error'),
      now: () => now,
    });
    expect((await send(register({ auth: answer(await send(register()), 'MD5') }))).status).toBe(200);
    down = true; // a Worker restart
    now += 54_000;
    const refresh = await send(register({ auth: answer(await send(register()), 'MD5') }));
    expect(refresh.status).toBe(200);
    expect(changes.at(-1)).toMatchObject({ state: 'registered', reason: 'refresh' });
    const first = await send(register({ user: 'agent_1002', contact: '<sip:agent_1002@192.0.2.9:5099>', auth: answer(await send(register({ user: 'agent_1002' })), 'MD5', password, 'agent_1002') }));
    expect([first.status, header(first, 'retry-after')]).toEqual([503, '5']);
  });

  it('reads expires from the Contact parameter before the Expires header', () => {
    expect(requestedExpires('<sip:a@b;expires=5>;expires=70', '30')).toBe(70);
    expect(requestedExpires('<sip:a@b>', '30')).toBe(30);
    expect(requestedExpires('sip:a@b', undefined)).toBeNull();
  });
});
