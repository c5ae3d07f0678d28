/**
 * Originate: from the agent's 200 OK to two-way audio, measured on the wire.
 * The real stack (wrangler dev, media node, SIPp carrier) and baresip as the
 * agent; N originates one after another to the carrier's 1 kHz tone line while
 * baresip plays 600 Hz. tshark on the loopback gives, per call:
 *   t0  baresip's 200 OK to the node's INVITE (the agent answered)
 *   t1  the node's INVITE to the carrier (the Worker heard `connected` and sent `connect`)
 *   t2  the carrier's 200 OK
 *   t3  the first packet to baresip carrying the line's 1 kHz (the agent hears the customer)
 *   t4  the first packet to the carrier carrying the agent's 600 Hz (the customer hears the agent)
 * two-way audio = max(t3, t4) − t0. Beside it, the parts, and as a baseline the
 * part no platform can remove: the carrier's own INVITE → 200 OK. (bench:agent-answer
 * measures the agent leg alone on the node; this one the whole originate, Worker
 * round trip and customer leg included.)
 *
 *   npm run bench:originate -- --calls=10
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack } from '../scripts/stack/stack.ts';
import { DEMO } from '../scripts/seed-local.ts';
import { startBaresip, type Baresip } from '../test/peers/baresip.ts';
import { startWireCapture } from '../test/wire/tshark-capture.ts';
import { toneWav } from '../test/e2e/wav-files.ts';
import { decodeG711 } from '../media-node/src/codec/g711.ts';
import { blockPower, goertzelPower } from '../media-node/src/amd/goertzel.ts';
import { table } from './support/bench-stack.ts';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const calls = Number(arg('calls', '10'));
const PORTS = { worker: 8987, carrier: 5380, carrierMedia: 6300, mediaSip: 5362, mediaControl: 7370, rtpMin: 28000, rtpMax: 29999 };
const BARESIP_SIP = 5390;
const AGENT = DEMO.users.find((u) => u.role === 'agent')!;
const SUPERVISOR = DEMO.users.find((u) => u.role === 'supervisor')!;
const REALM = `${DEMO.tenantId.toLowerCase()}.sip.crier.local`;
const TONE_LINE = '+971501234588';

const stateDir = join(process.cwd(), '.wrangler', `bench-originate-${Date.now()}`);
const scratch = mkdtempSync(join(tmpdir(), 'crier-bench-originate-'));
// baresip 1.0 (Debian) gives up on a SHA-256 digest challenge instead of answering the MD5 one after it.
const stack = await startStack({ ports: PORTS, stateDir, mediaEnv: { REGISTER_DIGEST_ALGORITHMS: 'MD5' } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function login(email: string): Promise<string> {
  const res = await fetch(`${stack.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: DEMO.userPassword }) });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function api(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any> };
}

const share = (pcm: Int16Array, hz: number) => goertzelPower(pcm, hz) / Math.max(1, blockPower(pcm));
const decode = (hex: string) => decodeG711('PCMU', Uint8Array.from(Buffer.from(hex.replaceAll(':', ''), 'hex')));

let agent: Baresip | null = null;
try {
  const supervisor = await login(SUPERVISOR.email);
  const agentToken = await login(AGENT.email);
  await api(supervisor, 'PUT', `/v1/agents/${AGENT.id}/sip-credentials`, { sip_user: 'agent_1001', password: 'bench-softphone-secret' });
  const wav = join(scratch, 'agent.wav');
  writeFileSync(wav, toneWav(600, 60, 8000, 8000));
  agent = await startBaresip({ user: 'agent_1001', password: 'bench-softphone-secret', domain: REALM, proxy: `sip:127.0.0.1:${PORTS.mediaSip}`, wav, sipPort: BARESIP_SIP, ctrlPort: BARESIP_SIP + 5 }); // baresip's TLS listener takes sipPort + 1
  await agent.registered;
  const softphone = agent;
  /** Resolves once baresip has reported `type` `n` times in all (calls follow each other, so events do too). */
  const nth = async (type: string, n: number) => {
    for (let i = 0; i < 300 && softphone.events.filter((e) => e.type === type).length < n; i++) await sleep(50);
    if (softphone.events.filter((e) => e.type === type).length < n) throw new Error(`baresip: no ${type} #${n}`);
  };
  for (let i = 0; i < 100 && (await api(supervisor, 'GET', '/v1/agents/sip-registered')).body.total_registered !== 1; i++) await sleep(100);

  const capture = await startWireCapture({
    filter: `udp and (port ${BARESIP_SIP} or port ${PORTS.carrier} or dst port ${PORTS.carrierMedia} or dst portrange 40000-40999)`,
    maxSeconds: 60 + calls * 20,
    readArgs: ['-o', 'rtp.heuristic_rtp:TRUE', '-d', `udp.port==${PORTS.carrier},sip`, '-d', `udp.port==${BARESIP_SIP},sip`, '-d', `udp.port==${PORTS.carrierMedia},rtp`],
    fields: ['frame.time_epoch', 'udp.srcport', 'udp.dstport', 'sip.Method', 'sip.Status-Code', 'sip.CSeq.method', 'rtp.payload'],
  });
  const windows: Array<{ from: number; to: number }> = [];
  for (let i = 0; i < calls; i++) {
    const from = Date.now();
    const res = await api(agentToken, 'POST', '/v1/calls/originate', { agent_id: AGENT.id, destination: TONE_LINE });
    if (res.status !== 202) throw new Error(`originate answered ${res.status}: ${JSON.stringify(res.body)}`);
    await nth('CALL_ESTABLISHED', i + 1);
    await sleep(3000);
    await agent.hangup();
    await nth('CALL_CLOSED', i + 1);
    windows.push({ from: from / 1000, to: Date.now() / 1000 });
    await sleep(1500); // the agent back on the floor before the next
  }
  const rows = (await capture.stop()).map(([t, src, dst, method, status, cseq, payload]) => ({ t: Number(t) * 1000, src: Number(src), dst: Number(dst), method, status, cseq, payload }));

  const parts = { agentToInvite: [] as number[], carrierAnswer: [] as number[], answerToTwoWay: [] as number[], total: [] as number[] };
  for (const w of windows) {
    const inCall = rows.filter((r) => r.t >= w.from * 1000 && r.t <= w.to * 1000);
    const t0 = inCall.find((r) => r.src === BARESIP_SIP && r.status === '200' && r.cseq === 'INVITE')?.t;
    const t1 = inCall.find((r) => r.dst === PORTS.carrier && r.method === 'INVITE' && (t0 === undefined || r.t >= t0))?.t;
    const t2 = inCall.find((r) => r.src === PORTS.carrier && r.status === '200' && r.cseq === 'INVITE')?.t;
    const after = (t2 ?? Infinity) - 1;
    const t3 = inCall.find((r) => r.t >= after && r.dst >= 40000 && r.dst <= 40999 && r.payload && share(decode(r.payload), 1000) > 0.5)?.t;
    const t4 = inCall.find((r) => r.t >= after && r.dst === PORTS.carrierMedia && r.payload && share(decode(r.payload), 600) > 0.5)?.t;
    if ([t0, t1, t2, t3, t4].some((t) => t === undefined)) {
      console.warn(`a call without every mark: ${JSON.stringify({ t0, t1, t2, t3, t4 })}`);
      continue;
    }
    parts.agentToInvite.push(t1! - t0!);
    parts.carrierAnswer.push(t2! - t1!);
    parts.answerToTwoWay.push(Math.max(t3!, t4!) - t2!);
    parts.total.push(Math.max(t3!, t4!) - t0!);
  }
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
  const row = (measure: string, xs: number[]) => ({ measure, calls: xs.length, p50: q(xs, 50).toFixed(1), p90: q(xs, 90).toFixed(1), max: Math.max(...xs).toFixed(1) });
  console.log(`originate: agent's 200 OK → two-way audio, ms on the wire (${parts.total.length} of ${calls} calls, one at a time)`);
  console.log(
    table([
      row("agent's 200 OK → two-way audio", parts.total),
      row('  200 OK → INVITE to the customer (node → Worker → node)', parts.agentToInvite),
      row("  customer's INVITE → 200 OK (the carrier)", parts.carrierAnswer),
      row("  customer's 200 OK → tones both ways (bridge)", parts.answerToTwoWay),
      row("baseline: the carrier's own INVITE → 200 OK", parts.carrierAnswer),
    ]),
  );
} finally {
  await agent?.stop();
  await stack.stop();
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(0);
