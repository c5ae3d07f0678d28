/**
 * Answering-machine detection on the test split of every corpus (round 5 on: "fresh")
 * (test/fixtures/amd/corpora, generated and cached on first use): the learned
 * engine beside the Asterisk-style rules (the baseline) and the previous
 * models (bench/support/amd-model-round2.json, amd-model-round3.json) in the same run.
 * Prints per corpus a confusion table per engine, accuracy overall and per
 * category, person→machine rate, decision times per class (median / p90) from
 * the answer and from the end of a person's first utterance, machine-end
 * figures, the learned engine's cost per 20 ms frame, and PASS/FAIL against
 * the targets of issue 14. Never asserts.
 *   npm run bench:amd [-- --split=tuning] [--corpus=line] [--misses] [--words]
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { AMD_FRAME_SAMPLES, classifyPcm, classifyWith, defaultAmdModel, ModelAmdDetector, parseAmdModel, type AmdEngine } from '../media-node/src/amd/index.ts';
import { offlineWords, ReplayedSpotter } from '../test/fixtures/amd/replayed-spotter.ts';
import { CORPUS_NAMES, loadNamedCorpus, readWav, type CorpusClip, type CorpusName, type Split } from '../test/fixtures/amd/corpora/index.ts';
import { scoreCorpus, type ClipResult, type CorpusScore } from '../test/fixtures/amd/corpus-score.ts';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
// Since round 5 the fresh split; the old 'test' split (used up by rounds 1–4) only on request, for history.
const split = (arg('split') ?? 'fresh') as Split;
const only = arg('corpus');
const showMisses = process.argv.includes('--misses');
const WITH_WORDS = process.argv.includes('--words');
type BenchEngine = AmdEngine | 'model_round2' | 'model_round3' | 'model_words';
/**
 * The rules (baseline), the models issue 14's second and third rounds
 * committed (round 2's 31 features are the first of today's, so today's front
 * end feeds both, with today's beep detectors), and the current model: each
 * change's figures beside the previous ones in one run. Round 1's figures are in docs/amd-evaluation.md.
 */
const ENGINES: BenchEngine[] = ['rules', 'model_round2', 'model_round3', 'model', ...(WITH_WORDS ? (['model_words'] as const) : [])];
const PREVIOUS = {
  model_round2: parseAmdModel(readFileSync(new URL('./support/amd-model-round2.json', import.meta.url), 'utf8')),
  model_round3: parseAmdModel(readFileSync(new URL('./support/amd-model-round3.json', import.meta.url), 'utf8')),
};
/**
 * Round 5 (--words, needs pocketsphinx): the committed model plus the voicemail-word rule as chosen on the
 * tuning split (upsampled, keyword scale 1, MACHINE on a word at P(MACHINE) ≥ 0.5), with each clip's hits
 * found offline and handed over when they would have reached a live detector (replayed-spotter.ts).
 * Not the default: on the tuning split it did not lower the declared cost (docs/amd-evaluation.md, round 5).
 */
const WORDS_POLICY = { ...defaultAmdModel(), policy: { ...defaultAmdModel().policy, wordMachineAbove: 0.5 } };
const classify = (pcm: Int16Array, engine: Exclude<BenchEngine, 'model_words'>) => (engine === 'rules' || engine === 'model' ? classifyPcm(pcm, {}, engine) : classifyWith(pcm, new ModelAmdDetector({}, PREVIOUS[engine])));

const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : '—');
const secs = (v: number) => (Number.isFinite(v) ? `${(v / 1000).toFixed(2)} s` : '—');
const pad = (s: string, n: number) => s.padEnd(n);

function printScore(engine: BenchEngine, s: CorpusScore): void {
  const m = s.matrix;
  console.log(`  ${engine}${engine === 'rules' ? ' (baseline)' : engine === 'model' ? '' : engine === 'model_words' ? ' (round 5: + voicemail words)' : ' (previous model)'}: accuracy ${pct(s.accuracy)}, human→machine ${pct(s.humanToMachineRate)} (${m.HUMAN.MACHINE}/${m.HUMAN.HUMAN + m.HUMAN.MACHINE})`);
  console.log(`               → HUMAN  → MACHINE`);
  console.log(`    HUMAN    ${String(m.HUMAN.HUMAN).padStart(8)} ${String(m.HUMAN.MACHINE).padStart(10)}`);
  console.log(`    MACHINE  ${String(m.MACHINE.HUMAN).padStart(8)} ${String(m.MACHINE.MACHINE).padStart(10)}`);
  console.log(`    per category: ${s.perCategory.map((c) => `${c.category} ${pct(c.accuracy)} (${c.n})`).join(', ')}`);
  console.log(
    `    decision: human ${secs(s.humanFromAnswer.median)} / p90 ${secs(s.humanFromAnswer.p90)} from answer, ${secs(s.humanFromFirstUtterance.median)} / p90 ${secs(s.humanFromFirstUtterance.p90)} after first utterance; machine ${secs(s.machineFromAnswer.median)} / p90 ${secs(s.machineFromAnswer.p90)}`,
  );
  console.log(`    machine end: message within 1 s after the beep ${s.beepWithin1s.hits}/${s.beepWithin1s.n}, message started during the greeting ${s.overGreeting.hits}/${s.overGreeting.n}`);
}

function targets(s: CorpusScore): Array<[string, boolean]> {
  return [
    ['accuracy ≥ 97 %', s.accuracy >= 0.97],
    ['every category ≥ 94 %', s.perCategory.every((c) => c.accuracy >= 0.94)],
    ['human→machine ≤ 2 %', s.humanToMachineRate <= 0.02],
    ['median human ≤ 1.0 s after first utterance', !(s.humanFromFirstUtterance.n > 0) || s.humanFromFirstUtterance.median <= 1000],
    ['median human ≤ 2.0 s from answer', s.humanFromAnswer.median <= 2000],
  ];
}

/**
 * Cost of ModelAmdDetector.pushFrame over the clips' first 8 s: mean wall and
 * CPU time per frame, and p99 / max of single frames (wall). On the shared
 * 2-core machine a single frame's wall time includes whatever preempted the
 * process, so the CPU mean is the figure for the compute cost.
 */
function frameCost(pcms: Int16Array[]): { mean: number; cpuMean: number; p99: number; max: number; frames: number } {
  const costs: number[] = [];
  const cpu0 = process.cpuUsage();
  for (const pcm of pcms) {
    const d = new ModelAmdDetector();
    for (let i = 0; i + AMD_FRAME_SAMPLES <= Math.min(pcm.length, 8 * 8000); i += AMD_FRAME_SAMPLES) {
      const t0 = performance.now();
      d.pushFrame(pcm.subarray(i, i + AMD_FRAME_SAMPLES));
      costs.push(performance.now() - t0);
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const s = [...costs].sort((a, b) => a - b);
  return {
    mean: costs.reduce((a, b) => a + b, 0) / costs.length,
    cpuMean: (cpu.user + cpu.system) / 1000 / costs.length,
    p99: s[Math.floor(s.length * 0.99)]!,
    max: s[s.length - 1]!,
    frames: costs.length,
  };
}

console.log(`AMD bench on the ${split} split (${new Date().toISOString()})`);
const all: Record<BenchEngine, ClipResult[]> = { rules: [], model_round2: [], model_round3: [], model: [], model_words: [] };
const pcmsForCost: Int16Array[] = [];
for (const name of CORPUS_NAMES.filter((n) => !only || n === only)) {
  const clips: CorpusClip[] = await loadNamedCorpus(name as CorpusName, split, { log: console.log });
  const pcms = clips.map((c) => readWav(c.file));
  pcmsForCost.push(...pcms.slice(0, 20));
  console.log(`\n== corpus ${name} (${split}: ${clips.length} clips, ${clips.filter((c) => c.label === 'HUMAN').length} human)`);
  for (const engine of ENGINES) {
    const results: ClipResult[] = [];
    for (const [i, clip] of clips.entries()) {
      if (engine === 'model_words') {
        const { arrivals } = await offlineWords(pcms[i]!, { mode: 'upsampled', scale: 1 });
        results.push({ clip, verdict: classifyWith(pcms[i]!, new ModelAmdDetector({}, WORDS_POLICY, new ReplayedSpotter(arrivals))) });
      } else results.push({ clip, verdict: classify(pcms[i]!, engine) });
    }
    all[engine].push(...results);
    const s = scoreCorpus(results);
    printScore(engine, s);
    console.log(`    targets: ${targets(s).map(([t, ok]) => `${ok ? 'PASS' : 'FAIL'} ${t}`).join('; ')}`);
    if (showMisses)
      for (const r of results.filter((r) => r.clip.label !== r.verdict.answeredBy))
        console.log(`      miss ${pad(r.clip.id, 44)} → ${r.verdict.answeredBy} ${r.verdict.reason} @${r.verdict.decisionMs} (${r.clip.details}) "${r.clip.text.slice(0, 70)}"`);
  }
}
console.log(`\n== all corpora (${split})`);
for (const engine of ENGINES) {
  const s = scoreCorpus(all[engine]);
  printScore(engine, s);
  console.log(`    targets: ${targets(s).map(([t, ok]) => `${ok ? 'PASS' : 'FAIL'} ${t}`).join('; ')}`);
}
// Warm-up, then measure.
frameCost(pcmsForCost.slice(0, 5));
const cost = frameCost(pcmsForCost);
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
console.log(
  `\nmodel engine cost per 20 ms frame over ${cost.frames} frames: mean ${us(cost.mean)} wall, ${us(cost.cpuMean)} CPU; single frames p99 ${us(cost.p99)}, max ${us(cost.max)} wall (load average ${loadavg()[0]!.toFixed(2)}) — target < 1 ms: ${cost.cpuMean < 1 && cost.p99 < 1 ? 'PASS' : cost.cpuMean < 1 ? 'PASS on CPU, single-frame p99 over (preemption)' : 'FAIL'}`,
);
