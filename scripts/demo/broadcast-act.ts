/**
 * The demo's first act: one broadcast, end to end. A webhook receiver that
 * verifies signatures and de-duplicates by event id, a prompt upload, and a
 * 24-recipient broadcast mixing all four play types and every carrier outcome
 * with AMD on. Like a real client it hangs up each call after `playfinished`.
 * Shows legs changing state live, then the broadcastcall_complete summary.
 * Passes only if every leg ended and exactly one complete event arrived.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { DEMO } from '../seed-local.ts';
import type { ActContext } from './act-context.ts';

const AUTH = `Basic ${Buffer.from(`${DEMO.appId}:${DEMO.appKey}`).toString('base64')}`;

const OUTCOMES: Record<string, string> = { '1': 'busy', '2': 'no answer', '3': 'declines', '4': 'unavailable', '5': 'voicemail', '6': 'hangs up', '8': 'tone line' };
const expectedOutcome = (to: string) => OUTCOMES[to.at(-1)!] ?? 'person';

function makeAudio(dir: string): { notice: Buffer; prompt: Buffer } {
  mkdirSync(dir, { recursive: true });
  const notice = join(dir, 'notice.wav');
  const prompt = join(dir, 'prompt.wav');
  execFileSync('espeak-ng', ['-v', 'en-gb+m3', '-s', '170', '-w', notice, 'This is a recorded service notice from your water company.']);
  execFileSync('espeak-ng', ['-v', 'en-us+f2', '-s', '170', '-w', prompt, 'Welcome. Your parcel arrives tomorrow between nine and noon.']);
  return { notice: readFileSync(notice), prompt: readFileSync(prompt) };
}

interface Leg {
  to: string;
  play: string;
  voiceId?: string;
  state: string;
  detail: string;
}

export async function runBroadcastAct(ctx: ActContext): Promise<boolean> {
  const { api: API, tty, elapsed } = ctx;
  const audio = makeAudio(join(process.cwd(), '.cache', 'demo'));
  const legs = new Map<string, Leg>();
  const byVoice = new Map<string, Leg>();
  const seenEvents = new Set<string>();
  const completes: Array<Record<string, any>> = [];
  let duplicates = 0;
  let badSignatures = 0;
  let render = () => undefined as void;

  const receiver = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/audio/notice.wav') {
      res.writeHead(200, { 'content-type': 'audio/wav', etag: '"notice-1"' }).end(audio.notice);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = `sha256=${createHmac('sha256', DEMO.webhookSecret).update(raw).digest('hex')}`;
      const got = String(req.headers['x-crier-signature'] ?? '');
      if (got.length !== expected.length || !timingSafeEqual(Buffer.from(got), Buffer.from(expected))) {
        badSignatures++;
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200).end('ok');
      const eventId = String(req.headers['x-crier-event-id']);
      if (seenEvents.has(eventId)) {
        duplicates++;
        return;
      }
      seenEvents.add(eventId);
      onEvent(JSON.parse(raw.toString('utf8')) as Record<string, any>);
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  ctx.defer(async () => void receiver.close(() => undefined));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;

  function onEvent(e: Record<string, any>): void {
    if (e.state === 'broadcastcall_complete') {
      completes.push(e);
      log(`broadcastcall_complete (${e.broadcast_call_info.length} legs)`);
      return;
    }
    const leg = byVoice.get(e.voice_id) ?? legs.get(e.to);
    if (!leg) return;
    leg.voiceId = e.voice_id;
    byVoice.set(e.voice_id, leg);
    if (e.playstate) {
      leg.state = e.playstate === 'initiated' ? 'playing' : e.playstate;
      leg.detail = `prompt_ref ${e.prompt_ref}${e.prompt_name ? ` (${e.prompt_name})` : ''}`;
      if (e.playstate === 'playfinished' || e.playstate === 'failed') {
        // What a real client does on playfinished: hang up (or play a follow-up).
        void fetch(`${API}/voice/v1/call/${e.voice_id}`, { method: 'DELETE', headers: { authorization: AUTH } });
      }
    } else if (e.state === 'connected') {
      leg.state = 'connected';
      leg.detail = e.call_answered_by ? `answered by ${e.call_answered_by}` : '';
    } else if (e.state === 'disconnected') {
      leg.state = 'disconnected';
      leg.detail = `${e.disconnect_cause_code} ${e.disconnect_reason}, ${e.call_duration}s${e.call_answered_by ? `, ${e.call_answered_by}` : ''}`;
    } else if (e.state) {
      leg.state = e.state;
      leg.detail = '';
    }
    log(`${leg.to.padEnd(13)} ${leg.state}${leg.detail ? ` — ${leg.detail}` : ''}`);
  }

  function log(line: string): void {
    if (tty) render();
    else console.log(`[${elapsed()}] ${line}`);
  }

  if (tty) {
    let last = 0;
    render = () => {
      if (Date.now() - last < 80) return;
      last = Date.now();
      const rows = [...legs.values()].map((l) => `  ${l.to.padEnd(14)}${expectedOutcome(l.to).padEnd(13)}${l.play.padEnd(6)}${l.state.padEnd(14)}${l.detail}`);
      process.stdout.write(`\x1b[H\x1b[2J Crier demo — ${elapsed()}\n\n  ${'to'.padEnd(14)}${'carrier'.padEnd(13)}${'play'.padEnd(6)}${'state'.padEnd(14)}detail\n${rows.join('\n')}\n`);
    };
  }

  // A named prompt for the "file" play type.
  const form = new FormData();
  form.set('prompt_name', 'demo_welcome');
  form.set('file', new Blob([audio.prompt], { type: 'audio/wav' }), 'prompt.wav');
  const uploaded = await fetch(`${API}/voice/v1/prompts`, { method: 'POST', headers: { authorization: AUTH }, body: form });
  if (uploaded.status !== 201) throw new Error(`prompt upload answered ${uploaded.status}: ${await uploaded.text()}`);

  const plays = [
    { type: 'url', url: `${hookUrl}/audio/notice.wav`, prompt_ref: 'notice' },
    { type: 'file', prompt_name: 'demo_welcome', prompt_ref: 'welcome' },
    { type: 'tts', text: 'Hello from Crier. Your appointment is tomorrow at nine.', voice: 'Female', language: 'en-US', prompt_ref: 'reminder' },
    { type: 'ssml', ssml: '<speak xml:lang="en-GB">Your code is <say-as interpret-as="digits">4821</say-as>.</speak>', prompt_ref: 'otp' },
  ];
  const recipients = Array.from({ length: 24 }, (_, i) => ({ to: `97150123${String(4500 + i)}`, play: plays[i % plays.length]! }));
  for (const r of recipients) legs.set(r.to, { to: r.to, play: r.play.type, state: 'queued', detail: '' });

  const res = await fetch(`${API}/voice/v1/broadcast`, {
    method: 'POST',
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Crier demo',
      owner_ref: 'demo',
      from: '12012774877',
      answering_machine_detection: true,
      recipients,
      custom_data: { demo: true },
      event_url: `${hookUrl}/events`,
      call_handler_url: `${hookUrl}/events`,
      ring_timeout: 8,
      idle_timeout: 15,
    }),
  });
  if (res.status !== 200) throw new Error(`broadcast answered ${res.status}: ${await res.text()}`);
  const accepted = (await res.json()) as { broadcast_id: string };
  log(`broadcast ${accepted.broadcast_id} accepted: ${recipients.length} recipients`);

  const deadline = Date.now() + 180_000;
  while (completes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 1500)); // any duplicate complete would arrive now
  receiver.close();
  if (tty) {
    render = () => undefined;
  }

  const complete = completes[0];
  const allFinal = [...legs.values()].every((l) => l.state === 'disconnected');
  console.log('');
  if (!complete) {
    console.log(`No broadcastcall_complete within 3 minutes (${elapsed()}).`);
    return false;
  }
  const info = complete.broadcast_call_info as Array<Record<string, any>>;
  const count = (f: (i: Record<string, any>) => boolean) => info.filter(f).length;
  const summary = {
    answered: count((i) => i.callState === 'Call Answered' && i.call_answered_by !== 'MACHINE'),
    machine: count((i) => i.call_answered_by === 'MACHINE'),
    busy: count((i) => i.disconnectReasonCode === 17),
    'no answer': count((i) => i.disconnectReasonCode === 19),
    rejected: count((i) => i.disconnectReasonCode === 21),
    unavailable: count((i) => i.disconnectReasonCode === 18),
    other: count((i) => i.callState === 'Failed' && ![17, 18, 19, 21].includes(i.disconnectReasonCode)),
  };
  console.log(`broadcastcall_complete for ${complete.broadcast_id}:`);
  for (const [k, v] of Object.entries(summary)) console.log(`  ${k.padEnd(12)} ${v}`);
  console.log(`  legs         ${info.length} dialled, all final: ${allFinal ? 'yes' : 'no'}`);
  console.log(`  webhooks     ${seenEvents.size} unique, ${duplicates} duplicate deliveries ignored, ${badSignatures} bad signatures`);
  console.log(`  time taken   ${elapsed()}`);
  const ok = allFinal && completes.length === 1 && info.length === recipients.length && badSignatures === 0;
  console.log(ok ? 'Broadcast act passed.' : 'Broadcast act FAILED: not every leg reached a final state exactly once.');
  return ok;
}
