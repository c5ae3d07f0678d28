// What the campaign e2e files share: one real stack per file (wrangler dev +
// media node as the agents' registrar + SIPp carrier whose outcome is the
// dialled number's last digit), a signed webhook receiver, two or three
// baresip agents (each playing its own tone), and the helpers every mode's
// test needs: make a campaign, read its contacts, its calls rows (straight
// from D1), the dialer's live view, and wait for the agents to be free.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startStack, type Stack } from '../../../scripts/stack/stack.ts';
import { DEMO } from '../../../scripts/seed-local.ts';
import { startSipp, type SippHandle } from '../../sipp/sipp-process.ts';
import type { Baresip } from '../../peers/baresip.ts';
import { startDialerHooks, type DialerHooks } from '../dialer-hooks.ts';
import { agentSoftphone, dialerSession, until, type DialerSession } from '../dialer-session.ts';

/** The campaign files run one after another under the port lock, so they share one set of ports. */
export const CAMPAIGN_PORTS = { worker: 8979, carrier: 5290, carrierMedia: 6400, mediaSip: 5272, mediaControl: 7280, rtpMin: 28000, rtpMax: 29999 };

/** Carrier lines by last digit (test/sipp/carrier.xml); vary the digits before the last to make distinct contacts. */
export const LINE = { tone: '+971501234568', hangsUp: '+971501234566', busy: '+971501234561', noAnswer: '+971501234562', person: '+971501230010' };
/**
 * A line of test/sipp/carrier-late-answer.xml: a person who answers after ringing `ringS` seconds (`n` tells contacts
 * apart); `hangsUp`: and hangs up 4 s after answering.
 */
export const lateLine = (n: number, ringS: number, hangsUp = false) => `+9715012${String(n).padStart(2, '0')}${String(ringS).padStart(2, '0')}${hangsUp ? 7 : 9}`;
/** The carrier's tone line plays 1 kHz. */
export const LINE_HZ = 1000;

export type AgentName = 'layla' | 'omar' | 'nadia';
/** Each agent's softphone plays its own tone, so the carrier's wire tells who talked. */
export const AGENT_HZ: Record<AgentName, number> = { layla: 600, omar: 700, nadia: 500 };
const SIP_USER: Record<AgentName, string> = { layla: 'agent_1001', omar: 'agent_1002', nadia: 'agent_1003' };
const PASSWORD = 'e2e-campaign-agent-secret';
const LAYLA = DEMO.users.find((u) => u.role === 'agent')!;

export interface CampaignStack {
  stack: Stack;
  s: DialerSession;
  hooks: DialerHooks;
  phones: Partial<Record<AgentName, Baresip>>;
  agentIds: Partial<Record<AgentName, string>>;
  /** The API token name of each agent (for /v1/agents/me/...). */
  tokenOf: Record<AgentName, string>;
  ofType(type: string): Array<Record<string, any>>;
  forCampaign(campaignId: string, type: string): Array<Record<string, any>>;
  campaign(body: Record<string, unknown>, settings: Record<string, unknown>, contacts: Array<string | Record<string, unknown>>, agents: AgentName[]): Promise<string>;
  contactsOf(campaignId: string): Promise<Map<string, Record<string, any>>>;
  /** The campaign's calls rows as D1 holds them (contact_id is not in the API's call item). */
  callRows(campaignId: string): Array<{ id: string; campaign_id: string; contact_id: string; agent_id: string | null; contact_phone: string; status: string; answered_by: string | null; answered_at: string | null; ended_at: string | null; abandoned_at: string | null }>;
  dialerView(campaignId: string): Promise<Record<string, any>>;
  agentOn(callId: string): Promise<AgentName>;
  agentsFree(timeoutMs?: number): Promise<void>;
  /** A case that failed midway may leave a softphone in a call (talking or ringing): each case starts from a free floor, so one failure stays one. */
  freeFloor(): Promise<void>;
  nameOf(agentId: string): AgentName | undefined;
  /** Calls the agent's softphone has established / closed so far (baresip's events). */
  established(name: AgentName): number;
  closed(name: AgentName): number;
  /** Calls the media node carries now (its /v1/stats). */
  nodeLiveCalls(): Promise<number>;
  /** The media node has sent the INVITE for `phone` (its log says so: the node reports no event for a connect's dial). */
  nodeDialled(phone: string): boolean;
  /** SIGKILLs the Worker, keeps it down `downMs`, starts it again on the same state; when it died and when it answered again (ms since the epoch). */
  restartWorker(downMs: number): Promise<{ killedAtMs: number; backAtMs: number }>;
  stop(): Promise<void>;
}

export async function startCampaignStack(
  name: string,
  agents: AgentName[],
  /**
   * `ports`: a file that restarts parts of its stack uses its own set (default CAMPAIGN_PORTS).
   * `carrierScenario`: another SIPp scenario as the carrier (its own lines, e.g. test/sipp/carrier-late-answer.xml).
   * `agentToneSeconds`: how long each softphone's tone lasts, so how long it can stay in a call (default 30).
   * `manualAnswer`: agents whose softphones ring until the test answers (`phones[name].command('accept')`) or the
   *   ring times out, so a test can hold an agent's phone ringing across a chosen moment (default: all auto-answer).
   */
  opts: { workerVars?: Record<string, string>; ports?: typeof CAMPAIGN_PORTS; carrierScenario?: string; agentToneSeconds?: number; manualAnswer?: AgentName[] } = {},
): Promise<CampaignStack> {
  const ports = opts.ports ?? CAMPAIGN_PORTS;
  const stateDir = `${process.cwd()}/.wrangler/e2e-${name}-${Date.now()}`;
  const scratch = mkdtempSync(join(tmpdir(), `crier-${name}-`));
  // Another scenario: this file runs the carrier itself, and the stack dials it as a trunk of its own.
  const carrier: SippHandle | null = opts.carrierScenario ? await startSipp({ port: ports.carrier, mediaPort: ports.carrierMedia, scenario: opts.carrierScenario }) : null;
  const trunkUri = carrier ? `sip:127.0.0.1:${ports.carrier};transport=udp` : undefined;
  // baresip 1.0 answers MD5 challenges only (docs/agents-sip.md).
  const stack = await startStack({ ports, stateDir, trunkUri, workerVars: { WEBHOOK_ALLOW_LOOPBACK: 'true', ...opts.workerVars }, mediaEnv: { REGISTER_DIGEST_ALGORITHMS: 'MD5' } }).catch(async (err: unknown) => {
    await carrier?.stop();
    throw err;
  });
  const phones: CampaignStack['phones'] = {};
  const agentIds: CampaignStack['agentIds'] = {};
  const tokenOf: Record<AgentName, string> = { layla: 'agent', omar: 'omar', nadia: 'nadia' };
  let hooks: DialerHooks | undefined;
  const stop = async () => {
    for (const phone of Object.values(phones)) await phone?.stop();
    await hooks?.close();
    await stack.stop();
    await carrier?.stop();
    // CRIER_E2E_KEEP_STATE=1 keeps the Worker's and the node's logs (stateDir/logs) for a failure's post-mortem.
    if (!process.env.CRIER_E2E_KEEP_STATE) rmSync(stateDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    const s = await dialerSession(stack.url);
    hooks = await startDialerHooks();
    const sub = await s.api('admin', 'POST', '/v1/webhooks', { url: hooks.url, event_types: ['*'] });
    expect(sub.status).toBe(201);
    hooks.secret = sub.body.secret;
    for (const agent of agents) {
      if (agent === 'layla') {
        agentIds.layla = LAYLA.id;
      } else {
        const email = `${agent}@demo.crier.test`;
        const made = await s.api('admin', 'POST', '/v1/users', { email, full_name: `${agent[0]!.toUpperCase()}${agent.slice(1)} E2E`, role: 'agent', password: PASSWORD });
        expect(made.status, JSON.stringify(made.body)).toBe(201);
        agentIds[agent] = made.body.id as string;
        await s.login(tokenOf[agent], email, PASSWORD);
      }
      phones[agent] = await softphoneWithRetry(() => agentSoftphone(s, { agentId: agentIds[agent]!, sipUser: SIP_USER[agent], password: PASSWORD, mediaSipPort: ports.mediaSip, toneHz: AGENT_HZ[agent], scratch, toneSeconds: opts.agentToneSeconds, autoAnswer: !opts.manualAnswer?.includes(agent) }));
      expect((await s.api(tokenOf[agent], 'POST', '/v1/agents/me/state', { state: 'available' })).status).toBe(200);
    }
    await until(async () => (await s.api('supervisor', 'GET', '/v1/agents/sip-registered')).body.total_registered === agents.length, 'every registration in the API', 15_000);

    const h = hooks;
    const ofType = (type: string) => h.events.filter((e) => e.event_type === type);
    const nameOf = (agentId: string) => (Object.keys(agentIds) as AgentName[]).find((n) => agentIds[n] === agentId);
    const phoneEvents = (name: AgentName, type: string) => phones[name]!.events.filter((e) => e.type === type).length;
    const agentsFree = async (timeoutMs = 20_000) => {
      await until(async () => ((await s.api('supervisor', 'GET', '/v1/agents/state')).body.agents as Array<{ state: string }>).every((a) => a.state !== 'on_call'), 'agents free', timeoutMs);
    };
    return {
      stack,
      s,
      hooks: h,
      phones,
      agentIds,
      tokenOf,
      ofType,
      forCampaign: (campaignId, type) => ofType(type).filter((e) => e.payload.campaign_id === campaignId),
      async campaign(body, settings, contacts, assigned) {
        const created = await s.api('supervisor', 'POST', '/v1/campaigns', { cli_group_id: DEMO.cliGroupId, ...body });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        const id = created.body.id as string;
        expect((await s.api('supervisor', 'PUT', `/v1/campaigns/${id}/dialer-settings`, settings)).status).toBe(200);
        const uploaded = await s.api('supervisor', 'POST', `/v1/campaigns/${id}/contacts`, { contacts: contacts.map((c) => (typeof c === 'string' ? { phone: c } : c)) });
        expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
        expect(uploaded.body.imported).toBe(contacts.length);
        expect((await s.api('supervisor', 'PUT', `/v1/campaigns/${id}/agents`, { agent_ids: assigned.map((a) => agentIds[a]) })).status).toBe(200);
        return id;
      },
      async contactsOf(campaignId) {
        const res = await s.api('supervisor', 'GET', `/v1/campaigns/${campaignId}/contacts?limit=100`);
        return new Map((res.body.items as Array<Record<string, any>>).map((c) => [c.phone, c]));
      },
      callRows(campaignId) {
        const out = execFileSync(
          join(process.cwd(), 'node_modules', '.bin', 'wrangler'),
          ['d1', 'execute', 'DB', '--local', '--persist-to', join(stateDir, 'state'), '--json', '--command', `SELECT id, campaign_id, contact_id, agent_id, contact_phone, status, answered_by, answered_at, ended_at, abandoned_at FROM calls WHERE campaign_id = '${campaignId}' ORDER BY started_at`],
          { env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 },
        ).toString();
        return (JSON.parse(out) as Array<{ results: ReturnType<CampaignStack['callRows']> }>)[0]!.results;
      },
      async dialerView(campaignId) {
        return (await s.api('supervisor', 'GET', `/v1/campaigns/${campaignId}/dialer`)).body;
      },
      async agentOn(callId) {
        return until(async () => {
          const floor = (await s.api('supervisor', 'GET', '/v1/agents/state')).body.agents as Array<{ id: string; current_call_id: string | null }>;
          const a = floor.find((x) => x.current_call_id === callId);
          return a ? nameOf(a.id) : null;
        }, `an agent on ${callId}`, 20_000);
      },
      agentsFree,
      async freeFloor() {
        // An auto-answering softphone reports CALL_ESTABLISHED only, one that rings CALL_INCOMING first: a call is open until CALL_CLOSED.
        const open = (agent: AgentName) => Math.max(phoneEvents(agent, 'CALL_INCOMING'), phoneEvents(agent, 'CALL_ESTABLISHED')) > phoneEvents(agent, 'CALL_CLOSED');
        for (const agent of Object.keys(phones) as AgentName[]) if (open(agent)) await phones[agent]!.hangup();
        await agentsFree(30_000);
      },
      nameOf,
      established: (agent) => phoneEvents(agent, 'CALL_ESTABLISHED'),
      closed: (agent) => phoneEvents(agent, 'CALL_CLOSED'),
      async nodeLiveCalls() {
        return ((await (await fetch(`http://127.0.0.1:${ports.mediaControl}/v1/stats`)).json()) as { live_calls: number }).live_calls;
      },
      nodeDialled(phone) {
        return readdirSync(stack.logDir)
          .filter((f) => f.startsWith('media-node-'))
          .some((f) => readFileSync(join(stack.logDir, f), 'utf8').split('\n').some((line) => line.includes('"msg":"dialing"') && line.includes(`"to":"${phone.replace(/^\+/, '')}"`)));
      },
      async restartWorker(downMs) {
        const killedAtMs = Date.now();
        await stack.restartWorker({ downMs });
        return { killedAtMs, backAtMs: Date.now() };
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * baresip picks its ports just before binding them (a free SIP port, TLS on the
 * next one, a free control port); on a busy machine another process can take
 * one in between and baresip exits "Address already in use". Such a start is
 * tried again with new ports; any other failure is not.
 */
async function softphoneWithRetry(start: () => Promise<Baresip>): Promise<Baresip> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 3 || !/Address already in use/.test(String(err))) throw err;
    }
  }
}

/**
 * Samples the dialer's live view until stopped: the most calls it had open at
 * once (dialing + waiting for an agent + bridged). A sample, so a lower bound
 * of the true peak; a bound the mode must never exceed is still proven wrong
 * by any sample above it. Also the mode's reasons seen (dialer-view `reason`).
 */
export function watchOpenCalls(cs: CampaignStack, campaignId: string): { stop(): Promise<{ peak: number; samples: number; reasons: Set<string> }> } {
  let peak = 0;
  let samples = 0;
  const reasons = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const v = await cs.dialerView(campaignId);
      if (typeof v.calls_in_flight === 'number') {
        peak = Math.max(peak, v.calls_in_flight + v.calls_waiting + v.calls_bridged);
        samples++;
        reasons.add(v.reason);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { peak, samples, reasons };
    },
  };
}

/**
 * Plays the agents' side of a busy floor: every call a softphone establishes
 * from now on is hung up by the agent after `talkMs`. Stop it before the test
 * ends.
 */
export function agentsHangUpAfter(cs: CampaignStack, talkMs: number): { stop(): void } {
  const phones = Object.values(cs.phones).filter((p): p is Baresip => p !== undefined);
  const handled = new Map(phones.map((p) => [p, p.events.filter((e) => e.type === 'CALL_ESTABLISHED').length]));
  const timer = setInterval(() => {
    for (const phone of phones) {
      const established = phone.events.filter((e) => e.type === 'CALL_ESTABLISHED').length;
      if (established <= handled.get(phone)!) continue;
      handled.set(phone, established);
      setTimeout(() => void phone.hangup(), talkMs);
    }
  }, 100);
  return { stop: () => clearInterval(timer) };
}
