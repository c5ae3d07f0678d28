// A browser agent for tests: Debian's headless Chromium (driven by playwright-core, no browser download)
// running SIP.js (the npm package, served as ES modules from node_modules) against the media node's SIP
// WebSocket. Its microphone is a WAV through Chromium's fake capture device; it registers with digest,
// auto-answers INVITEs, and reports what WebRTC says it received (getStats inbound-rtp) and the level of
// the remote audio (an AnalyserNode on the received track, sampled by the page).
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { fakeMediaChromiumArgs } from './chromium-fake-media.ts';

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = new URL('../..', import.meta.url).pathname;

export interface BrowserPhoneOptions {
  wssUrl: string;
  user: string;
  password: string;
  domain: string;
  /** A WAV file played as the microphone. */
  wav: string;
}

export interface BrowserPhone {
  page: Page;
  /** Resolves when the Registerer reports Registered; rejects with the reason on failure. */
  register(): Promise<void>;
  unregister(): Promise<void>;
  /** Resolves when an incoming call has been answered and its session is Established. */
  answered(timeoutMs?: number): Promise<void>;
  /** WebRTC's own count of audio packets received on the call (inbound-rtp packetsReceived). */
  inboundPackets(): Promise<number>;
  /** Frames of the received audio (20 ms, 8 kHz-equivalent Goertzel ratios computed in the page) at `hz`. */
  receivedToneFrames(hz: number): Promise<number>;
  hangup(): Promise<void>;
  screenshot(path: string): Promise<void>;
  close(): Promise<void>;
}

export const chromiumAvailable = () => existsSync(CHROMIUM);

const PAGE = `<!doctype html><meta charset="utf-8"><title>Crier test softphone</title>
<body><h1>test softphone</h1><pre id="log"></pre>
<script type="module">
import { UserAgent, Registerer, RegistererState, SessionState } from '/sip.js/lib/index.js';
const log = (s) => { document.getElementById('log').textContent += s + '\\n'; };
window.phone = {
  state: 'idle', session: null, toneFrames: {}, analyser: null,
  async start(o) {
    const ua = new UserAgent({
      uri: UserAgent.makeURI('sip:' + o.user + '@' + o.domain),
      authorizationUsername: o.user,
      authorizationPassword: o.password,
      transportOptions: { server: o.wssUrl },
      logLevel: 'warn',
      sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: [] }, iceGatheringTimeout: 500 },
      delegate: {
        onInvite: (invitation) => {
          log('INVITE from ' + invitation.remoteIdentity.uri);
          phone.session = invitation;
          invitation.stateChange.addListener((s) => {
            log('session ' + s);
            phone.state = s;
            if (s === SessionState.Established) phone.listen();
          });
          // Raw microphone: echo cancellation and noise suppression would treat a steady test tone as noise.
          invitation.accept({ sessionDescriptionHandlerOptions: { constraints: { audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false }, video: false } } });
        },
      },
    });
    phone.ua = ua;
    await ua.start();
    phone.registerer = new Registerer(ua, { expires: 300 });
  },
  register() {
    return new Promise((resolve, reject) => {
      phone.registerer.stateChange.addListener((s) => {
        log('registerer ' + s);
        if (s === RegistererState.Registered) resolve('registered');
      });
      phone.registerer.register({ requestDelegate: { onReject: (r) => reject(new Error(r.message.statusCode + ' ' + r.message.reasonPhrase)) } }).catch(reject);
    });
  },
  unregister() { return phone.registerer.unregister(); },
  listen() {
    const pc = phone.session.sessionDescriptionHandler.peerConnection;
    const track = pc.getReceivers().map((r) => r.track).find((t) => t && t.kind === 'audio');
    const ctx = new AudioContext();
    const src = ctx.createMediaStreamSource(new MediaStream([track]));
    const an = ctx.createAnalyser();
    an.fftSize = 2048;
    src.connect(an);
    // Chrome only decodes a remote track into Web Audio while something plays it.
    const el = new Audio(); el.srcObject = new MediaStream([track]); el.muted = true; el.play().catch(() => {});
    phone.analyser = { ctx, an };
    const bins = new Float32Array(an.frequencyBinCount);
    phone.timer = setInterval(() => {
      an.getFloatFrequencyData(bins);
      let total = 0; const energy = bins.map((db) => Math.pow(10, db / 10));
      for (const e of energy) total += e;
      for (const hz of [440, 600, 1000]) {
        const bin = Math.round(hz / (ctx.sampleRate / an.fftSize));
        const around = energy[bin - 1] + energy[bin] + energy[bin + 1];
        if (total > 1e-9 && around / total > 0.5) phone.toneFrames[hz] = (phone.toneFrames[hz] || 0) + 1;
      }
    }, 20);
  },
  async inboundPackets() {
    if (!phone.session?.sessionDescriptionHandler) return 0;
    const stats = await phone.session.sessionDescriptionHandler.peerConnection.getStats();
    let n = 0;
    stats.forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'audio') n += r.packetsReceived; });
    return n;
  },
  async hangup() { if (phone.session && phone.state === SessionState.Established) await phone.session.bye(); },
};
window.phoneReady = true;
</script>`;

/** Serves the page and SIP.js's ES modules; nothing else. */
async function serveSipJs(): Promise<Server> {
  const libRoot = join(ROOT, 'node_modules/sip.js/lib');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    if (url.pathname.startsWith('/sip.js/lib/')) {
      const file = normalize(join(libRoot, url.pathname.slice('/sip.js/lib/'.length)));
      if (file.startsWith(libRoot) && existsSync(file)) return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(file));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return server;
}

export async function startBrowserPhone(o: BrowserPhoneOptions): Promise<BrowserPhone> {
  const server = await serveSipJs();
  const port = (server.address() as { port: number }).port;
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: fakeMediaChromiumArgs(o.wav),
    });
    const page = await browser.newPage();
    const consoleLines: string[] = [];
    page.on('console', (m) => consoleLines.push(m.text()));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (globalThis as unknown as { phoneReady?: boolean }).phoneReady === true);
    await page.evaluate((opts) => (globalThis as any).phone.start(opts), { wssUrl: o.wssUrl, user: o.user, password: o.password, domain: o.domain });
    const b = browser;
    return {
      page,
      register: () => page.evaluate(() => (globalThis as any).phone.register()).then(() => undefined),
      unregister: () => page.evaluate(() => (globalThis as any).phone.unregister()).then(() => undefined),
      async answered(timeoutMs = 20_000) {
        try {
          await page.waitForFunction(() => (globalThis as any).phone.state === 'Established', undefined, { timeout: timeoutMs });
        } catch (err) {
          throw new Error(`browser did not answer: ${(err as Error).message}\n${await page.locator('#log').textContent()}\n${consoleLines.join('\n')}`);
        }
      },
      inboundPackets: () => page.evaluate(() => (globalThis as any).phone.inboundPackets()),
      receivedToneFrames: (hz) => page.evaluate((f) => (globalThis as any).phone.toneFrames[f] ?? 0, hz),
      hangup: () => page.evaluate(() => (globalThis as any).phone.hangup()),
      screenshot: (path) => page.screenshot({ path }).then(() => undefined),
      async close() {
        await b.close().catch(() => undefined);
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  } catch (err) {
    await browser?.close().catch(() => undefined);
    server.close();
    throw err;
  }
}
