// A browser agent registers over SIP on secure WebSocket (RFC 7118): SIP.js in Debian's headless
// Chromium REGISTERs with digest to the media node's WSS listener (a throw-away certificate), through the
// same registrar as UDP phones; the Worker hears of it with SIP.js's User-Agent, and the binding routes
// by connection (Contact `…invalid;transport=ws`). Closing the page drops the binding (reported expired).
// The node keeps its default challenges (SHA-256 then MD5 over UDP): SIP.js, which aborts on SHA-256,
// registers because WebSocket REGISTERs are challenged per REGISTER_WS_DIGEST_ALGORITHMS (MD5).
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeAgainstSipp, type NodeAgainstSipp } from '../media-node/node-against-sipp.ts';
import { generateTestPki } from '../../stream/test-pki.ts';
import { startBrowserPhone, type BrowserPhone } from '../../peers/browser-softphone.ts';
import { waitUntil } from '../wait-until.ts';

const SIP_PORT = 15962;
const REALM = 'tenant3.sip.crier.local';

let h: NodeAgainstSipp;
let wav: string;
const phones: BrowserPhone[] = [];


beforeAll(async () => {
  const pki = generateTestPki();
  h = await startNodeAgainstSipp({
    sipp: { port: 15980 },
    sipPort: SIP_PORT,
    rtpMin: 27200,
    rtpPorts: 10,
    env: { SIP_WSS_PORT: '0', SIP_WSS_HOST: '127.0.0.1', SIP_WSS_CERT_FILE: join(pki.dir, 'server.pem'), SIP_WSS_KEY_FILE: join(pki.dir, 'server.key') },
  });
  h.worker.addSipUser({ realm: REALM, sipUser: 'agent_3001', password: 'browser-pw-3001', tenantId: 'TENANT3', agentId: 'agent-3001' });
  wav = join(mkdtempSync(join(tmpdir(), 'crier-browser-')), 'mic.wav');
  execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', wav, 'synth', '30', 'sine', '600', 'vol', '0.4']);
});

afterAll(async () => {
  for (const p of phones) await p.close();
  await h?.close();
});

describe('browser agent over SIP WebSocket', () => {
  it('registers with digest from SIP.js in Chromium; the Worker gets the browser user agent', async () => {
    const phone = await startBrowserPhone({ wssUrl: `wss://127.0.0.1:${h.node.sipWssPort}`, user: 'agent_3001', password: 'browser-pw-3001', domain: REALM, wav });
    phones.push(phone);
    await phone.register();
    await waitUntil('registration report', () => h.worker.registrations.some((r) => r.sip_user === 'agent_3001' && r.state === 'registered'));
    const reg = h.worker.registrations.find((r) => r.sip_user === 'agent_3001')!;
    expect(reg).toMatchObject({ tenant_id: 'TENANT3', agent_id: 'agent-3001', realm: REALM, reason: 'register' });
    // SIP.js 0.21.2 still announces itself as 0.21.1 (its LIBRARY_VERSION was not bumped).
    expect(reg.user_agent).toMatch(/^SIP\.js\/0\.21\./);
    expect(reg.contact).toMatch(/\.invalid;transport=ws$/);
    const binding = h.node.registrar.binding(REALM, 'agent_3001')!;
    expect(binding.source.connection?.open).toBe(true);

    await phone.close();
    await waitUntil('binding dropped with its connection', () => h.worker.registrations.some((r) => r.sip_user === 'agent_3001' && r.state === 'unregistered'));
    expect(h.node.registrar.binding(REALM, 'agent_3001')).toBeUndefined();
  });

  it('refuses a wrong password over WebSocket with 403', async () => {
    const phone = await startBrowserPhone({ wssUrl: `wss://127.0.0.1:${h.node.sipWssPort}`, user: 'agent_3001', password: 'nope', domain: REALM, wav });
    phones.push(phone);
    await expect(phone.register()).rejects.toThrow(/403/);
  });
});
