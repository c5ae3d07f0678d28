/**
 * The learned AMD engine's view of a call so far: voice-activity timing
 * (onset, first utterance, the pause after it, utterance count, silence now),
 * the energy contour of the voiced frames and their spectral shape, kept as
 * running sums so a snapshot costs the same at 0.5 s and at 6 s. Pure: one
 * `push` per 20 ms frame, `snapshot` at decision points. The feature order is
 * the model's input order; FEATURE_NAMES is written into the model file and
 * checked when it loads.
 */
import { AMD_FRAME_MS as FRAME_MS } from './outcome.ts';

export interface FrameObservation {
  /** Voice, with short dips inside words bridged. */
  voiced: boolean;
  /** This frame itself is above the voice threshold (the statistics use only these). */
  loud: boolean;
  rms: number;
  noiseFloor: number;
  zcr: number;
  tilt: number;
  /** The beep detector saw a near-pure tone in this frame. */
  tonal: boolean;
  /** Voice pitch in Hz (0: none measured; pitch.ts). */
  pitchHz: number;
  /** Share of the frame's energy in its two strongest tones (tone-bank.ts; 0 when quiet). */
  toneShare: number;
  /** The strongest tone's frequency (Hz). */
  toneHz: number;
}

/** Silence at least this long ends an utterance (pauses between words are shorter). */
export const UTTERANCE_GAP_MS = 300;
/** An utterance with less voice than this was a click or a breath: not counted. */
const MIN_UTTERANCE_VOICE_MS = 140;

export const FEATURE_NAMES = [
  't_ms',
  'has_voice',
  'onset_ms',
  'first_utterance_ms',
  'first_utterance_done',
  'pause_after_first_ms',
  'utterances',
  'silence_ms',
  'current_utterance_ms',
  'longest_utterance_ms',
  'last_utterance_ms',
  'voiced_ms',
  'span_ms',
  'voiced_ratio',
  'snr_db',
  'db_std',
  'db_delta',
  'zcr_mean',
  'zcr_std',
  'tilt_mean',
  'tilt_std',
  'floor_db',
  'tonal_ratio',
  'active_last_1s',
  'active_last_2s',
  'loud_ms',
  'pitch_end_rise',
  'pitch_end_slope',
  'pitch_std',
  'pitched_ratio',
  'first_pitch_end_rise',
  'pitch_end_trend',
  'first_pitch_end_trend',
  'second_utterance_ms',
  'long_utterances',
  'first_utterance_tonal',
  'tone_after_pause_ms',
  'first_utterance_steady',
] as const;

/** Pitched frames at an utterance's end compared with the rest (120 ms: the last syllable's tune). */
const PITCH_TAIL = 4;
/** A pitch this far (semitones) from the utterance's mean so far is an octave error or a fricative, not the tune. */
const PITCH_JUMP = 6;
const semitones = (hz: number) => 12 * Math.log2(hz / 100);

/** Pitched frames the end trend is fitted over (~300 ms: the last word's tune, steadier than PITCH_TAIL's syllable). */
const TREND_FRAMES = 15;
/** An utterance this long is a sentence: a person says at most one, a carrier or a greeting several. */
const LONG_UTTERANCE_MS = 1500;
/**
 * A frame whose two strongest tones hold this share is tone-like (music, a
 * ring-back, a beep too noisy or too short for the beep detectors). Vowels
 * reach it too, so it is a feature for the trees, never a rule.
 */
const TONE_LIKE_SHARE = 0.6;
/** Consecutive tone-like frames within this drift are one tone. */
const SAME_TONE_HZ = 60;
/** A tone-like run that starts after this much silence, once voice was heard, stands apart from speech (a beep). */
const TONE_PAUSE_MS = 100;

/**
 * A pitch within this many semitones of the pitch STEADY_LAG frames before
 * is held, as a note of music is: music on hold holds its notes (a median
 * 69 % of its pitched frames in the tuning split's preludes), a voice glides
 * (21 %).
 */
const STEADY_SEMITONES = 0.3;
const STEADY_LAG = 3;

/** Frames of recent activity kept for active_last_*. */
const RECENT_FRAMES = 100;

const db = (rms: number) => 20 * Math.log10(Math.max(rms, 1));

export class CallFeatures {
  #t = 0;
  #onset = -1;
  #lastVoice = -1;
  #silence = 0;
  // utterance segmentation
  #uttStart = -1;
  #uttVoice = 0;
  #voicedFrames = 0;
  #utterances = 0;
  #firstUtt = -1;
  #firstEnd = -1;
  #secondStart = -1;
  #longest = 0;
  #lastUtt = 0;
  // voiced-frame statistics
  #n = 0;
  #sumDb = 0;
  #sumDb2 = 0;
  #sumDelta = 0;
  #prevDb = Number.NaN;
  #sumZcr = 0;
  #sumZcr2 = 0;
  #sumTilt = 0;
  #sumTilt2 = 0;
  #tonal = 0;
  #sumFloorDb = 0;
  #floorDb = 0;
  readonly #recent = new Uint8Array(RECENT_FRAMES);
  #frames = 0;
  // pitch: the call's, the current utterance's, and the tune at the end of the latest utterances
  #pitched = 0;
  #sumSt = 0;
  #sumSt2 = 0;
  #uttSumSt = 0;
  #uttPitched = 0;
  readonly #tail = new Float64Array(PITCH_TAIL * 2);
  #lastRise = 0;
  #lastSlope = 0;
  #firstRise = 0;
  readonly #trend = new Float64Array(TREND_FRAMES);
  #lastTrend = 0;
  #firstTrend = 0;
  // more timing: the second utterance, sentences said, how tone-like the first utterance is
  #secondUtt = -1;
  #longUtterances = 0;
  #uttLoud = 0;
  #uttTonal = 0;
  #firstTonal = 0;
  // held pitch (music): the last frames' pitch, and the current and first utterance's share of held frames
  readonly #recentSt = new Float64Array(STEADY_LAG + 1).fill(Number.NaN);
  #uttSteady = 0;
  #uttSteadyOf = 0;
  #firstSteady = 0;
  // tone-like runs: the current one, and the longest that began after a pause in the voice
  #toneRunMs = 0;
  #toneRunHz = 0;
  #toneRunIsolated = false;
  #toneAfterPause = 0;

  get silenceMs(): number {
    return this.#silence;
  }

  get heardVoice(): boolean {
    return this.#onset >= 0;
  }

  get elapsedMs(): number {
    return this.#t;
  }

  push(o: FrameObservation): void {
    this.#trackToneRun(o);
    const frame = this.#t / FRAME_MS;
    const heldSt = this.#recentSt[(frame + 1) % (STEADY_LAG + 1)]!; // STEADY_LAG frames ago
    const nowSt = o.pitchHz > 0 ? semitones(o.pitchHz) : Number.NaN;
    this.#recentSt[frame % (STEADY_LAG + 1)] = nowSt;
    this.#t += FRAME_MS;
    this.#floorDb = db(o.noiseFloor);
    this.#recent[this.#frames % RECENT_FRAMES] = o.voiced ? 1 : 0;
    this.#frames++;
    if (!o.voiced) {
      this.#silence += FRAME_MS;
      this.#prevDb = Number.NaN;
      if (this.#uttStart >= 0 && this.#silence >= UTTERANCE_GAP_MS) this.#closeUtterance();
      return;
    }
    const start = this.#t - FRAME_MS;
    if (this.#onset < 0) this.#onset = start;
    if (this.#uttStart < 0) {
      this.#uttStart = start;
      this.#uttVoice = 0;
      this.#uttSumSt = 0;
      this.#uttPitched = 0;
      this.#uttLoud = 0;
      this.#uttTonal = 0;
      this.#uttSteady = 0;
      this.#uttSteadyOf = 0;
      if (this.#firstEnd >= 0 && this.#secondStart < 0) this.#secondStart = start;
    }
    this.#uttVoice += FRAME_MS;
    this.#voicedFrames++;
    this.#lastVoice = this.#t;
    this.#silence = 0;
    if (!o.loud) return;
    this.#uttLoud++;
    if (o.toneShare >= TONE_LIKE_SHARE) this.#uttTonal++;
    if (!Number.isNaN(nowSt) && !Number.isNaN(heldSt)) {
      this.#uttSteadyOf++;
      if (Math.abs(nowSt - heldSt) < STEADY_SEMITONES) this.#uttSteady++;
    }
    const d = db(o.rms);
    this.#n++;
    this.#sumDb += d;
    this.#sumDb2 += d * d;
    if (!Number.isNaN(this.#prevDb)) this.#sumDelta += Math.abs(d - this.#prevDb);
    this.#prevDb = d;
    this.#sumZcr += o.zcr;
    this.#sumZcr2 += o.zcr * o.zcr;
    this.#sumTilt += o.tilt;
    this.#sumTilt2 += o.tilt * o.tilt;
    this.#sumFloorDb += this.#floorDb;
    if (o.tonal) this.#tonal++;
    const st = o.pitchHz > 0 && !o.tonal ? semitones(o.pitchHz) : Number.NaN;
    if (!Number.isNaN(st) && (this.#uttPitched < 3 || Math.abs(st - this.#uttSumSt / this.#uttPitched) <= PITCH_JUMP)) {
      this.#pitched++;
      this.#sumSt += st;
      this.#sumSt2 += st * st;
      this.#tail[this.#uttPitched % this.#tail.length] = st;
      this.#trend[this.#uttPitched % TREND_FRAMES] = st;
      this.#uttPitched++;
      this.#uttSumSt += st;
    }
  }

  /** The current utterance's end tune: [last syllable − whole utterance, last − the one before] in semitones. */
  #tune(): [number, number] {
    const n = this.#uttPitched;
    if (n < PITCH_TAIL + 2) return [0, 0];
    const size = this.#tail.length;
    let last = 0;
    let before = 0;
    let nBefore = 0;
    for (let i = 1; i <= PITCH_TAIL; i++) last += this.#tail[(n - i) % size]!;
    for (let i = PITCH_TAIL + 1; i <= Math.min(size, n); i++, nBefore++) before += this.#tail[(n - i) % size]!;
    last /= PITCH_TAIL;
    return [last - this.#uttSumSt / n, nBefore ? last - before / nBefore : 0];
  }

  /** Least-squares slope (semitones per second) of the current utterance's last TREND_FRAMES pitched frames. */
  #endTrend(): number {
    const n = Math.min(this.#uttPitched, TREND_FRAMES);
    if (n < 5) return 0;
    let sx = 0;
    let sy = 0;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < n; i++) {
      const y = this.#trend[(this.#uttPitched - n + i) % TREND_FRAMES]!;
      sx += i;
      sy += y;
      sxy += i * y;
      sxx += i * i;
    }
    return ((n * sxy - sx * sy) / (n * sxx - sx * sx)) * (1000 / FRAME_MS);
  }

  #trackToneRun(o: FrameObservation): void {
    const toneLike = o.toneShare >= TONE_LIKE_SHARE;
    if (toneLike && this.#toneRunMs > 0 && Math.abs(o.toneHz - this.#toneRunHz) <= SAME_TONE_HZ) this.#toneRunMs += FRAME_MS;
    else if (toneLike) {
      this.#toneRunMs = FRAME_MS;
      this.#toneRunHz = o.toneHz;
      // The silence counter still holds the pause before this frame.
      this.#toneRunIsolated = this.#onset >= 0 && this.#silence >= TONE_PAUSE_MS;
    } else this.#toneRunMs = 0;
    if (this.#toneRunIsolated && this.#toneRunMs > this.#toneAfterPause) this.#toneAfterPause = this.#toneRunMs;
  }

  #closeUtterance(): void {
    const length = this.#lastVoice - this.#uttStart;
    if (this.#uttVoice >= MIN_UTTERANCE_VOICE_MS) {
      [this.#lastRise, this.#lastSlope] = this.#tune();
      this.#lastTrend = this.#endTrend();
      if (this.#utterances === 0) {
        this.#firstRise = this.#lastRise;
        this.#firstTrend = this.#lastTrend;
        this.#firstTonal = this.#uttLoud ? this.#uttTonal / this.#uttLoud : 0;
        this.#firstSteady = this.#uttSteadyOf ? this.#uttSteady / this.#uttSteadyOf : 0;
      }
      if (this.#utterances === 1) this.#secondUtt = length;
      if (length >= LONG_UTTERANCE_MS) this.#longUtterances++;
      this.#utterances++;
      if (this.#firstUtt < 0) {
        this.#firstUtt = length;
        this.#firstEnd = this.#lastVoice;
      }
      this.#longest = Math.max(this.#longest, length);
      this.#lastUtt = length;
    } else if (this.#firstEnd >= 0 && this.#secondStart === this.#uttStart) {
      this.#secondStart = -1; // that "second utterance" was a click
    }
    this.#uttStart = -1;
  }

  /** The model's input now, in FEATURE_NAMES order. */
  snapshot(out: Float64Array = new Float64Array(FEATURE_NAMES.length)): Float64Array {
    const t = this.#t;
    const heard = this.#onset >= 0;
    const speaking = this.#uttStart >= 0;
    const current = speaking ? this.#lastVoice - this.#uttStart : 0;
    const firstDone = this.#firstUtt >= 0;
    const n = Math.max(this.#n, 1);
    const mean = (s: number) => s / n;
    const std = (s: number, s2: number) => Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2));
    out[0] = t;
    out[1] = heard ? 1 : 0;
    out[2] = heard ? this.#onset : t;
    out[3] = firstDone ? this.#firstUtt : current;
    out[4] = firstDone ? 1 : 0;
    out[5] = firstDone ? (this.#secondStart >= 0 ? this.#secondStart : t) - this.#firstEnd : 0;
    out[6] = this.#utterances + (speaking ? 1 : 0);
    out[7] = this.#silence;
    out[8] = current;
    out[9] = Math.max(this.#longest, current);
    out[10] = speaking ? current : this.#lastUtt;
    out[11] = this.#voicedFrames * FRAME_MS;
    out[12] = heard ? this.#lastVoice - this.#onset : 0;
    out[13] = heard ? (this.#voicedFrames * FRAME_MS) / Math.max(FRAME_MS, t - this.#onset) : 0;
    out[14] = this.#n ? mean(this.#sumDb) - mean(this.#sumFloorDb) : 0;
    out[15] = std(this.#sumDb, this.#sumDb2);
    out[16] = this.#n > 1 ? this.#sumDelta / (this.#n - 1) : 0;
    out[17] = mean(this.#sumZcr);
    out[18] = std(this.#sumZcr, this.#sumZcr2);
    out[19] = mean(this.#sumTilt);
    out[20] = std(this.#sumTilt, this.#sumTilt2);
    out[21] = this.#floorDb;
    out[22] = this.#tonal / n;
    out[23] = this.#active(50);
    out[24] = this.#active(100);
    out[25] = this.#n * FRAME_MS;
    const [rise, slope] = speaking ? this.#tune() : [this.#lastRise, this.#lastSlope];
    out[26] = rise;
    out[27] = slope;
    out[28] = this.#pitched > 1 ? Math.sqrt(Math.max(0, this.#sumSt2 / this.#pitched - (this.#sumSt / this.#pitched) ** 2)) : 0;
    out[29] = this.#pitched / n;
    out[30] = firstDone ? this.#firstRise : rise;
    const trend = speaking ? this.#endTrend() : this.#lastTrend;
    out[31] = trend;
    out[32] = firstDone ? this.#firstTrend : trend;
    out[33] = this.#secondUtt >= 0 ? this.#secondUtt : this.#utterances === 1 && speaking ? current : 0;
    out[34] = this.#longUtterances + (speaking && current >= LONG_UTTERANCE_MS ? 1 : 0);
    out[35] = firstDone ? this.#firstTonal : this.#uttLoud ? this.#uttTonal / this.#uttLoud : 0;
    out[36] = this.#toneAfterPause;
    out[37] = firstDone ? this.#firstSteady : this.#uttSteadyOf ? this.#uttSteady / this.#uttSteadyOf : 0;
    return out;
  }

  /** Share of the last `frames` frames (or of the call so far, if shorter) that were voice. */
  #active(frames: number): number {
    const k = Math.min(frames, this.#frames);
    if (k === 0) return 0;
    let sum = 0;
    for (let i = 1; i <= k; i++) sum += this.#recent[(this.#frames - i) % RECENT_FRAMES]!;
    return sum / k;
  }
}
