// What the dialer-API e2e tests share: a client logged in as the demo
// tenant's users (and any user made through the API), polling until a
// condition holds, agents' softphones (credentials set through the API,
// baresip registered to the media node), and tone detection in 8 kHz PCM.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { DEMO } from '../../scripts/seed-local.ts';
import { startBaresip, type Baresip } from '../peers/baresip.ts';
import { blockPower, goertzelPower } from '../../media-node/src/amd/goertzel.ts';
import { toneWav } from './wav-files.ts';

export type ApiAnswer = { status: number; body: Record<string, any> };

export interface DialerSession {
  url: string;
  /** Tokens by name: the demo users as `admin`, `supervisor`, `agent`, plus any added with login(). */
  tokens: Record<string, string>;
  api(who: string, method: string, path: string, body?: unknown): Promise<ApiAnswer>;
  login(name: string, email: string, password: string): Promise<void>;
}

export async function dialerSession(url: string): Promise<DialerSession> {
  const session: DialerSession = {
    url,
    tokens: {},
    async api(who, method, path, body) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${session.tokens[who]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any> };
    },
    async login(name, email, password) {
      const res = await fetch(`${url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
      if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${await res.text()}`);
      session.tokens[name] = ((await res.json()) as { access_token: string }).access_token;
    },
  };
  for (const role of ['agent', 'supervisor', 'admin'] as const) {
    const user = DEMO.users.find((u) => u.role === role)!;
    await session.login(role, user.email, DEMO.userPassword);
  }
  return session;
}

export async function until<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const tenantRealm = () => `${DEMO.tenantId.toLowerCase()}.sip.crier.local`;

/**
 * Gives the agent SIP credentials (as the supervisor) and registers a baresip softphone playing `toneHz` for
 * `toneSeconds` (default 30; baresip hangs a call up when its file ends, so a longer call needs a longer tone).
 * `autoAnswer` false: it rings until the test sends `accept` (default: answers at once).
 */
export async function agentSoftphone(session: DialerSession, o: { agentId: string; sipUser: string; password: string; mediaSipPort: number; toneHz: number; scratch: string; toneSeconds?: number; autoAnswer?: boolean }): Promise<Baresip> {
  const set = await session.api('supervisor', 'PUT', `/v1/agents/${o.agentId}/sip-credentials`, { sip_user: o.sipUser, password: o.password });
  if (set.status !== 200) throw new Error(`sip-credentials: ${set.status} ${JSON.stringify(set.body)}`);
  const wav = join(o.scratch, `${o.sipUser}-tone.wav`);
  writeFileSync(wav, toneWav(o.toneHz, o.toneSeconds ?? 30, 8000, 8000));
  const phone = await startBaresip({ user: o.sipUser, password: o.password, domain: tenantRealm(), proxy: `sip:127.0.0.1:${o.mediaSipPort}`, wav, recordDir: join(o.scratch, `${o.sipUser}-recordings`), autoAnswer: o.autoAnswer });
  // A softphone that does not register in time is stopped here, so a failing test leaves no process behind.
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${o.sipUser} did not register within 20 s: ${phone.output().slice(-2000)}`)), 20_000));
  try {
    await Promise.race([phone.registered, timeout]);
  } catch (err) {
    await phone.stop();
    throw err;
  }
  return phone;
}

const share = (pcm: Int16Array, hz: number) => goertzelPower(pcm, hz) / Math.max(1, blockPower(pcm));

/** 200 ms blocks where `hz` carries most of the power. */
export function toneBlocks(pcm: Int16Array, hz: number): number {
  let n = 0;
  for (let at = 0; at + 1600 <= pcm.length; at += 1600) if (share(pcm.subarray(at, at + 1600), hz) > 0.6) n++;
  return n;
}
