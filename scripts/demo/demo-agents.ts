/**
 * The demo's three agents: users of the demo tenant (made through the API the
 * first time), each with SIP credentials and a baresip softphone registered
 * to the media node with digest, auto-answering. An agent talks a few seconds
 * (a spoken greeting as their microphone) and hangs up, unless the caller
 * hangs up first. Counts the calls each took and who ended them.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { DEMO } from '../seed-local.ts';
import { startBaresip, type Baresip } from '../../test/peers/baresip.ts';
import { tenantRealm, type DialerSession } from '../../test/e2e/dialer-session.ts';
import { AGENTS, HANDLE_TIME_S } from './campaign-plan.ts';

export interface DemoAgent {
  id: string;
  name: string;
  sipUser: string;
  phone: Baresip;
  talking: boolean;
  calls: number;
  hungUpByAgent: number;
  hungUpByCaller: number;
}

/** SIP password of the demo agents' softphones (local stack only). */
const SIP_PASSWORD = 'demo-softphone-secret';

async function ensureAgentUser(s: DialerSession, spec: (typeof AGENTS)[number]): Promise<string> {
  if (!('email' in spec)) return DEMO.users.find((u) => u.role === 'agent')!.id;
  const list = await s.api('admin', 'GET', '/v1/users?role=agent&limit=200');
  const existing = (list.body.items as Array<{ id: string; email: string; disabled_at: string | null }>).find((u) => u.email === spec.email);
  if (existing) {
    if (existing.disabled_at) await s.api('admin', 'POST', `/v1/users/${existing.id}/enable`);
    return existing.id;
  }
  const made = await s.api('admin', 'POST', '/v1/users', { email: spec.email, full_name: spec.fullName, role: 'agent', password: DEMO.userPassword });
  if (made.status !== 201) throw new Error(`creating agent ${spec.email}: ${made.status} ${JSON.stringify(made.body)}`);
  return made.body.id as string;
}

/**
 * An 8 kHz mono WAV of the agent's greeting (baresip's aufile wants the call's
 * rate), padded with silence to 30 s: baresip 1.0 ends the call when its
 * aufile source reaches the end of the file, which a bare 3 s greeting did
 * in the middle of a call. Null without espeak-ng or sox.
 */
function greetingWav(dir: string, key: string, text: string): string | null {
  const raw = join(dir, `${key}-22k.wav`);
  const wav = join(dir, `${key}.wav`);
  try {
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '160', '-w', raw, text]);
    execFileSync('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', wav, 'pad', '0', '30']);
    return wav;
  } catch {
    return null;
  }
}

function uniform(min: number, max: number): number {
  return min + Math.random() * (max - min);
}

/**
 * Starts the three agents' softphones and puts the agents on the floor
 * (available). Every softphone started is handed to `defer` at once, so a
 * failure half-way still stops it.
 */
export async function startDemoAgents(s: DialerSession, o: { mediaSipPort: number; scratch: string; defer(stop: () => Promise<void>): void }): Promise<DemoAgent[]> {
  const agents: DemoAgent[] = [];
  for (const spec of AGENTS) {
    const id = await ensureAgentUser(s, spec);
    const set = await s.api('supervisor', 'PUT', `/v1/agents/${id}/sip-credentials`, { sip_user: spec.sipUser, password: SIP_PASSWORD });
    if (set.status !== 200) throw new Error(`sip-credentials for ${spec.fullName}: ${set.status} ${JSON.stringify(set.body)}`);
    const wav = greetingWav(o.scratch, spec.key, spec.greeting);
    const phone = await startBaresip({
      user: spec.sipUser,
      password: SIP_PASSWORD,
      domain: tenantRealm(),
      proxy: `sip:127.0.0.1:${o.mediaSipPort}`,
      ...(wav ? { wav } : {}),
      record: false,
      regint: 300,
    });
    o.defer(() => phone.stop());
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${spec.fullName}'s softphone (${spec.sipUser}) did not register within 20 s: ${phone.output().slice(-1500)}`)), 20_000).unref(),
    );
    await Promise.race([phone.registered, timeout]);
    agents.push(handleCalls({ id, name: spec.fullName, sipUser: spec.sipUser, phone, talking: false, calls: 0, hungUpByAgent: 0, hungUpByCaller: 0 }));
  }
  for (const a of agents) {
    const r = await s.api('supervisor', 'POST', `/v1/agents/${a.id}/state`, { state: 'available' });
    if (r.status !== 200) throw new Error(`${a.name} available: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return agents;
}

/** The agent's behaviour on each call: talk for a handle time, then hang up; a caller hanging up first ends it. */
function handleCalls(agent: DemoAgent): DemoAgent {
  let timer: NodeJS.Timeout | null = null;
  agent.phone.onEvent((e) => {
    if (e.type === 'CALL_ESTABLISHED') {
      agent.calls++;
      agent.talking = true;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        agent.hungUpByAgent++;
        void agent.phone.hangup();
      }, uniform(HANDLE_TIME_S.min, HANDLE_TIME_S.max) * 1000);
    } else if (e.type === 'CALL_CLOSED') {
      agent.talking = false;
      if (timer) {
        clearTimeout(timer);
        timer = null;
        agent.hungUpByCaller++;
      }
    }
  });
  return agent;
}

/** Takes the agents off the floor (offline); their softphones are stopped by the deferred stops. */
export async function agentsOffline(s: DialerSession, agents: readonly DemoAgent[]): Promise<void> {
  for (const a of agents) await s.api('supervisor', 'POST', `/v1/agents/${a.id}/state`, { state: 'offline' }).catch(() => undefined);
}
