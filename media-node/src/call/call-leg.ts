/**
 * CallLeg: one outbound call from originate to disconnected. The SIP and RTP
 * set-up is OutboundDial's (shared with a connect's destination); the leg
 * renders the first audio while the phone rings (so its first frame goes out
 * as soon as the 200 OK is taken up), runs AMD when asked, plays, records,
 * streams, and reports every step to the Worker with the leg's voice_id.
 * Every way a call can end (SIP failure, ring timeout, either side hanging up,
 * max duration, shutdown) ends here, in #end, exactly once.
 */
import { randomUUID } from 'node:crypto';
import type { OriginateCommand, PlaySpec, StreamCommand } from '../../../worker/src/media-protocol/index.ts';
import { Cause } from '../../../worker/src/telephony/q850.ts';
import type { RtpStream } from '../rtp/rtp-stream.ts';
import { OutboundDial, type AgentDestination, type Answer, type DialEnd, type OutboundDialDeps } from './outbound-dial.ts';
import type { AudioRenderer, RenderedAudio } from '../audio/renderer.ts';
import type { EventReporter } from '../worker-link/event-reporter.ts';
import type { Logger } from '../log/logger.ts';
import { AmdDetector } from '../amd/detector.ts';
import { CallRecorder } from './call-recorder.ts';
import { CallStream, type StreamSettings } from '../stream/call-stream.ts';

export interface CallLegDeps extends OutboundDialDeps {
  renderer: AudioRenderer;
  reporter: EventReporter;
  log: Logger;
  onEnded(leg: CallLeg): void;
  /** Hands a finished recording to the Worker. */
  /** Uploads a finished recording; `log` is the leg's (its lines carry the voice_id). */
  storeRecording(recordingId: string, wav: Buffer, durationMs: number, log: Logger): Promise<unknown>;
  streams: StreamSettings;
  /** Ring this registered agent instead of dialling `to` through the trunk (originate `target`). */
  agent?: AgentDestination;
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
  readonly #dial: OutboundDial;
  #answeredAt: number | null = null;
  #durationTimer: NodeJS.Timeout | null = null;
  /** Null when the originate had no play (an agent leg): it sends silence or its live source. */
  #firstAudio: Promise<RenderedAudio> | null;
  #playGeneration = 0;
  /** Plays accepted but not yet finished, failed or interrupted, oldest first. */
  #openPlays: OpenPlay[] = [];
  #connectedReported = false;

  constructor(
    readonly command: OriginateCommand,
    private readonly deps: CallLegDeps,
  ) {
    this.voiceId = command.voice_id;
    this.log = deps.log.child({ voice_id: command.voice_id });
    this.#firstAudio = command.play ? deps.renderer.render(command.play) : null;
    this.#firstAudio?.catch(() => undefined); // reported as a failed play once answered
    const dial = { from: command.from, to: command.to, ringTimeoutS: command.ring_timeout_s, ...(deps.agent ? { agent: deps.agent } : {}) };
    this.#dial = new OutboundDial(deps, dial, this.log, {
      ringing: () => {
        this.#phase = 'ringing';
        this.deps.reporter.report({ type: 'ringing', voice_id: this.voiceId, owner: this.command.owner, channel_id: this.channelId });
      },
      answered: (answer) => this.#onAnswered(answer),
      ended: (end) => this.#end(end),
    });
  }

  /** When the 200 OK was taken up (performance clock): the answer-to-audio benchmark's start. */
  get answeredAtPerf(): number | null {
    return this.#dial.answeredAtPerf;
  }

  get phase(): Phase {
    return this.#phase;
  }

  get rtp(): RtpStream | null {
    return this.#dial.rtp;
  }

  start(): Promise<void> {
    return this.#dial.start();
  }

  #onAnswered(answer: Answer): void {
    this.#phase = 'answered';
    this.#answeredAt = Date.now();
    this.#dial.rtp!.onDigit((digit, durationMs) => this.deps.reporter.report({ type: 'dtmf', voice_id: this.voiceId, owner: this.command.owner, digit, duration_ms: durationMs }));
    this.#durationTimer = setTimeout(() => {
      this.log.info('maximum call duration reached');
      this.hangup(Cause.NORMAL_CLEARING);
    }, this.command.max_duration_s * 1000);
    this.log.info('answered', { codec: answer.codec, remote_rtp: `${answer.address}:${answer.port}` });
    // No AMD on an agent's leg: a softphone that auto-answers is a person by definition.
    if (!this.command.amd || this.deps.agent) {
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
    this.#dial.rtp!.onAudio((pcm) => {
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
    if (this.command.play && this.#firstAudio) await this.#play(this.#openPlay(this.command.play), this.#firstAudio);
  }

  /**
   * A new play interrupts whatever is playing (docs/broadcast-api.md "Play"). Every
   * accepted play ends with exactly one playfinished, failed or interrupted
   * (unless the call ends first); the first prompt, if it never started, too.
   */
  play(spec: PlaySpec): void {
    if (!this.#firstPlayed) {
      this.#firstPlayed = true;
      if (this.command.play) this.#openPlay(this.command.play);
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
    if (this.#phase !== 'answered' || play.closed || !this.#dial.rtp) return;
    for (const older of this.#openPlays.filter((p) => p.generation < play.generation)) this.#closePlay(older, 'interrupted');
    this.#dial.rtp.clearQueue();
    this.#dial.rtp.enqueue({
      pcm: rendered.pcm,
      onStart: () => this.deps.reporter.report({ ...play.base, playstate: 'initiated' }),
      onFinish: () => this.#closePlay(play, 'playfinished'),
    });
  }

  #recorder: CallRecorder | null = null;

  /** Starts recording (only one at a time per leg); false if the call is not answered. */
  startRecording(recordingId: string): boolean {
    if (this.#phase !== 'answered' || !this.#dial.rtp) return false;
    if (this.#recorder?.active) this.stopRecording();
    const recorder = new CallRecorder(recordingId);
    this.#recorder = recorder;
    this.#dial.rtp.onAudio((pcm) => recorder.received(pcm));
    this.#dial.rtp.onFrameSent((sent) => recorder.tick(sent));
    this.log.info('recording started', { recording_id: recordingId });
    return true;
  }

  stopRecording(): void {
    const recorder = this.#recorder;
    if (!recorder?.active) return;
    this.#dial.rtp?.onFrameSent(null);
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
      if (this.command.play) this.#openPlay(this.command.play);
    }
    for (const open of [...this.#openPlays]) this.#closePlay(open, 'interrupted');
    this.#dial.rtp?.clearQueue();
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
    const rtp = this.#dial.rtp;
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
    if (this.#phase !== 'answered' || !this.#dial.rtp) return;
    this.#dial.rtp.setPaused(held);
    this.log.info(held ? 'held' : 'resumed');
  }

  hangup(cause: number = Cause.NORMAL_CLEARING): void {
    if (this.#phase === 'ended') return;
    this.#dial.hangup(cause);
  }

  #end(end: DialEnd): void {
    if (this.#phase === 'ended') return;
    this.#phase = 'ended';
    if (this.#answeredAt !== null && !this.#connectedReported) {
      // Ended while AMD was still listening: the call was answered all the same, so the
      // Worker must hear `connected` (as of the answer, with no verdict) before `disconnected`.
      this.log.info('call ended before the AMD decision');
      this.#reportConnected(undefined, new Date(this.#answeredAt));
    }
    if (this.#durationTimer) clearTimeout(this.#durationTimer);
    for (const hook of [...this.#endingHooks]) hook();
    this.stopRecording();
    this.#stream?.stop('call_ended'); // its stopped event goes out before disconnected
    this.#dial.release();
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
    this.log.info('disconnected', { cause: end.cause, reason: end.reason, by: end.by, duration_s: durationS, rtp: this.#dial.rtp?.counters });
    this.deps.onEnded(this);
  }
}
