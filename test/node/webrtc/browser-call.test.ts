// A browser agent on a real call, its media through mediasoup: SIP.js in headless Chromium registers over
// the media node's SIP WebSocket; a `connect` with the agent as target bridges a SIPp carrier line (a 1 kHz
// tone) to it. The node offers a mediasoup WebRtcTransport (ICE-lite, DTLS-SRTP, PCMU) and joins it to the
// bridge through a PlainTransport. The carrier hears the browser's fake-microphone 600 Hz on the wire; the
// browser's WebRTC stack counts inbound packets and its page hears the 1 kHz. Needs the mediasoup worker
// binary (scripts/build-mediasoup.sh, which `npm test`'s ensure-deps runs); without it the file skips and
// prints why.
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findWorkerBinary } from '../../../media-node/src/webrtc/worker-binary.ts';
import type { ConnectEvent, MediaEvent } from '../../../worker/src/media-protocol/index.ts';
import { startNodeAgainstSipp, toneRenderer, type NodeAgainstSipp } from '../media-node/node-against-sipp.ts';
import { captureRtpFrom } from '../media-node/rtp-capture.ts';
import { toneFrames, wireFrames } from '../media-node/tone-frames.ts';
import { generateTestPki } from '../../stream/test-pki.ts';
import { startBrowserPhone, type BrowserPhone } from '../../peers/browser-softphone.ts';

const SIP_PORT = 16062;
const CARRIER_PORT = 16080;
const RTP_MIN = 27300;
const RTP_MAX = RTP_MIN + 19;
const REALM = 'tenant4.sip.crier.local';
const FROM = '12012774877';
const TONE_LINE = '971501234578'; // test/sipp/carrier.xml: answers and plays a steady 1 kHz
const BROWSER_HZ = 600;
const CARRIER_HZ = 1000;
const owner = { kind: 'campaign' as const, id: 'c-webrtc' };
const agent = { kind: 'agent' as const, sip_user: 'agent_4001', realm: REALM };
const ARTEFACTS = join(new URL('../../..', import.meta.url).pathname, '.cache/test-artefacts');

const worker = findWorkerBinary();
if (!worker.ok) console.warn(`[browser-call] skipped: ${worker.reason}`);

let h: NodeAgainstSipp;
let phone: BrowserPhone;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const types = (id: string) => h.worker.eventsFor(id).map((e) => (e.type === 'playstate' ? `playstate:${e.playstate}` : e.type));
const connectState = (id: string, state: ConnectEvent['connectstate']) => h.worker.eventsFor(id).find((e): e is ConnectEvent & MediaEvent => e.type === 'connect' && e.connectstate === state);


describe.skipIf(!worker.ok)('browser agent call through mediasoup', () => {
  beforeAll(async () => {
    const pki = generateTestPki();
    h = await startNodeAgainstSipp({
      sipp: { port: CARRIER_PORT, mediaPort: 16980 },
      sipPort: SIP_PORT,
      rtpMin: RTP_MIN,
      rtpPorts: 20,
      renderer: toneRenderer,
      env: {
        SIP_WSS_PORT: '0',
        SIP_WSS_HOST: '127.0.0.1',
        SIP_WSS_CERT_FILE: join(pki.dir, 'server.pem'),
        SIP_WSS_KEY_FILE: join(pki.dir, 'server.key'),
        WEBRTC_LISTEN_IP: '127.0.0.1',
        WEBRTC_PORT_MIN: '41000',
        WEBRTC_PORT_MAX: '41099',
      },
    });
    h.worker.addSipUser({ realm: REALM, sipUser: 'agent_4001', password: 'browser-pw-4001', tenantId: 'TENANT4', agentId: 'agent-4001' });
    const wav = join(mkdtempSync(join(tmpdir(), 'crier-browser-')), 'mic.wav');
    execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', wav, 'synth', '60', 'sine', String(BROWSER_HZ), 'vol', '0.5']);
    phone = await startBrowserPhone({ wssUrl: `wss://127.0.0.1:${h.node.sipWssPort}`, user: 'agent_4001', password: 'browser-pw-4001', domain: REALM, wav });
    await phone.register();
  });

  afterAll(async () => {
    await phone?.close();
    await h?.close();
  });

  it('bridges a carrier call to the browser with audio both ways, PCMU end to end', async () => {
    const voice_id = randomUUID();
    await h.worker.send(h.node.controlUrl, [
      { type: 'originate', command_id: `${voice_id}:o`, voice_id, owner, from: FROM, to: TONE_LINE, play: { type: 'tts', text: 'x', voice: 'Female', language: 'en-US', prompt_ref: 'tone-30000' }, amd: false, ring_timeout_s: 10, max_duration_s: 60 },
    ]);
    await h.worker.waitFor(() => types(voice_id).includes('playstate:initiated'), 10_000, 'the customer answered');
    const customerPort = h.node.legs.get(voice_id)!.rtp!.port;
    const capture = await captureRtpFrom(RTP_MIN, RTP_MAX);
    const connect_id = randomUUID();
    const { results } = await h.worker.send(h.node.controlUrl, [{ type: 'connect', command_id: `${connect_id}:c`, voice_id, connect_id, from: FROM, to: 'agent_4001', ring_timeout_s: 15, target: agent }]);
    expect(results[0]!.ok).toBe(true);
    await phone.answered(20_000);
    await h.worker.waitFor(() => !!connectState(voice_id, 'connected'), 15_000, 'the browser answered');
    const agentPort = h.node.connects.get(voice_id)!.destination.rtp!.port;
    await sleep(4000);
    const inbound = await phone.inboundPackets();
    const heard = await phone.receivedToneFrames(CARRIER_HZ);
    mkdirSync(ARTEFACTS, { recursive: true });
    await phone.screenshot(join(ARTEFACTS, 'browser-agent-call.png'));
    await phone.hangup();
    await h.worker.waitFor(() => !!connectState(voice_id, 'disconnected'), 10_000, 'the connect ended');
    const packets = await capture.stop();
    expect(connectState(voice_id, 'disconnected')).toMatchObject({ connect_id, ended_by: 'destination', cause: 16 });
    await h.worker.send(h.node.controlUrl, [{ type: 'hangup', command_id: `${voice_id}:h`, voice_id, cause: 16 }]);
    await h.worker.waitFor(() => types(voice_id).includes('disconnected'), 10_000, 'the customer leg ended');

    // The carrier got the browser's 600 Hz from the node (through mediasoup, the PlainTransport and the bridge).
    expect(toneFrames(wireFrames(packets, customerPort), BROWSER_HZ)).toBeGreaterThan(50);
    // The agent leg sent the carrier's 1 kHz toward mediasoup, which the browser received and played.
    expect(toneFrames(wireFrames(packets, agentPort), CARRIER_HZ)).toBeGreaterThan(50);
    expect(inbound).toBeGreaterThan(50);
    expect(heard).toBeGreaterThan(10);
  });
});
