/**
 * baresip (Debian baresip-core 1.0) as an agent's softphone, for tests against
 * real peers: a config directory of its own, one account that REGISTERs with
 * digest through `proxy`, auto-answer, a WAV file as the microphone (aufile)
 * and what it hears and sends dumped to WAVs (sndfile: dump-*-dec.wav is the
 * received audio, -enc.wav the sent). Controlled over ctrl_tcp (netstring
 * JSON), whose events say when it registered, rang, answered and hung up.
 * Its own process group, so a test can always stop it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BaresipOptions {
  user: string;
  password: string;
  /** The AOR's host = the digest realm, e.g. `tenant.sip.crier.local`. */
  domain: string;
  /** Where REGISTERs (and calls) go, e.g. `sip:127.0.0.1:5062`. */
  proxy: string;
  /** An 8 kHz mono 16-bit WAV played into every call; silence when absent. Not looped: baresip 1.0 hangs the call up when the file ends, so make it outlast the call. */
  wav?: string;
  /** sndfile writes dump-<call>-enc.wav (sent) and dump-<call>-dec.wav (heard) here; a temp dir when absent. */
  recordDir?: string;
  /** Answer incoming calls at once (account answermode=auto). Default true. */
  autoAnswer?: boolean;
  /** Re-REGISTER interval asked for (the Expires it sends). Default 60. */
  regint?: number;
  /** baresip's own SIP port on 127.0.0.1; 0 or absent: a free one. */
  sipPort?: number;
  /** ctrl_tcp port; absent: sipPort + 1 when sipPort is set, else a free one. */
  ctrlPort?: number;
  /** Print baresip's output, with a SIP trace (debugging). */
  verbose?: boolean;
  /** Dump every call's audio with sndfile (recordings()). Default true; the demo's long-running agents turn it off. */
  record?: boolean;
}

export interface BaresipEvent {
  type: string;
  class?: string;
  accountaor?: string;
  direction?: string;
  peeruri?: string;
  param?: string;
  [k: string]: unknown;
}

export interface Baresip {
  /** Resolves on the first REGISTER_OK; rejects on REGISTER_FAIL before it, or when baresip exits. */
  registered: Promise<void>;
  readonly events: BaresipEvent[];
  readonly recordDir: string;
  readonly configDir: string;
  /** Calls `listener` with every event from now on; returns its removal. */
  onEvent(listener: (e: BaresipEvent) => void): () => void;
  /** Resolves with the first event of this type from now (or already seen when `seen` is true). */
  waitForEvent(type: string, timeoutMs?: number, seen?: boolean): Promise<BaresipEvent>;
  /** Sends a ctrl_tcp command (`hangup`, `dial sip:...`, `uareg 0`...), resolves with its response text. */
  command(command: string, params?: string): Promise<string>;
  hangup(): Promise<string>;
  /** Recordings sndfile wrote: the received (`dec`) and sent (`enc`) WAVs, newest call last. */
  recordings(): { received: string[]; sent: string[] };
  output(): string;
  /** Ends baresip gracefully (it unregisters first: REGISTER with Expires: 0). */
  stop(): Promise<void>;
  /** SIGKILL: gone without unregistering, as a crashed or unplugged softphone. */
  kill(): Promise<void>;
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startBaresip(opts: BaresipOptions): Promise<Baresip> {
  const configDir = mkdtempSync(join(tmpdir(), 'crier-baresip-'));
  const recordDir = opts.recordDir ?? join(configDir, 'recordings');
  mkdirSync(recordDir, { recursive: true });
  const sipPort = opts.sipPort || (await freePort());
  const ctrlPort = opts.ctrlPort ?? (opts.sipPort ? opts.sipPort + 1 : await freePort());
  const source = opts.wav ? `aufile,${opts.wav}` : 'ausine,0';
  writeFileSync(
    join(configDir, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${sipPort}`,
      'net_interface 127.0.0.1',
      'call_local_timeout 120',
      'call_max_calls 4',
      `audio_source ${source}`,
      // No sound card: the received audio goes nowhere but the sndfile dump.
      'audio_player aubridge,crier',
      'audio_alert aubridge,crier',
      'ausrc_srate 8000',
      'auplay_srate 8000',
      'ausrc_channels 1',
      'auplay_channels 1',
      'audio_buffer 20-160',
      'jitter_buffer_delay 1-10',
      'rtp_ports 40000-40999',
      ...(opts.record === false ? [] : [`snd_path ${recordDir}`]),
      `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aufile.so',
      'module ausine.so',
      'module aubridge.so',
      ...(opts.record === false ? [] : ['module sndfile.so']),
      'module_app account.so',
      'module_app menu.so',
      'module_app ctrl_tcp.so',
      '',
    ].join('\n'),
  );
  const answer = opts.autoAnswer === false ? 'manual' : 'auto';
  writeFileSync(
    join(configDir, 'accounts'),
    `<sip:${opts.user}@${opts.domain};transport=udp>;auth_pass=${opts.password};outbound="${opts.proxy}";regint=${opts.regint ?? 60};answermode=${answer};audio_codecs=PCMU,PCMA\n`,
  );
  writeFileSync(join(configDir, 'contacts'), '');

  let out = '';
  const child: ChildProcess = spawn('baresip', ['-f', configDir, ...(opts.verbose ? ['-s'] : [])], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: BaresipEvent[] = [];
  const listeners = new Set<(e: BaresipEvent) => void>();
  const emit = (e: BaresipEvent) => {
    events.push(e);
    for (const l of [...listeners]) l(e);
  };
  let line = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-40_000);
    if (opts.verbose) process.stderr.write(d);
    // baresip registers before ctrl_tcp has a client: registration outcomes come from its log lines.
    line += d.toString();
    const lines = line.split('\n');
    line = lines.pop()!;
    for (const l of lines) {
      const ok = /\{\d+\/UDP\/v4\} (2\d\d) [^(]*\(.*\) \[(\d+) binding/.exec(l);
      if (ok) emit({ type: 'REGISTER_OK', param: `${ok[1]} ${ok[2]} binding`, source: 'log' });
      const fail = /reg: sip:\S+: ([3-6]\d\d .*)$/.exec(l.replace(/\x1b\[[;\d]*m/g, ''));
      if (fail) emit({ type: 'REGISTER_FAIL', param: fail[1]!.trim(), source: 'log' });
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  const pending: Array<{ token: string; resolve(v: string): void }> = [];
  let socket: Socket | null = null;
  let buf = '';
  const onData = (d: Buffer) => {
    buf += d.toString('utf8');
    // netstrings: <len>:<json>,
    for (;;) {
      const colon = buf.indexOf(':');
      if (colon < 0) break;
      const len = Number(buf.slice(0, colon));
      if (buf.length < colon + 1 + len + 1) break;
      const json = buf.slice(colon + 1, colon + 1 + len);
      buf = buf.slice(colon + 1 + len + 1);
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(json) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (msg.event) {
        const e = msg as BaresipEvent;
        if (!e.type.startsWith('REGISTER_')) emit(e);
      } else if (msg.response) {
        const i = pending.findIndex((p) => p.token === msg.token);
        if (i >= 0) pending.splice(i, 1)[0]!.resolve(String(msg.data ?? ''));
      }
    }
  };
  // ctrl_tcp listens once the modules are loaded: retry the connection for a while.
  const deadline = Date.now() + 10_000;
  while (!socket) {
    if (child.exitCode !== null) throw new Error(`baresip exited ${child.exitCode}: ${out}`);
    try {
      socket = await new Promise<Socket>((resolve, reject) => {
        const s = createConnection(ctrlPort, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      });
    } catch {
      if (Date.now() > deadline) throw new Error(`baresip ctrl_tcp never listened on ${ctrlPort}: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  socket.on('data', onData);
  socket.on('error', () => undefined);

  const waitForEvent = (type: string, timeoutMs = 15_000, seen = false) =>
    new Promise<BaresipEvent>((resolve, reject) => {
      const already = seen ? events.find((e) => e.type === type) : undefined;
      if (already) return resolve(already);
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`baresip: no ${type} within ${timeoutMs} ms; events ${events.map((e) => e.type).join(',')}; output: ${out.slice(-3000)}`));
      }, timeoutMs);
      const listener = (e: BaresipEvent) => {
        if (e.type !== type) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(e);
      };
      listeners.add(listener);
    });

  const registered = new Promise<void>((resolve, reject) => {
    const first = events.find((e) => e.type === 'REGISTER_OK' || e.type === 'REGISTER_FAIL');
    if (first?.type === 'REGISTER_OK') return resolve();
    if (first) return reject(new Error(`baresip: REGISTER failed: ${first.param ?? ''}`));
    const listener = (e: BaresipEvent) => {
      if (e.type === 'REGISTER_OK') {
        listeners.delete(listener);
        resolve();
      } else if (e.type === 'REGISTER_FAIL') {
        listeners.delete(listener);
        reject(new Error(`baresip: REGISTER failed: ${e.param ?? ''}`));
      }
    };
    listeners.add(listener);
    void exited.then(() => reject(new Error(`baresip exited: ${out.slice(-3000)}`)));
  });
  registered.catch(() => undefined);

  let tokens = 0;
  const command = (cmd: string, params = '') =>
    new Promise<string>((resolve) => {
      const token = String(++tokens);
      pending.push({ token, resolve });
      const json = JSON.stringify({ command: cmd, params, token });
      socket!.write(`${Buffer.byteLength(json)}:${json},`);
    });

  const list = (suffix: string) =>
    readdirSync(recordDir)
      .filter((f) => f.endsWith(`-${suffix}.wav`))
      .sort()
      .map((f) => join(recordDir, f));

  return {
    registered,
    events,
    recordDir,
    configDir,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    waitForEvent,
    command,
    hangup: () => command('hangup'),
    recordings: () => ({ received: list('dec'), sent: list('enc') }),
    output: () => out,
    async kill() {
      socket?.destroy();
      if (child.exitCode !== null || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        return;
      }
      await exited;
    },
    async stop() {
      socket?.destroy();
      if (child.exitCode !== null || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    },
  };
}
