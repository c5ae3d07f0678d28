/**
 * Agent's 200 OK → two-way audio: for calls to a registered softphone (baresip,
 * auto-answer, a tone as its microphone), from the moment the node takes up the
 * agent's 200 OK to (a) its first RTP packet to the agent and (b) the first audio
 * from the agent decoded on the node; two-way = the later of the two. Baseline in
 * the same run: the same measures for a trunk leg to the SIPp carrier (a person
 * line whose audio starts with silence, sent from its answer) that plays a
 * cached prompt, i.e. what a customer leg costs.
 *
 *   npm run bench:agent-answer -- --calls=30
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNodeAgainstSipp, toneRenderer } from '../test/node/media-node/node-against-sipp.ts';
import { startBaresip } from '../test/peers/baresip.ts';
import { table } from './support/bench-stack.ts';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const calls = Number(arg('calls', '30'));
const SIP_PORT = 17662;
const REALM = 'bench.sip.crier.local';
const owner = { kind: 'campaign' as const, id: 'bench' };

const h = await startNodeAgainstSipp({ sipp: { port: 17680, mediaPort: 18680 }, sipPort: SIP_PORT, rtpMin: 38200, rtpPorts: 20, renderer: toneRenderer, logLevel: 'error', env: { REGISTER_DIGEST_ALGORITHMS: 'MD5' } });
h.worker.addSipUser({ realm: REALM, sipUser: 'agent_bench', password: 'bench-pw' });
const dir = mkdtempSync(join(tmpdir(), 'crier-bench-agent-'));
execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', join(dir, 'tone.wav'), 'synth', '600', 'sine', '600', 'vol', '0.4']);
const phone = await startBaresip({ user: 'agent_bench', password: 'bench-pw', domain: REALM, proxy: `sip:127.0.0.1:${SIP_PORT}`, wav: join(dir, 'tone.wav'), recordDir: join(dir, 'rec') });
await phone.registered;

interface Sample {
  send: number;
  receive: number;
}

async function oneCall(agent: boolean): Promise<Sample> {
  const voice_id = randomUUID();
  const command = agent
    ? { type: 'originate' as const, command_id: voice_id, voice_id, owner, from: '12012774877', to: 'agent_bench', amd: false, ring_timeout_s: 10, max_duration_s: 60, target: { kind: 'agent' as const, sip_user: 'agent_bench', realm: REALM } }
    : { type: 'originate' as const, command_id: voice_id, voice_id, owner, from: '12012774877', to: '971501234560', play: { type: 'tts' as const, text: 'x', voice: 'Female' as const, language: 'en-US', prompt_ref: 'tone-20000' }, amd: false, ring_timeout_s: 10, max_duration_s: 60 };
  const [result] = (await h.worker.send(h.node.controlUrl, [command])).results;
  if (!result?.ok) throw new Error(`originate refused: ${JSON.stringify(result)}`);
  const leg = h.node.legs.get(voice_id)!;
  // The leg's RTP stream opens before the INVITE goes out: listen from then on.
  while (!leg.rtp) await new Promise((r) => setTimeout(r, 1));
  let firstAudioAt: number | null = null;
  const off = leg.rtp.onAudio(() => (firstAudioAt ??= performance.now()));
  const deadline = Date.now() + 15_000;
  while ((firstAudioAt === null || leg.rtp.counters.firstPacketAt === null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  off();
  const answered = leg.answeredAtPerf!;
  const sample = { send: leg.rtp.counters.firstPacketAt! - answered, receive: firstAudioAt! - answered };
  await h.worker.send(h.node.controlUrl, [{ type: 'hangup', command_id: `${voice_id}:h`, voice_id, cause: 16 }]);
  await h.worker.waitFor((evs) => evs.some((e) => e.voice_id === voice_id && e.type === 'disconnected'), 10_000, 'disconnected');
  await new Promise((r) => setTimeout(r, 200)); // baresip tears its call down
  return sample;
}

try {
  await oneCall(false); // renders the prompt once
  const rows = [];
  for (const agent of [true, false]) {
    const samples: Sample[] = [];
    for (let i = 0; i < calls; i++) samples.push(await oneCall(agent));
    const q = (values: number[], p: number) => values.sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!.toFixed(1);
    const send = samples.map((s) => s.send);
    const receive = samples.map((s) => s.receive);
    const twoWay = samples.map((s) => Math.max(s.send, s.receive));
    rows.push({
      leg: agent ? 'agent (baresip, auto-answer)' : 'baseline: carrier leg (SIPp) with a prompt',
      'first packet out p50/p95 ms': `${q(send, 50)} / ${q(send, 95)}`,
      'first audio in p50/p95 ms': `${q(receive, 50)} / ${q(receive, 95)}`,
      'two-way p50/p95 ms': `${q(twoWay, 50)} / ${q(twoWay, 95)}`,
    });
  }
  console.log(`from the 200 OK taken up by the node, ${calls} calls each, one at a time (negative: the peer's audio arrived before its 200 OK was processed)`);
  console.log(table(rows));
} finally {
  await phone.kill();
  await h.close();
}
process.exit(0);
