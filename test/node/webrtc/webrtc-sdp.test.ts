// The browser agent's SDP ↔ mediasoup parameters (pure): the offer the node sends (ICE-lite, mediasoup's
// ICE credentials, candidates and fingerprints, PCMU with the consumer's SSRC), and a Chrome answer read
// back into WebRtcTransport.connect()'s DTLS parameters and the producer's RTP parameters.
import { describe, expect, it } from 'vitest';
import { buildWebRtcOffer, parseWebRtcAnswer, WebRtcSdpError } from '../../../media-node/src/webrtc/webrtc-sdp.ts';

const offerInput = {
  sessionId: 1700000000000,
  ice: { usernameFragment: 'ufragmediasoup1', password: 'pwdmediasoupxxxxxxxxxxxxxx' },
  candidates: [{ foundation: 'udpcandidate', priority: 1076302079, address: '203.0.113.7', protocol: 'udp' as const, port: 40012, type: 'host' as const }],
  fingerprints: [
    { algorithm: 'sha-256', value: 'ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89' },
    { algorithm: 'sha-512', value: '00:11' },
  ],
  send: { ssrc: 123456789, cname: 'mediasoupcname' },
  mid: '0',
};

// What Chrome (Unified Plan) answers to that offer, trimmed of nothing.
const chromeAnswer = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS 5f3b',
  'm=audio 9 UDP/TLS/RTP/SAVPF 0',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:Tq7p',
  'a=ice-pwd:3vX0dZ1QmJ0vTtH7yq3eT8y5',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 7B:8F:10:2A:33:CC:DE:01:99:A1:22:0E:6B:7C:41:D2:87:3A:01:FE:55:12:9B:AA:01:02:03:04:05:06:07:08',
  'a=setup:active',
  'a=mid:0',
  'a=sendrecv',
  'a=msid:5f3b 9a1c',
  'a=rtcp-mux',
  'a=rtpmap:0 PCMU/8000',
  'a=ssrc:2233445566 cname:Xy12AbCdEf',
  'a=ssrc:2233445566 msid:5f3b 9a1c',
  '',
].join('\r\n');

describe('WebRTC SDP for browser agents', () => {
  it('offers mediasoup as an ICE-lite, DTLS actpass, PCMU-only peer', () => {
    const sdp = buildWebRtcOffer(offerInput);
    expect(sdp).toContain('a=ice-lite\r\n');
    expect(sdp).toContain('m=audio 40012 UDP/TLS/RTP/SAVPF 0\r\n');
    expect(sdp).toContain('c=IN IP4 203.0.113.7\r\n');
    expect(sdp).toContain('a=ice-ufrag:ufragmediasoup1\r\n');
    expect(sdp).toContain('a=ice-pwd:pwdmediasoupxxxxxxxxxxxxxx\r\n');
    expect(sdp).toContain('a=fingerprint:sha-256 AB:CD:EF:01:23');
    expect(sdp).toContain('a=setup:actpass\r\n');
    expect(sdp).toContain('a=rtcp-mux\r\n');
    expect(sdp).toContain('a=rtpmap:0 PCMU/8000\r\n');
    expect(sdp).toContain('a=ssrc:123456789 cname:mediasoupcname\r\n');
    expect(sdp).toContain('a=candidate:udpcandidate 1 udp 1076302079 203.0.113.7 40012 typ host\r\n');
    expect(sdp).not.toMatch(/opus|rtpmap:(?!0 )/i);
  });

  it('reads a Chrome answer into DTLS and producer parameters', () => {
    const a = parseWebRtcAnswer(chromeAnswer);
    expect(a.dtls).toEqual({ role: 'client', fingerprints: [{ algorithm: 'sha-256', value: '7B:8F:10:2A:33:CC:DE:01:99:A1:22:0E:6B:7C:41:D2:87:3A:01:FE:55:12:9B:AA:01:02:03:04:05:06:07:08' }] });
    expect(a.sends).toBe(true);
    expect(a.rtpParameters).toEqual({
      mid: '0',
      codecs: [{ mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000, channels: 1 }],
      encodings: [{ ssrc: 2233445566 }],
      rtcp: { cname: 'Xy12AbCdEf', reducedSize: true },
    });
  });

  it('takes a session-level fingerprint and setup:passive (mediasoup then is the DTLS client)', () => {
    const moved = chromeAnswer.replace(/a=fingerprint:[^\r]+\r\n/, '').replace('a=setup:active', 'a=setup:passive').replace('t=0 0\r\n', 't=0 0\r\na=fingerprint:sha-256 AA:BB\r\n');
    const a = parseWebRtcAnswer(moved);
    expect(a.dtls).toEqual({ role: 'server', fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB' }] });
  });

  it('a recvonly browser (muted microphone) needs no SSRC and produces nothing', () => {
    const a = parseWebRtcAnswer(chromeAnswer.replace('a=sendrecv', 'a=recvonly').replace(/a=ssrc:[^\r]+\r\n/g, ''));
    expect(a.sends).toBe(false);
    expect(a.rtpParameters.encodings).toEqual([]);
  });

  it('refuses answers that cannot carry the call', () => {
    expect(() => parseWebRtcAnswer(chromeAnswer.replace('m=audio 9', 'm=audio 0'))).toThrow(WebRtcSdpError);
    expect(() => parseWebRtcAnswer(chromeAnswer.replace('SAVPF 0', 'SAVPF 111'))).toThrow(/PCMU/);
    expect(() => parseWebRtcAnswer(chromeAnswer.replace(/a=fingerprint:[^\r]+\r\n/, ''))).toThrow(/fingerprint/);
    expect(() => parseWebRtcAnswer(chromeAnswer.replace('a=setup:active', 'a=setup:actpass'))).toThrow(/actpass/);
    expect(() => parseWebRtcAnswer(chromeAnswer.replace(/a=ssrc:[^\r]+\r\n/g, ''))).toThrow(/SSRC/);
    expect(() => parseWebRtcAnswer('v=0\r\ns=-\r\n')).toThrow(/no audio/);
  });
});
