/**
 * A keyword spotter that is a pocketsphinx_continuous process (Debian's
 * `pocketsphinx` + `pocketsphinx-en-us`), one per call, fed the call's audio
 * on stdin as it arrives and read hit by hit on stdout (line-buffered through
 * coreutils' stdbuf; `cat` in front, since pocketsphinx fopens /dev/stdin
 * and Node's pipe is a socket). Two ways to meet the 16 kHz en-us acoustic model with
 * 8 kHz telephone audio: `upsampled` (2× in TypeScript, the model's own
 * front end) and `narrowband` (8 kHz features over 130–3500 Hz, which the
 * model was not trained on; needs a copy of the model's feat.params, made
 * once per process in the temp directory). Optional: `pocketsphinxInstalled`
 * says whether it can run at all. A process that fails is an error from
 * close(), never silence taken for "no voicemail word".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KwsOutputReader, type KeywordHit, type KeywordSpotter } from './keyword-spotter.ts';
import { Upsampler2x } from './upsample-2x.ts';
import { keywordListText, VOICEMAIL_KEYWORDS, type VoicemailKeyword } from './voicemail-keywords.ts';

export const POCKETSPHINX_BINARY = '/usr/bin/pocketsphinx_continuous';
export const POCKETSPHINX_EN_US = '/usr/share/pocketsphinx/model/en-us/en-us';

export type PocketsphinxMode = 'upsampled' | 'narrowband';

export interface PocketsphinxSpotterOptions {
  mode?: PocketsphinxMode;
  /** Multiplies every keyword's threshold exponent (voicemail-keywords.ts). */
  scale?: number;
  keywords?: readonly VoicemailKeyword[];
}

/** Both the recognizer and its US English model are on this machine. */
export function pocketsphinxInstalled(): boolean {
  return existsSync(POCKETSPHINX_BINARY) && existsSync(join(POCKETSPHINX_EN_US, 'mdef'));
}

const IDLE_CLOSE_MS = 2000;

let workDir: string | undefined;
const listFiles = new Map<string, string>();

function work(): string {
  if (!workDir) {
    const dir = mkdtempSync(join(tmpdir(), 'crier-kws-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    workDir = dir;
  }
  return workDir;
}

/** The en-us model with its filter bank cut at 3500 Hz (the model's own says 6800, over 8 kHz audio's Nyquist). */
function narrowbandModel(): string {
  const dir = join(work(), 'en-us-8k');
  if (!existsSync(dir)) {
    const staging = mkdtempSync(join(work(), 'stage-'));
    for (const f of readdirSync(POCKETSPHINX_EN_US)) if (f !== 'feat.params') symlinkSync(join(POCKETSPHINX_EN_US, f), join(staging, f));
    writeFileSync(join(staging, 'feat.params'), readFileSync(join(POCKETSPHINX_EN_US, 'feat.params'), 'utf8').replace(/^-upperf .*$/m, '-upperf 3500'));
    // Another spotter may have made it meanwhile; either copy is the same.
    if (!existsSync(dir)) symlinkSync(staging, dir);
  }
  return dir;
}

function keywordFile(keywords: readonly VoicemailKeyword[], scale: number): string {
  const text = keywordListText(keywords, scale);
  let file = listFiles.get(text);
  if (!file) {
    file = join(work(), `kws-${listFiles.size}.txt`);
    writeFileSync(file, text);
    listFiles.set(text, file);
  }
  return file;
}

export class PocketsphinxSpotter implements KeywordSpotter {
  readonly hits: KeywordHit[] = [];
  readonly #child: ChildProcess;
  readonly #upsampler: Upsampler2x | null;
  readonly #done: Promise<KeywordHit[]>;
  /** A call that ends before its detector decides stops feeding: the process is ended after this long without a frame. */
  readonly #idle: NodeJS.Timeout;
  #closed = false;

  constructor(options: PocketsphinxSpotterOptions = {}) {
    const mode = options.mode ?? 'upsampled';
    const args = ['-oL', POCKETSPHINX_BINARY, '-infile', '/dev/stdin', '-kws', keywordFile(options.keywords ?? VOICEMAIL_KEYWORDS, options.scale ?? 1), '-time', 'yes'];
    if (mode === 'narrowband') args.push('-hmm', narrowbandModel(), '-samprate', '8000', '-nfft', '256');
    else args.push('-hmm', POCKETSPHINX_EN_US);
    this.#upsampler = mode === 'upsampled' ? new Upsampler2x() : null;
    // Node's stdin pipe is a socket, which pocketsphinx cannot fopen as /dev/stdin: cat hands it over through a real pipe.
    this.#child = spawn('sh', ['-c', 'cat | exec "$0" "$@"', 'stdbuf', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const reader = new KwsOutputReader();
    let err = '';
    this.#child.stdout!.setEncoding('utf8').on('data', (d: string) => this.hits.push(...reader.push(d)));
    this.#child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err = (err + d).slice(-4000);
    });
    this.#child.stdin!.on('error', () => undefined); // the exit status says why
    this.#idle = setTimeout(() => void this.close().catch(() => undefined), IDLE_CLOSE_MS).unref();
    this.#done = new Promise((resolve, reject) => {
      this.#child.on('error', (e) => reject(new Error(`pocketsphinx failed to start: ${e.message}`)));
      this.#child.on('close', (status) => {
        this.hits.push(...reader.end());
        if (status === 0) resolve(this.hits);
        else reject(new Error(`pocketsphinx exited ${status}: ${err.trim().slice(-400)}`));
      });
    });
  }

  push(frame: Int16Array): void {
    if (this.#closed) return;
    this.#idle.refresh();
    const pcm = this.#upsampler ? this.#upsampler.push(frame) : frame;
    // Copied: the caller may reuse its frame before the pipe has taken it.
    this.#child.stdin!.write(Buffer.copyBytesFrom(pcm));
  }

  close(): Promise<KeywordHit[]> {
    clearTimeout(this.#idle);
    if (!this.#closed) this.#child.stdin!.end();
    this.#closed = true;
    return this.#done;
  }

  /** The process, for its CPU time (tests, survey). */
  get pid(): number | undefined {
    return this.#child.pid;
  }
}
