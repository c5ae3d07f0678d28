/**
 * The media node's configuration, from the environment only (media-node/README.md
 * lists every variable). An invalid value stops start-up with one message that
 * names the variable.
 */
import { z } from 'zod';
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { isLoopbackHost } from '../metrics/metrics-endpoint.ts';

const port = z.coerce.number().int().min(1).max(65535);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const EnvSchema = z
  .object({
    NODE_ID: z.string().min(1).default(`media-${hostname()}`),
    CONTROL_HOST: z.string().default('127.0.0.1'),
    /** 0 picks a free port (tests). */
    CONTROL_PORT: z.coerce.number().int().min(0).max(65535).default(7070),
    /** How the Worker reaches the control API; defaults to http://CONTROL_HOST:CONTROL_PORT. */
    CONTROL_PUBLIC_URL: z.string().url().optional(),
    WORKER_URL: z.string().url(),
    MEDIA_SHARED_SECRET: z.string().min(16, 'must be at least 16 characters'),
    SIP_BIND_HOST: z.string().default('127.0.0.1'),
    SIP_BIND_PORT: port.default(5062),
    SIP_TRUNK_URI: z.string().regex(/^sips?:[^@;]*@?[^;]+(;.*)?$/, 'must be a SIP URI such as sip:127.0.0.1:5080;transport=udp'),
    SIP_TRUNK_USER: z.string().optional(),
    SIP_TRUNK_PASSWORD: z.string().optional(),
    MEDIA_ADVERTISE_ADDRESS: z.string().min(1).default('127.0.0.1'),
    RTP_PORT_MIN: port.default(20000),
    RTP_PORT_MAX: port.default(29999),
    CALL_CAPACITY: z.coerce.number().int().min(1).default(500),
    /** RTP sockets: the udp-io addon (auto: when it is built), or Node's dgram. */
    RTP_IO: z.enum(['auto', 'native', 'dgram']).default('auto'),
    /**
     * Nice value for Node's helper threads so they yield the core to the media clock (main thread); 0 leaves them alone.
     * 5, not 19: the main thread waits on V8's GC helpers in parallel phases, and at 19 other processes on the machine
     * starved them (docs/benchmarks.md).
     */
    BACKGROUND_THREAD_NICE: z.coerce.number().int().min(0).max(19).default(5),
    SHUTDOWN_MODE: z.enum(['hangup', 'finish']).default('hangup'),
    SHUTDOWN_GRACE_S: z.coerce.number().nonnegative().default(30),
    /** On SIGTERM, after the calls ended: how long recordings still uploading (retries included) may hold the exit. */
    SHUTDOWN_UPLOAD_WAIT_S: z.coerce.number().nonnegative().default(30),
    AUDIO_CACHE_DIR: z.string().default('.cache/media-node/audio'),
    AUDIO_CACHE_MAX_MB: z.coerce.number().positive().default(512),
    AUDIO_FETCH_TIMEOUT_S: z.coerce.number().positive().default(10),
    AUDIO_MAX_DOWNLOAD_MB: z.coerce.number().positive().default(50),
    ALLOW_PRIVATE_AUDIO_URLS: bool.default(false),
    /** PEM file of a CA trusted for wss streams besides the system roots (tests, private PKI). */
    STREAM_EXTRA_CA_FILE: z.string().min(1).optional(),
    /** Per stream: media messages are dropped while more than this waits unsent (a slow server). */
    STREAM_SEND_BUFFER_KB: z.coerce.number().int().min(16).default(256),
    /** Per stream: server audio queued beyond this many seconds is refused. */
    STREAM_MAX_PLAYBACK_S: z.coerce.number().int().min(1).max(600).default(60),
    /** SIP over secure WebSocket (RFC 7118) for browser agents: unset = no listener. 0 picks a free port (tests). */
    SIP_WSS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    SIP_WSS_HOST: z.string().default('0.0.0.0'),
    /** PEM certificate chain and private key of the WSS listener (required with SIP_WSS_PORT). */
    SIP_WSS_CERT_FILE: z.string().min(1).optional(),
    SIP_WSS_KEY_FILE: z.string().min(1).optional(),
    /** Browser agents' WebRTC (mediasoup, only with SIP_WSS_PORT): the WebRtcTransports' bind address and UDP ports. */
    WEBRTC_LISTEN_IP: z.string().default('0.0.0.0'),
    /** The address in the ICE candidates browsers connect to; default MEDIA_ADVERTISE_ADDRESS. */
    WEBRTC_ANNOUNCED_ADDRESS: z.string().optional(),
    WEBRTC_PORT_MIN: port.default(40000),
    WEBRTC_PORT_MAX: port.default(40999),
    /** Agents register as <user>@<tenant>.SIP_DOMAIN (or SIP_DOMAIN itself); the AOR host is the digest realm. */
    SIP_DOMAIN: z.string().min(1).default('sip.crier.local'),
    /** REGISTER Expires: below the minimum → 423 with Min-Expires; above the maximum → the maximum; absent → the default. */
    REGISTER_MIN_EXPIRES_S: z.coerce.number().int().min(1).default(60),
    REGISTER_MAX_EXPIRES_S: z.coerce.number().int().min(1).default(3600),
    REGISTER_DEFAULT_EXPIRES_S: z.coerce.number().int().min(1).default(600),
    /**
     * Digest challenges offered to REGISTER, preferred first (RFC 7616 §3.7: SHA-256 before MD5). Softphones
     * that give up on a challenge they cannot answer instead of taking the next (baresip 1.x / libre < 2) need MD5.
     */
    REGISTER_DIGEST_ALGORITHMS: z
      .string()
      .default('SHA-256,MD5')
      .transform((v) => v.split(',').map((a) => a.trim().toUpperCase()))
      .pipe(z.array(z.enum(['SHA-256', 'MD5'])).min(1)),
    /**
     * The same for REGISTERs over the SIP WebSocket: browser stacks answer only the first challenge and only
     * MD5 (SIP.js 0.21, JsSIP 3.x abort on SHA-256), so browsers get MD5 unless this says otherwise.
     */
    REGISTER_WS_DIGEST_ALGORITHMS: z
      .string()
      .default('MD5')
      .transform((v) => v.split(',').map((a) => a.trim().toUpperCase()))
      .pipe(z.array(z.enum(['SHA-256', 'MD5'])).min(1)),
    /** How long a digest nonce is good for; a right answer on an older one gets stale=true. */
    REGISTER_NONCE_LIFETIME_S: z.coerce.number().int().min(10).default(300),
    /** After this many failed authentications from one IP within the window, REGISTERs from it get 403 until the window passes. */
    REGISTER_FAIL_MAX: z.coerce.number().int().min(1).default(5),
    REGISTER_FAIL_WINDOW_S: z.coerce.number().int().min(1).default(60),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    /** host:port of a listener of its own for GET /metrics; unset serves /metrics on the control port. Port 0 picks one (tests). */
    METRICS_BIND: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9464 or [::1]:9464')
      .optional(),
    /** Bearer token GET /metrics requires; without one, /metrics answers only on a loopback listener. */
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  })
  .refine((e) => e.RTP_PORT_MIN < e.RTP_PORT_MAX, { message: 'must be below RTP_PORT_MAX', path: ['RTP_PORT_MIN'] })
  .refine((e) => e.REGISTER_MIN_EXPIRES_S <= e.REGISTER_DEFAULT_EXPIRES_S && e.REGISTER_DEFAULT_EXPIRES_S <= e.REGISTER_MAX_EXPIRES_S, {
    message: 'must lie between REGISTER_MIN_EXPIRES_S and REGISTER_MAX_EXPIRES_S',
    path: ['REGISTER_DEFAULT_EXPIRES_S'],
  })
  .refine((e) => e.WEBRTC_PORT_MIN < e.WEBRTC_PORT_MAX, { message: 'must be below WEBRTC_PORT_MAX', path: ['WEBRTC_PORT_MIN'] })
  .refine((e) => e.SIP_WSS_PORT === undefined || (e.SIP_WSS_CERT_FILE && e.SIP_WSS_KEY_FILE), { message: 'SIP_WSS_CERT_FILE and SIP_WSS_KEY_FILE are required with it', path: ['SIP_WSS_PORT'] })
  .refine((e) => !e.SIP_TRUNK_PASSWORD || e.SIP_TRUNK_USER, { message: 'is required when SIP_TRUNK_PASSWORD is set', path: ['SIP_TRUNK_USER'] })
  // A metrics port opened beyond loopback without a token is a mistake, not a choice: refuse it.
  .refine((e) => !e.METRICS_BIND || e.METRICS_TOKEN || isLoopbackHost(splitHostPort(e.METRICS_BIND).host), {
    message: 'is not a loopback address: set METRICS_TOKEN too',
    path: ['METRICS_BIND'],
  });

export type MediaNodeConfig = z.infer<typeof EnvSchema> & {
  trunk: { host: string; port: number; domain: string };
  /** The contents of STREAM_EXTRA_CA_FILE, read at start-up. */
  streamExtraCaPem: string | null;
  /** The SIP WSS listener's certificate and key (PEM), read at start-up; null without SIP_WSS_PORT. */
  sipWss: { port: number; host: string; cert: string; key: string } | null;
};

/** Variables whose values are secrets (MEDIA_SHARED_SECRET, SIP_TRUNK_PASSWORD, and any added later). */
const SECRET_NAME = /SECRET|PASSWORD|TOKEN|KEY/;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): MediaNodeConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    const value = env[name];
    // A secret's value never reaches a log or a terminal, even a wrong one: name it only.
    const shown = value === undefined ? 'is not set' : SECRET_NAME.test(name) ? '(value not shown)' : `(${JSON.stringify(value)})`;
    throw new ConfigError(`invalid configuration: ${name} ${shown}: ${issue.message}`);
  }
  const m = /^sips?:(?:[^@;]*@)?([^:;]+)(?::(\d+))?/.exec(parsed.data.SIP_TRUNK_URI)!;
  return { ...parsed.data, trunk: { host: m[1]!, port: Number(m[2] ?? 5060), domain: m[1]! }, streamExtraCaPem: readExtraCa(parsed.data.STREAM_EXTRA_CA_FILE), sipWss: readSipWss(parsed.data) };
}

/** "127.0.0.1:9464" or "[::1]:9464" → host and port. */
export function splitHostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(value.slice(at + 1)) };
}

function readExtraCa(file: string | undefined): string | null {
  if (!file) return null;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`invalid configuration: STREAM_EXTRA_CA_FILE (${JSON.stringify(file)}): cannot be read: ${(err as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`invalid configuration: STREAM_EXTRA_CA_FILE (${JSON.stringify(file)}): is not a PEM certificate`);
  return pem;
}

function readSipWss(e: z.infer<typeof EnvSchema>): MediaNodeConfig['sipWss'] {
  if (e.SIP_WSS_PORT === undefined) return null;
  const read = (name: 'SIP_WSS_CERT_FILE' | 'SIP_WSS_KEY_FILE') => {
    const file = e[name]!;
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`invalid configuration: ${name} (${JSON.stringify(file)}): cannot be read: ${(err as Error).message}`);
    }
  };
  return { port: e.SIP_WSS_PORT, host: e.SIP_WSS_HOST, cert: read('SIP_WSS_CERT_FILE'), key: read('SIP_WSS_KEY_FILE') };
}
