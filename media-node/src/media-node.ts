/**
 * Assembles a media node: SIP transport, the frame scheduler, RTP ports, audio
 * renderer, the Worker link (heartbeats, events) and the control API, plus the
 * registry of live CallLegs. main.ts runs one; tests and benchmarks start
 * them in-process.
 */
import type { CommandResult, ParsedMediaCommand } from '../../worker/src/media-protocol/index.ts';
import type { MediaNodeConfig } from './config/env.ts';
import { Logger } from './log/logger.ts';
import { SipTransport } from './sip/transport.ts';
import { FrameScheduler } from './rtp/frame-scheduler.ts';
import { configureRtpIo, rtpIoInUse } from './rtp/udp/rtp-socket.ts';
import { keepBackgroundThreadsDeprioritized } from './process/background-threads.ts';
import { PortPool } from './rtp/port-pool.ts';
import { DefaultAudioRenderer, type AudioRenderer } from './audio/renderer.ts';
import { EventReporter } from './worker-link/event-reporter.ts';
import { HeartbeatClient, liveLegsByOwner } from './worker-link/heartbeat.ts';
import { CommandServer } from './control/command-server.ts';
import { CallLeg } from './call/call-leg.ts';
import { CallConnect } from './call/call-connect.ts';
import { Cause } from '../../worker/src/telephony/q850.ts';
import { RecordingUploader } from './worker-link/recording-upload.ts';
import { StreamStats } from './stream/stream-stats.ts';
import type { StreamSettings } from './stream/call-stream.ts';
import { streamSecureContext } from './stream/stream-target.ts';
import { NodeMetrics } from './metrics/node-metrics.ts';
import { MetricsServer, isLoopbackHost, serveMetrics } from './metrics/metrics-endpoint.ts';
import { splitHostPort } from './config/env.ts';
import { Registrar } from './registrar/registrar.ts';
import { RegistrationReporter } from './worker-link/registration-reporter.ts';
import { sipCredentialsLookup } from './worker-link/sip-credentials.ts';
import { responseTo } from './sip/transport.ts';
import type { AgentDestination } from './call/outbound-dial.ts';
import { SipWebSocketServer } from './sip/websocket-server.ts';
import { WebRtcGateway } from './webrtc/webrtc-gateway.ts';

export interface MediaNode {
  readonly controlUrl: string;
  readonly legs: Map<string, CallLeg>;
  /** Connects in progress or bridged, by the recipient leg's voice_id. */
  readonly connects: Map<string, CallConnect>;
  readonly scheduler: FrameScheduler;
  readonly reporter: EventReporter;
  readonly streamStats: StreamStats;
  /** Prometheus metrics; the registrar sets its gauge with metrics.setSipRegistrations(n). */
  readonly metrics: NodeMetrics;
  /** Where GET /metrics answers. */
  readonly metricsUrl: string;
  /** Agents' SIP registrations held by this node. */
  readonly registrar: Registrar;
  /** The SIP WSS listener's port for browser agents (RFC 7118), or null when SIP_WSS_PORT is unset. */
  readonly sipWssPort: number | null;
  /** mediasoup for browser agents' media (with SIP_WSS_PORT), started on the first browser call. */
  readonly webrtc: WebRtcGateway | null;
  /** Stops taking calls, ends or waits for live ones per SHUTDOWN_MODE, waits (bounded) for recording uploads, flushes events. */
  shutdown(): Promise<void>;
}

export async function startMediaNode(config: MediaNodeConfig, options: { log?: Logger; renderer?: AudioRenderer } = {}): Promise<MediaNode> {
  const log = (options.log ?? new Logger({}, config.LOG_LEVEL)).child({ node_id: config.NODE_ID });
  configureRtpIo(config.RTP_IO);
  const stopDeprioritizing = config.BACKGROUND_THREAD_NICE > 0 ? keepBackgroundThreadsDeprioritized(config.BACKGROUND_THREAD_NICE) : () => {};
  const transport = await SipTransport.bind(config.SIP_BIND_HOST, config.SIP_BIND_PORT, config.MEDIA_ADVERTISE_ADDRESS);
  const scheduler = new FrameScheduler();
  const ports = new PortPool(config.RTP_PORT_MIN, config.RTP_PORT_MAX);
  const renderer =
    options.renderer ??
    new DefaultAudioRenderer({
      cacheDir: config.AUDIO_CACHE_DIR,
      maxCacheBytes: config.AUDIO_CACHE_MAX_MB * 1024 * 1024,
      fetchTimeoutMs: config.AUDIO_FETCH_TIMEOUT_S * 1000,
      maxDownloadBytes: config.AUDIO_MAX_DOWNLOAD_MB * 1024 * 1024,
      allowPrivateAddresses: config.ALLOW_PRIVATE_AUDIO_URLS,
    });
  const reporter = new EventReporter(config.WORKER_URL, config.MEDIA_SHARED_SECRET, config.NODE_ID, log, (event) => metrics.observeEvent(event));
  const uploads = new RecordingUploader({ workerUrl: config.WORKER_URL, secret: config.MEDIA_SHARED_SECRET });
  const streamStats = new StreamStats();
  const streams: StreamSettings = {
    allowPrivateAddresses: config.ALLOW_PRIVATE_AUDIO_URLS,
    secureContext: streamSecureContext(config.streamExtraCaPem),
    sendBufferBytes: config.STREAM_SEND_BUFFER_KB * 1024,
    maxPlaybackSeconds: config.STREAM_MAX_PLAYBACK_S,
    scheduler,
    stats: streamStats,
  };
  /** This boot's identity, sent in heartbeats, in every originate result and in registration reports. */
  const startedAt = new Date().toISOString();
  const registrations = new RegistrationReporter(config.WORKER_URL, config.MEDIA_SHARED_SECRET, config.NODE_ID, startedAt, log);
  const registrar = new Registrar(
    {
      nodeId: config.NODE_ID,
      startedAt,
      sipDomain: config.SIP_DOMAIN,
      expires: { minS: config.REGISTER_MIN_EXPIRES_S, maxS: config.REGISTER_MAX_EXPIRES_S, defaultS: config.REGISTER_DEFAULT_EXPIRES_S },
      algorithms: config.REGISTER_DIGEST_ALGORITHMS,
      wsAlgorithms: config.REGISTER_WS_DIGEST_ALGORITHMS,
      nonceLifetimeS: config.REGISTER_NONCE_LIFETIME_S,
      throttle: { maxFailures: config.REGISTER_FAIL_MAX, windowS: config.REGISTER_FAIL_WINDOW_S },
      credentialCacheS: 30,
    },
    {
      lookup: sipCredentialsLookup(config.WORKER_URL, config.MEDIA_SHARED_SECRET, config.NODE_ID),
      report: (change) => {
        registrations.report(change);
        metrics.setSipRegistrations(registrar.bindings.size);
      },
      send: (res, to) => transport.send(res, to),
      log,
    },
  );
  // Requests outside any dialog: REGISTER for the registrar, OPTIONS (softphone keep-alives) answered, the rest 481.
  transport.onUnknownRequest((req, from) => {
    if (req.method === 'REGISTER') return registrar.handleRegister(req, from);
    if (req.method === 'OPTIONS') return transport.send(responseTo(req, 200, 'OK', { allow: 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER' }), from);
    if (req.method !== 'ACK') transport.send(responseTo(req, 481, 'Call/Transaction Does Not Exist'), from);
  });
  const sipWss = config.sipWss
    ? await SipWebSocketServer.listen(config.sipWss, transport, { onClosed: (connection) => registrar.connectionClosed(connection) }, log)
    : null;
  const webrtc = sipWss
    ? new WebRtcGateway(
        { listenIp: config.WEBRTC_LISTEN_IP, announcedAddress: config.WEBRTC_ANNOUNCED_ADDRESS ?? config.MEDIA_ADVERTISE_ADDRESS, portMin: config.WEBRTC_PORT_MIN, portMax: config.WEBRTC_PORT_MAX },
        log,
      )
    : null;
  const legs = new Map<string, CallLeg>();
  const connects = new Map<string, CallConnect>();
  let draining = false;
  let setupsTotal = 0;
  const metrics = new NodeMetrics(config.NODE_ID, {
    liveCalls: () => legs.size,
    bridgedCalls: () => connects.size,
    setupsTotal: () => setupsTotal,
    pendingUploads: () => uploads.pending,
    pendingEvents: () => reporter.pending,
    rtpPortsFree: () => ports.available,
    send: scheduler.stats,
    streams: streamStats,
  });

  /** Where a command's agent target rings: its binding here, or null (agent_not_registered). */
  const agentDestination = (target: { sip_user: string; realm: string }): AgentDestination | null => {
    const b = registrar.binding(target.realm, target.sip_user);
    return b ? { contact: b.contact, peer: b.source, aor: `sip:${b.sipUser}@${b.realm}` } : null;
  };
  const credentials = config.SIP_TRUNK_USER ? { username: config.SIP_TRUNK_USER, password: config.SIP_TRUNK_PASSWORD ?? '' } : undefined;
  const handle = (command: ParsedMediaCommand): CommandResult => {
    const ok = { command_id: command.command_id, ok: true };
    switch (command.type) {
      case 'originate': {
        const placed = { ...ok, boot: startedAt };
        if (legs.has(command.voice_id)) return placed;
        if (draining) return { command_id: command.command_id, ok: false, error: 'draining' };
        if (legs.size >= config.CALL_CAPACITY) return { command_id: command.command_id, ok: false, error: 'at_capacity' };
        const agent = command.target ? agentDestination(command.target) : null;
        if (command.target && !agent) return { command_id: command.command_id, ok: false, error: 'agent_not_registered' };
        const leg = new CallLeg(command, {
          ...(agent ? { agent } : {}),
          transport,
          scheduler,
          ports,
          renderer,
          reporter,
          log,
          trunk: config.trunk,
          credentials,
          rtpBindHost: config.SIP_BIND_HOST,
          advertiseAddress: config.MEDIA_ADVERTISE_ADDRESS,
          webrtc: webrtc ?? undefined,
          storeRecording: (id, wav, durationMs, legLog) => uploads.upload(id, wav, durationMs, legLog),
          streams,
          onEnded: (ended) => {
            legs.delete(ended.voiceId);
            setTimeout(() => reporter.forgetLeg(ended.voiceId), 60_000).unref();
          },
        });
        legs.set(command.voice_id, leg);
        setupsTotal++;
        void leg.start();
        return placed;
      }
      case 'play': {
        const leg = legs.get(command.voice_id);
        if (!leg || leg.phase !== 'answered') return { command_id: command.command_id, ok: false, error: 'unknown_leg' };
        if (connects.has(command.voice_id)) return { command_id: command.command_id, ok: false, error: 'bridged' };
        leg.play(command.play);
        return ok;
      }
      case 'hangup': {
        legs.get(command.voice_id)?.hangup(command.cause);
        return ok;
      }
      case 'recording': {
        const leg = legs.get(command.voice_id);
        if (!leg) return { command_id: command.command_id, ok: false, error: 'unknown_leg' };
        if (command.action === 'stop') {
          leg.stopRecording();
          return ok;
        }
        return leg.startRecording(command.recording_id) ? ok : { command_id: command.command_id, ok: false, error: 'not_answered' };
      }
      case 'connect': {
        const leg = legs.get(command.voice_id);
        if (!leg) return { command_id: command.command_id, ok: false, error: 'unknown_leg' };
        if (leg.phase !== 'answered') return { command_id: command.command_id, ok: false, error: 'not_answered' };
        if (connects.has(command.voice_id)) return { command_id: command.command_id, ok: false, error: 'connect_in_progress' };
        const agent = command.target ? agentDestination(command.target) : null;
        if (command.target && !agent) return { command_id: command.command_id, ok: false, error: 'agent_not_registered' };
        const connect = new CallConnect(leg, command, {
          ...(agent ? { agent } : {}),
          destination: { transport, scheduler, ports, log, trunk: config.trunk, credentials, rtpBindHost: config.SIP_BIND_HOST, advertiseAddress: config.MEDIA_ADVERTISE_ADDRESS, webrtc: webrtc ?? undefined },
          reporter,
          onDone: (done) => {
            if (connects.get(command.voice_id) === done) connects.delete(command.voice_id);
          },
        });
        connects.set(command.voice_id, connect);
        connect.start();
        return ok;
      }
      case 'stream': {
        const leg = legs.get(command.voice_id);
        if (command.action === 'stop') {
          leg?.stopStream(command.stream_id);
          return ok;
        }
        if (!leg || leg.phase !== 'answered') return { command_id: command.command_id, ok: false, error: 'unknown_leg' };
        return leg.startStream(command) ? ok : { command_id: command.command_id, ok: false, error: 'not_answered' };
      }
      case 'hold': {
        const leg = legs.get(command.voice_id);
        if (!leg || leg.phase !== 'answered') return { command_id: command.command_id, ok: false, error: 'unknown_leg' };
        leg.hold(command.hold);
        return ok;
      }
    }
  };

  const server = new CommandServer(config.MEDIA_SHARED_SECRET, {
    handle,
    ...(config.METRICS_BIND ? {} : { metrics: (req, res) => serveMetrics(req, res, metrics, config.METRICS_TOKEN, config.CONTROL_HOST) }),
    stats: () => ({ node_id: config.NODE_ID, live_calls: legs.size, setups_total: setupsTotal, pending_events: reporter.pending, send: scheduler.stats.summary(), streams: streamStats.summary(), rtp_ports_free: ports.available }),
  }, log);
  const port = await server.listen(config.CONTROL_HOST, config.CONTROL_PORT);
  const controlUrl = config.CONTROL_PUBLIC_URL ?? `http://${config.CONTROL_HOST}:${port}`;
  const metricsBind = config.METRICS_BIND ? splitHostPort(config.METRICS_BIND) : null;
  const metricsServer = metricsBind ? new MetricsServer(metrics, config.METRICS_TOKEN, metricsBind.host) : null;
  const metricsUrl = metricsBind
    ? `http://${metricsBind.host.includes(':') ? `[${metricsBind.host}]` : metricsBind.host}:${await metricsServer!.listen(metricsBind.port)}/metrics`
    : `http://${config.CONTROL_HOST}:${port}/metrics`;
  if (!metricsBind && !config.METRICS_TOKEN && !isLoopbackHost(config.CONTROL_HOST)) log.warn('GET /metrics refuses every scrape: the control port is not on loopback; set METRICS_TOKEN or METRICS_BIND');
  const heartbeat = new HeartbeatClient(
    config.WORKER_URL,
    config.MEDIA_SHARED_SECRET,
    () => ({
      node_id: config.NODE_ID,
      control_url: controlUrl,
      capacity: config.CALL_CAPACITY,
      live_calls: legs.size,
      draining,
      live_legs: liveLegsByOwner(
        [...legs.values()].map((leg) => ({ voice_id: leg.voiceId, owner: leg.command.owner })),
        reporter.unacknowledgedLegs(),
      ),
      sip_bindings: registrar.bindings.size,
    }),
    log,
    startedAt,
    {
      onOrphans: (voiceIds) => {
        const held = voiceIds.filter((id) => legs.has(id));
        if (held.length > 0) log.warn('the Worker has ended these calls: hanging up', { calls: held.length, voice_ids: held });
        for (const id of held) legs.get(id)!.hangup(Cause.TEMPORARY_FAILURE);
      },
      // The Worker is back: what waited out the outage's backoff goes now (docs/media-protocol.md).
      onReachableAgain: () => {
        reporter.workerReachable();
        registrations.workerReachable();
      },
      onRegistrationsWanted: () => {
        const n = registrar.reportAll();
        if (n > 0) log.info('agent bindings reported again at the Worker\'s request', { bindings: n });
      },
    },
  );
  heartbeat.start();
  log.info('media node started', { control_url: controlUrl, sip: `${config.SIP_BIND_HOST}:${transport.localPort}`, ...(sipWss ? { sip_wss: `${config.sipWss!.host}:${sipWss.port}` } : {}), trunk: config.SIP_TRUNK_URI, capacity: config.CALL_CAPACITY, rtp_io: rtpIoInUse() });

  return {
    controlUrl,
    legs,
    connects,
    scheduler,
    reporter,
    streamStats,
    metrics,
    metricsUrl,
    registrar,
    sipWssPort: sipWss?.port ?? null,
    webrtc,
    async shutdown() {
      draining = true;
      await heartbeat.beat();
      log.info('draining', { live_calls: legs.size, mode: config.SHUTDOWN_MODE });
      if (config.SHUTDOWN_MODE === 'hangup') for (const leg of legs.values()) leg.hangup();
      const deadline = Date.now() + config.SHUTDOWN_GRACE_S * 1000;
      while (legs.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      for (const leg of legs.values()) leg.hangup();
      const hardStop = Date.now() + 3_000;
      while (legs.size > 0 && Date.now() < hardStop) await new Promise((r) => setTimeout(r, 50));
      // Hanging up stopped every recording: their uploads (with retries) may hold the exit, bounded.
      if (uploads.pending > 0) {
        log.info('waiting for recording uploads', { uploads: uploads.pending, wait_s: config.SHUTDOWN_UPLOAD_WAIT_S });
        if (!(await uploads.drained(config.SHUTDOWN_UPLOAD_WAIT_S * 1000))) log.error('recordings still uploading at exit are lost', { uploads: uploads.pending });
      }
      await Promise.race([Promise.all([reporter.flushed(), registrations.flushed()]), new Promise((r) => setTimeout(r, 10_000))]);
      heartbeat.stop();
      registrations.stop();
      registrar.close();
      await sipWss?.close();
      await webrtc?.close();
      stopDeprioritizing();
      await server.close();
      await metricsServer?.close();
      transport.close();
      log.info('stopped', { unsent_events: reporter.pending });
    },
  };
}
