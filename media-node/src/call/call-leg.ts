/**
 * CallLeg: one outbound call from originate to disconnected. It renders the
 * first audio while the phone rings (so playback starts on the first frame
 * slot after 200 OK), runs AMD when asked, plays, and reports every step to
 * the Worker with the leg's voice_id. Every way a call can end (SIP failure,
 * ring timeout, either side hanging up, max duration, shutdown) ends here, in
 * #end, exactly once.
 */
import { randomUUID } from 'node:crypto';
import type { OriginateCommand, PlaySpec, StreamCommand } from '../../../worker/src/media-protocol/index.ts';
import { Cause, q850FromSipStatus, q850Reason } from '../../../worker/src/telephony/q850.ts';
import { UacCall } from '../sip/uac-call.ts';
import type { SipTransport } from '../sip/transport.ts';
import { buildOffer, parseAnswer } from '../sdp/sdp.ts';
import { RtpStream } from '../rtp/rtp-stream.ts';
import type { FrameScheduler } from '../rtp/frame-scheduler.ts';
import type { PortPool } from '../rtp/port-pool.ts';
import type { AudioRenderer, RenderedAudio } from '../audio/renderer.ts';
import type { EventReporter } from '../worker-link/event-reporter.ts';
import type { Logger } from '../log/logger.ts';
import { AmdDetector } from '../amd/detector.ts';
import { CallRecorder } from './call-recorder.ts';
import { CallStream, type StreamSettings } from '../stream/call-stream.ts';

export interface CallLegDeps {
  transport: SipTransport;
  scheduler: FrameScheduler;
  ports: PortPool;
  renderer: AudioRenderer;
  reporter: EventReporter;
  log: Logger;
  trunk: { host: string; port: number; domain: string };
  credentials?: { username: string; password: string };
  rtpBindHost: string;
  advertiseAddress: string;
  onEnded(leg: CallLeg): void;
  /** Hands a finished recording to the Worker. */
  /** Uploads a finished recording; `log` is the leg's (its lines carry the voice_id). */
  storeRecording(recordingId: string, wav: Buffer, durationMs: number, log: Logger): Promise<unknown>;
  streams: StreamSettings;
}

type Phase = 'starting' | 'ringing' | 'answered' | 'ended';

interface OpenPlay {
  generation: number;
  base: { type: 'playstate'; voice_id: string; owner: OriginateCommand['owner']; prompt_ref: string; prompt_name?: string };
  closed: boolean;
}

export class CallLeg {
  readonly voiceId: string;
  readonly channelId = randomUUID();
  readonly log: Logger;
  #phase: Phase = 'starting';
  #uac: UacCall | null = null;
  #rtp: RtpStream | null = null;
  #port: number | null = null;
  #answeredAt: number | null = null;
  #ringTimer: NodeJS.Timeout | null = null;
  #durationTimer: NodeJS.Timeout | null = null;
  #ringTimedOut = false;
  #requestedCause: number | null = null;
  #firstAudio: Promise<RenderedAudio>;
  #playGeneration = 0;
  /** Plays accepted but not yet finished, failed or interrupted, oldest first. */
  #openPlays: OpenPlay[] = [];
  #connectedReported = false;
  answeredAtPerf: number | null = null;

  constructor(
    readonly command: OriginateCommand,
    private readonly deps: CallLegDeps,
  ) {
    this.voiceId = command.voice_id;
    this.log = deps.log.child({ voice_id: command.voice_id });
    this.#firstAudio = deps.renderer.render(command.play);
    this.#firstAudio.catch(() => undefined); // reported as a failed play once answered
  }

  get phase(): Phase {
    return this.#phase;
  }

  get rtp(): RtpStream | null {
    return this.#rtp;
  }

  async start(): Promise<void> {
    try {
      this.#port = this.deps.ports.take();
      this.#rtp = await RtpStream.open(this.deps.rtpBindHost, this.#port, this.deps.scheduler);
    } catch (err) {
      this.log.error('no media port for the call', { error: (err as Error).message });
      this.#end({ cause: Cause.NO_CIRCUIT_AVAILABLE, reason: q850Reason(Cause.NO_CIRCUIT_AVAILABLE), by: 'network' });
      return;
    }
    const uac = new UacCall(this.deps.transport, {
      trunk: this.deps.trunk,
      trunkDomain: this.deps.trunk.domain,
      from: this.command.from,
      to: this.command.to,
      sdpOffer: buildOffer({ address: this.deps.advertiseAddress, port: this.#port, sessionId: Date.now() }),
      credentials: this.deps.credentials,
    });
    this.#uac = uac;
    uac.on('ringing', () => {
      if (this.#phase !== 'starting') return;
      this.#phase = 'ringing';
      this.deps.reporter.report({ type: 'ringing', voice_id: this.voiceId, owner: this.command.owner, channel_id: this.channelId });
    });
    uac.on('answered', ({ sdp }) => this.#onAnswered(sdp));
    uac.on('failed', ({ status, reason, cancelled }) => {
      if (cancelled && this.#ringTimedOut) return this.#end({ cause: Cause.NO_ANSWER, reason: q850Reason(Cause.NO_ANSWER), by: 'local', sipStatus: status });
      if (cancelled || this.#requestedCause !== null) {
        const cause = this.#requestedCause ?? Cause.NORMAL_CLEARING;
        return this.#end({ cause, reason: q850Reason(cause), by: 'local', sipStatus: status });
      }
      const mapped = q850FromSipStatus(status);
      this.log.info('call failed', { sip_status: status, sip_reason: reason, cause: mapped.cause });
      this.#end({ cause: mapped.cause, reason: mapped.reason, by: 'remote', sipStatus: status });
    });
    uac.on('ended', ({ by }) => {
      const cause = by === 'remote' ? Cause.NORMAL_CLEARING : (this.#requestedCause ?? Cause.NORMAL_CLEARING);
      this.#end({ cause, reason: q850Reason(cause), by });
    });
    this.#ringTimer = setTimeout(() => {
      this.#ringTimedOut = true;
      this.log.info('ring timeout: cancelling', { ring_timeout_s: this.command.ring_timeout_s });
      uac.hangup();
    }, this.command.ring_timeout_s * 1000);
    this.log.info('dialing', { to: this.command.to, call_id: uac.callId, rtp_port: this.#port });
    uac.start();
  }

  #onAnswered(sdp: string): void {
    if (this.#phase === 'ended') return;
    if (this.#ringTimer) clearTimeout(this.#ringTimer);
    let answer;
    try {
      answer = parseAnswer(sdp);
    } catch (err) {
      this.log.warn('unusable SDP answer: hanging up', { error: (err as Error).message });
      this.hangup(Cause.INTERWORKING);
      return;
    }
    this.#phase = 'answered';
    this.#answeredAt = Date.now();
    this.answeredAtPerf = performance.now();
    this.#rtp!.start({ host: answer.address, port: answer.port }, answer.codec, answer.payloadType, answer.telephoneEventPt);
    this.#rtp!.onDigit((digit, durationMs) => this.deps.reporter.report({ type: 'dtmf', voice_id: this.voiceId, owner: this.command.owner, digit, duration_ms: durationMs }));
    this.#durationTimer = setTimeout(() => {
      this.log.info('maximum call duration reached');
      this.hangup(Cause.NORMAL_CLEARING);
    }, this.command.max_duration_s * 1000);
    this.log.info('answered', { codec: answer.codec, remote_rtp: `${answer.address}:${answer.port}` });
    if (!this.command.amd) {
      this.#reportConnected(undefined);
      void this.#playFirst();
      return;
    }
    const amd = new AmdDetector();
    let decided = false;
    let ready = false;
    let lastAudioAt = performance.now();
    // A far end that sends no RTP (silence suppression, one-way audio) is silence
    // to the detector: feed it silent frames so its clock keeps running.
    const silence = new Int16Array(160);
    const clock = setInterval(() => {
      if (this.#phase !== 'answered' || ready) return clearInterval(clock);
      if (performance.now() - lastAudioAt > 60) feed(silence);
    }, 20);
    const feed = (pcm: Int16Array) => {
      if (this.#phase !== 'answered') return;
      for (let i = 0; i + 160 <= pcm.length; i += 160) {
        const outcome = amd.pushFrame(pcm.subarray(i, i + 160));
        if (!outcome) continue;
        if (outcome.kind === 'decision' && !decided) {
          decided = true;
          this.log.info('amd decision', { answered_by: outcome.answeredBy, decision_ms: outcome.decisionMs, reason: outcome.reason });
          this.#reportConnected(outcome.answeredBy);
          if (outcome.answeredBy === 'HUMAN') {
            ready = true;
            void this.#playFirst();
          }
        } else if (outcome.kind === 'ready_to_play') {
          ready = true;
          this.log.info('voicemail ready for the message', { reason: outcome.reason, at_ms: outcome.atMs });
          void this.#playFirst();
        }
      }
    };
    this.#rtp!.onAudio((pcm) => {
      if (ready) return;
      lastAudioAt = performance.now();
      feed(pcm);
    });
  }

  #reportConnected(answeredBy: 'HUMAN' | 'MACHINE' | undefined, at?: Date): void {
    this.#connectedReported = true;
    this.deps.reporter.report({ type: 'connected', voice_id: this.voiceId, owner: this.command.owner, ...(answeredBy ? { answered_by: answeredBy } : {}) }, at);
  }

  #firstPlayed = false;
  async #playFirst(): Promise<void> {
    if (this.#firstPlayed) return;
    this.#firstPlayed = true;
    await this.#play(this.#openPlay(this.command.play), this.#firstAudio);
  }

  /**
   * A new play interrupts whatever is playing (docs/broadcast-api.md "Play"). Every
   * accepted play ends with exactly one playfinished, failed or interrupted
   * (unless the call ends first); the first prompt, if it never started, too.
   */
  play(spec: PlaySpec): void {
    if (!this.#firstPlayed) {
      this.#firstPlayed = true;
      this.#openPlay(this.command.play);
    }
    void this.#play(this.#openPlay(spec), this.deps.renderer.render(spec));
  }

  #openPlay(spec: PlaySpec): OpenPlay {
    const promptName = spec.type === 'prompt' ? spec.prompt_name : undefined;
    const play: OpenPlay = {
      generation: ++this.#playGeneration,
      base: { type: 'playstate', voice_id: this.voiceId, owner: this.command.owner, prompt_ref: spec.prompt_ref, ...(promptName ? { prompt_name: promptName } : {}) },
      closed: false,
    };
    this.#openPlays.push(play);
    return play;
  }

  #closePlay(play: OpenPlay, playstate: 'playfinished' | 'failed' | 'interrupted', error?: string): void {
    if (play.closed) return;
    play.closed = true;
    this.#openPlays = this.#openPlays.filter((p) => p !== play);
    this.deps.reporter.report({ ...play.base, playstate, ...(error ? { error } : {}) });
  }

  async #play(play: OpenPlay, audio: Promise<RenderedAudio>): Promise<void> {
    let rendered: RenderedAudio;
    try {
      rendered = await audio;
    } catch (err) {
      if (this.#phase !== 'answered' || play.closed) return;
      this.log.warn('audio could not be played', { error: (err as Error).message, prompt_ref: play.base.prompt_ref });
      this.#closePlay(play, 'failed', (err as Error).message);
      return;
    }
    // Closed: a newer play took over while this one rendered.
    if (this.#phase !== 'answered' || play.closed || !this.#rtp) return;
    for (const older of this.#openPlays.filter((p) => p.generation < play.generation)) this.#closePlay(older, 'interrupted');
    this.#rtp.clearQueue();
    this.#rtp.enqueue({
      pcm: rendered.pcm,
      onStart: () => this.deps.reporter.report({ ...play.base, playstate: 'initiated' }),
      onFinish: () => this.#closePlay(play, 'playfinished'),
    });
  }

  #recorder: CallRecorder | null = null;

  /** Starts recording (only one at a time per leg); false if the call is not answered. */
  startRecording(recordingId: string): boolean {
    if (this.#phase !== 'answered' || !this.#rtp) return false;
    if (this.#recorder?.active) this.stopRecording();
    const recorder = new CallRecorder(recordingId);
    this.#recorder = recorder;
    this.#rtp.onAudio((pcm) => recorder.received(pcm));
    this.#rtp.onFrameSent((sent) => recorder.tick(sent));
    this.log.info('recording started', { recording_id: recordingId });
    return true;
  }

  stopRecording(): void {
    const recorder = this.#recorder;
    if (!recorder?.active) return;
    this.#rtp?.onFrameSent(null);
    const wav = recorder.finish();
    this.log.info('recording stopped', { recording_id: recorder.recordingId, duration_ms: recorder.durationMs, bytes: wav.length });
    void this.deps.storeRecording(recorder.recordingId, wav, recorder.durationMs, this.log);
  }

  /**
   * Stops what is playing because a connect takes over what the recipient hears:
   * every open play (the first prompt too, if it never started) ends `interrupted`,
   * as it does when a newer play replaces it, so no accepted play is left without an end.
   */
  stopPlayback(): void {
    if (!this.#firstPlayed) {
      this.#firstPlayed = true;
      this.#openPlay(this.command.play);
    }
    for (const open of [...this.#openPlays]) this.#closePlay(open, 'interrupted');
    this.#rtp?.clearQueue();
  }

  readonly #endingHooks = new Set<() => void>();

  /**
   * Runs `hook` as the leg ends, before its disconnected event is reported, so
   * whatever hangs off the leg (a connected destination) ends and reports first.
   * Returns a function that removes the hook.
   */
  onEnding(hook: () => void): () => void {
    this.#endingHooks.add(hook);
    return () => this.#endingHooks.delete(hook);
  }

  #stream: CallStream | null = null;
  #streamTapped = false;

  /** Streams the call to a wss server (docs/media-protocol.md "Streams"); a running stream is replaced. False if not answered. */
  startStream(command: StreamCommand): boolean {
    const rtp = this.#rtp;
    if (this.#phase !== 'answered' || !rtp) return false;
    this.#stream?.stop('replaced');
    const base = { type: 'stream' as const, voice_id: this.voiceId, owner: this.command.owner, stream_id: command.stream_id, wss_host: command.wss_host! };
    const stream: CallStream = new CallStream(this.deps.streams, {
      streamId: command.stream_id,
      url: command.wss_host!,
      voiceId: this.voiceId,
      broadcastId: this.command.owner.kind === 'broadcast' ? this.command.owner.id : undefined,
      accountId: command.account_id ?? '',
      customParameters: command.custom_parameters,
      log: this.log,
      onState: (state) => {
        if (state.streamstate !== 'started') {
          rtp.removeMixer(stream);
          if (this.#stream === stream) this.#stream = null;
        }
        this.deps.reporter.report({ ...base, ...state });
      },
    });
    this.#stream = stream;
    // One tap per leg: RtpStream listeners stay for the call, so they follow whichever stream is current.
    if (!this.#streamTapped) {
      this.#streamTapped = true;
      rtp.onAudio((pcm) => this.#stream?.received(pcm));
      rtp.onDigit((digit) => this.#stream?.digit(digit));
    }
    rtp.addMixer(stream);
    stream.open();
    return true;
  }

  /** Stops the stream with this id if it is the one running (a stale stop is a no-op). */
  stopStream(streamId: string): void {
    if (this.#stream?.streamId === streamId) this.#stream.stop('stop_requested');
  }

  /** Holding sends silence and keeps the playback position; resuming continues from there. */
  hold(held: boolean): void {
    if (this.#phase !== 'answered' || !this.#rtp) return;
    this.#rtp.setPaused(held);
    this.log.info(held ? 'held' : 'resumed');
  }

  hangup(cause: number = Cause.NORMAL_CLEARING): void {
    if (this.#phase === 'ended') return;
    this.#requestedCause ??= cause;
    if (this.#uac) this.#uac.hangup();
    else this.#end({ cause, reason: q850Reason(cause), by: 'local' });
  }

  #end(end: { cause: number; reason: string; by: 'remote' | 'local' | 'network'; sipStatus?: number }): void {
    if (this.#phase === 'ended') return;
    this.#phase = 'ended';
    if (this.#answeredAt !== null && !this.#connectedReported) {
      // Ended while AMD was still listening: the call was answered all the same, so the
      // Worker must hear `connected` (as of the answer, with no verdict) before `disconnected`.
      this.log.info('call ended before the AMD decision');
      this.#reportConnected(undefined, new Date(this.#answeredAt));
    }
    if (this.#ringTimer) clearTimeout(this.#ringTimer);
    if (this.#durationTimer) clearTimeout(this.#durationTimer);
    for (const hook of [...this.#endingHooks]) hook();
    this.stopRecording();
    this.#stream?.stop('call_ended'); // its stopped event goes out before disconnected
    this.#rtp?.close();
    if (this.#port !== null) this.deps.ports.release(this.#port);
    const durationS = this.#answeredAt === null ? 0 : (Date.now() - this.#answeredAt) / 1000;
    this.deps.reporter.report({
      type: 'disconnected',
      voice_id: this.voiceId,
      owner: this.command.owner,
      cause: end.cause,
      reason: end.reason,
      duration_s: durationS,
      hangup_by: end.by,
      ...(end.sipStatus !== undefined ? { sip_status: end.sipStatus } : {}),
    });
    this.log.info('disconnected', { cause: end.cause, reason: end.reason, by: end.by, duration_s: durationS, rtp: this.#rtp?.counters });
    this.deps.onEnded(this);
  }
}
