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
 * absolute minimum), with short dips inside words bridged.
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
}

export const DEFAULT_FEATURE_VAD: FeatureVadOptions = { ratio: 2, minRms: 40, windowMs: 2000, digitalSilenceRms: 4, hangoverFrames: 4, silentLineFrames: 10 };

export class FeatureVad {
  readonly #o: FeatureVadOptions;
  readonly #history: Float64Array;
  #count = 0;
  #recent = [0, 0, 0];
  #recentCount = 0;
  #hangover = 0;
  #floor = 0;
  #silentRun = 0;

  constructor(options: FeatureVadOptions = DEFAULT_FEATURE_VAD) {
    this.#o = options;
    this.#history = new Float64Array(Math.round(options.windowMs / FRAME_MS));
  }

  get noiseFloor(): number {
    return this.#floor;
  }

  /** `loud`: this frame is above the line; `voiced`: loud or within the hangover after a loud frame. */
  push(rms: number, blocked = false): { loud: boolean; voiced: boolean } {
    const digitalSilence = rms < this.#o.digitalSilenceRms;
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
      const n = Math.min(this.#count, this.#history.length);
      let min = Infinity;
      for (let i = 0; i < n; i++) if (this.#history[i]! < min) min = this.#history[i]!;
      this.#floor = min;
    }
    const loud = !blocked && rms > this.#o.minRms && rms > this.#floor * this.#o.ratio;
    this.#hangover = loud ? this.#o.hangoverFrames : Math.max(0, this.#hangover - 1);
    return { loud, voiced: !blocked && (loud || this.#hangover > 0) };
  }
}
