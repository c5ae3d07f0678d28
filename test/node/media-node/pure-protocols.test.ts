// Pure media-node logic: G.711, RTP and RFC 4733 packets, SDP, SIP message
// parsing, digest auth (RFC 2617's worked example), and the port pool.
import { describe, expect, it } from 'vitest';
import { decodeG711, encodeG711 } from '../../../media-node/src/codec/g711.ts';
import { parseRtp, parseTelephoneEvent, writeRtpHeader, dtmfDigit } from '../../../media-node/src/rtp/packet.ts';
import { buildOffer, parseAnswer, SdpError } from '../../../media-node/src/sdp/sdp.ts';
import { cseqOf, header, headerParam, parseSipMessage, serializeSipMessage, uriOf } from '../../../media-node/src/sip/message.ts';
import { digestAuthorization, parseChallenge } from '../../../media-node/src/sip/digest.ts';
import { PortPool, PortPoolExhausted } from '../../../media-node/src/rtp/port-pool.ts';
import { isPrivateAddress } from '../../../media-node/src/audio/url-guard.ts';

describe('G.711', () => {
  it.each(['PCMU', 'PCMA'] as const)('%s round-trips within the codec’s step size', (codec) => {
    const pcm = Int16Array.from({ length: 2000 }, (_, i) => Math.round(30000 * Math.sin(i / 7)));
    const back = decodeG711(codec, encodeG711(codec, pcm));
    for (let i = 0; i < pcm.length; i++) expect(Math.abs(back[i]! - pcm[i]!)).toBeLessThanOrEqual(Math.max(16, Math.abs(pcm[i]!) * 0.07));
  });
  it('encodes silence to the standard codes', () => {
    expect(encodeG711('PCMU', new Int16Array([0]))[0]).toBe(0xff);
    expect(encodeG711('PCMA', new Int16Array([0]))[0]).toBe(0xd5);
  });
});

describe('RTP', () => {
  it('writes and parses the fixed header', () => {
    const buf = new Uint8Array(12 + 160);
    writeRtpHeader(buf, { payloadType: 8, sequence: 65535, timestamp: 4294967200, ssrc: 0xdeadbeef, marker: true });
    expect(parseRtp(buf)).toMatchObject({ payloadType: 8, sequence: 65535, timestamp: 4294967200, ssrc: 0xdeadbeef, marker: true });
    expect(parseRtp(buf)!.payload.length).toBe(160);
    expect(parseRtp(new Uint8Array(5))).toBeNull();
  });
  it('reads RFC 4733 events', () => {
    expect(parseTelephoneEvent(new Uint8Array([5, 0x8a, 0x03, 0x20]))).toEqual({ event: 5, end: true, volume: 10, duration: 800 });
    expect([0, 9, 10, 11].map(dtmfDigit)).toEqual(['0', '9', '*', '#']);
  });
});

describe('SDP', () => {
  it('offers PCMU, PCMA and telephone-event', () => {
    const offer = buildOffer({ address: '127.0.0.1', port: 20000, sessionId: 1 });
    expect(offer).toContain('m=audio 20000 RTP/AVP 0 8 101');
    expect(offer).toContain('a=rtpmap:101 telephone-event/8000');
  });
  it('reads the answer’s address, port and first common codec', () => {
    const answer = 'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 8 101\r\nc=IN IP4 10.0.0.2\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n';
    expect(parseAnswer(answer)).toEqual({ address: '10.0.0.2', port: 6000, codec: 'PCMA', payloadType: 8, telephoneEventPt: 101 });
    expect(() => parseAnswer('v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 0 RTP/AVP 0\r\n')).toThrow(SdpError);
    expect(() => parseAnswer('v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5 RTP/AVP 18\r\n')).toThrow(/G.711/);
  });
});

describe('SIP messages', () => {
  const raw = [
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKabc;rport=5062, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKdef',
    'f: <sip:1@127.0.0.1>;tag=aa',
    'To: <sip:2@127.0.0.1>;tag=bb',
    'i: call-1@crier',
    'CSeq: 2 INVITE',
    'Contact: "Bob" <sip:bob@127.0.0.1:5080;transport=udp>',
    'Content-Type: application/sdp',
    'Content-Length: 4',
    '',
    'v=0\r\nEXTRA',
  ].join('\r\n');
  it('parses compact headers, multi-value Via and the body length', () => {
    const msg = parseSipMessage(raw);
    expect(msg.kind).toBe('response');
    expect(msg.headers.get('via')).toHaveLength(2);
    expect(headerParam(header(msg, 'via'), 'branch')).toBe('z9hG4bKabc');
    expect(headerParam(header(msg, 'to'), 'tag')).toBe('bb');
    expect(header(msg, 'call-id')).toBe('call-1@crier');
    expect(cseqOf(msg)).toEqual({ number: 2, method: 'INVITE' });
    expect(uriOf(header(msg, 'contact')!)).toBe('sip:bob@127.0.0.1:5080;transport=udp');
    expect(msg.body).toBe('v=0\r');
  });
  it('serialises with a correct Content-Length', () => {
    const text = serializeSipMessage({ kind: 'request', method: 'BYE', uri: 'sip:a@b', headers: new Map([['call-id', ['x']], ['cseq', ['3 BYE']]]), body: 'héllo' });
    expect(text).toContain('Call-ID: x\r\nCSeq: 3 BYE\r\nContent-Length: 6\r\n\r\nhéllo');
  });
});

describe('digest auth', () => {
  it('matches RFC 2617’s worked example', () => {
    const challenge = parseChallenge('Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"')!;
    const value = digestAuthorization({ challenge, method: 'GET', uri: '/dir/index.html', username: 'Mufasa', password: 'Circle Of Life', nc: 1, cnonce: '0a4f113b' });
    expect(value).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(value).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  });
});

describe('port pool and address guard', () => {
  it('hands out even ports and refuses when empty', () => {
    const pool = new PortPool(20001, 20005);
    expect([pool.take(), pool.take()]).toEqual([20002, 20004]);
    expect(() => pool.take()).toThrow(PortPoolExhausted);
  });
  it.each([['127.0.0.1', true], ['10.1.2.3', true], ['192.168.0.1', true], ['169.254.169.254', true], ['172.20.0.1', true], ['8.8.8.8', false], ['::1', true], ['::ffff:10.0.0.1', true]])('%s private=%s', (addr, priv) => {
    expect(isPrivateAddress(addr)).toBe(priv);
  });
});
