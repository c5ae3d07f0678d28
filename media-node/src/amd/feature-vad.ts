/**
 * The learned engine's voice detector, separate from the rules' EnergyVad
 * (which stays as the baseline was measured). Two things the corpora showed
 * the rules' floor getting wrong: a lost packet fed as digital silence drags
 * a minimum-statistics floor to zero, after which line noise reads as voice
 * for the whole window; and brown or pink noise dips far below its own level
 * for single frames. So the floor here is the minimum of 60 ms averages of
 * the frames that are not digital silence, and digital silence joins the
 * floor only once it has lasted longer than a burst of lost packets (a line
 * that is really silent); voice is `ratio` above the floor (and above an
 * absolute minimum), with short dips inside words bridged. A lost packet is
 * told by the raw frame (the caller's `peak`), not by its high-passed energy:
 * G.711 A-law has no zero (a zeroed packet decodes to ±8), and the high-pass
 * rings on into the gap, so a gap's filtered frames read 40…7 and were taken
 * for the floor, after which line noise was "voice" for seconds. Nor is the
 * floor the very quietest average but the `floorRank`-th quietest: packet
 * loss concealment fades a lost burst out (each repeated frame at half the
 * last), which made single 60 ms dips 10 dB under the line's noise. Both
 * together made one in sixteen of the line corpus's tuning people "speak"
 * for seconds after a gap.
 */
const FRAME_MS = 20;

export interface FeatureVadOptions {
  ratio: number;
  minRms: number;
  windowMs: number;
  /** Frames this quiet are a lost packet or a muted line: not part of the noise floor. */
  digitalSilenceRms: number;
  hangoverFrames: number;
  /** Digital silence this long (frames) is a silent line, not lost packets: it counts towards the floor. */
  silentLineFrames: number;
  /** A raw frame whose largest sample is at most this is digital silence (A-law's quietest code is ±8). */
  lostPacketPeak: number;
  /** The floor is the this-many-th quietest 60 ms average of the window (more than a concealed burst's few frames). */
  floorRank: number;
}

export const DEFAULT_FEATURE_VAD: FeatureVadOptions = { ratio: 2, minRms: 40, windowMs: 2000, digitalSilenceRms: 4, hangoverFrames: 4, silentLineFrames: 10, lostPacketPeak: 8, floorRank: 8 };

export class FeatureVad {
  readonly #o: FeatureVadOptions;
  readonly #history: Float64Array;
  #count = 0;
  #recent = [0, 0, 0];
  #recentCount = 0;
  #hangover = 0;
  #floor = 0;
  #silentRun = 0;
  readonly #quietest: Float64Array;

  constructor(options: FeatureVadOptions = DEFAULT_FEATURE_VAD) {
    this.#o = options;
    this.#history = new Float64Array(Math.round(options.windowMs / FRAME_MS));
    this.#quietest = new Float64Array(options.floorRank);
  }

  get noiseFloor(): number {
    return this.#floor;
  }

  /**
   * `rms`: the frame's (high-passed) level; `peak`: its raw largest |sample|.
   * `loud`: this frame is above the line; `voiced`: loud or within the hangover after a loud frame.
   */
  push(rms: number, blocked = false, peak = Number.POSITIVE_INFINITY): { loud: boolean; voiced: boolean } {
    const digitalSilence = rms < this.#o.digitalSilenceRms || peak <= this.#o.lostPacketPeak;
    this.#silentRun = digitalSilence ? this.#silentRun + 1 : 0;
    if (!digitalSilence || this.#silentRun >= this.#o.silentLineFrames) {
      let smooth = this.#o.digitalSilenceRms;
      if (!digitalSilence) {
        this.#recent[this.#recentCount % 3] = rms;
        this.#recentCount++;
        smooth = this.#recentCount >= 3 ? (this.#recent[0]! + this.#recent[1]! + this.#recent[2]!) / 3 : rms;
      }
      this.#history[this.#count % this.#history.length] = smooth;
      this.#count++;
      this.#floor = this.#rankedFloor(Math.min(this.#count, this.#history.length));
    }
    const loud = !blocked && rms > this.#o.minRms && rms > this.#floor * this.#o.ratio;
    this.#hangover = loud ? this.#o.hangoverFrames : Math.max(0, this.#hangover - 1);
    return { loud, voiced: !blocked && (loud || this.#hangover > 0) };
  }

  /**
   * The k-th smallest of the first `n` history values, k growing with n up to
   * floorRank: early in a call (a person speaking from the first frame) the
   * floor is the quietest value, as it always was.
   */
  #rankedFloor(n: number): number {
    const q = this.#quietest;
    const k = Math.max(1, Math.min(q.length, Math.floor(n / 12)));
    q.fill(Number.POSITIVE_INFINITY);
    for (let i = 0; i < n; i++) {
      const v = this.#history[i]!;
      if (v >= q[k - 1]!) continue;
      let j = k - 1;
      while (j > 0 && q[j - 1]! > v) {
        q[j] = q[j - 1]!;
        j--;
      }
      q[j] = v;
    }
    return q[k - 1]!;
  }
}
