/**
 * Round 5's first measurement: does a voicemail word, as pocketsphinx hears it
 * over the call's 8 kHz audio, separate machines (machine_short above all)
 * from people? Runs the keyword spotter over the first 10 s (the learned
 * engine's last decision point) of every TUNING clip, fed frame by frame as
 * a call would, and prints per category how many clips had a hit and when
 * the first one came, which phrases were heard in people's answers, and the
 * recognizer's CPU per clip. Only the tuning splits: the fresh test split is
 * run once, by the bench, at the end of the round.
 *   nice -n 10 npx tsx scripts/amd/keyword-survey.ts [--mode=upsampled|narrowband] [--scale=1] [--corpus=line] [--every=1] [--out=file.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { AMD_FRAME_SAMPLES } from '../../media-node/src/amd/index.ts';
import type { KeywordHit } from '../../media-node/src/amd/keyword-spotter.ts';
import { PocketsphinxSpotter, pocketsphinxInstalled, type PocketsphinxMode } from '../../media-node/src/amd/pocketsphinx-spotter.ts';
import { CORPUS_NAMES, loadNamedCorpus, readWav, type CorpusClip } from '../../test/fixtures/amd/corpora/index.ts';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const mode = (arg('mode') ?? 'upsampled') as PocketsphinxMode;
const scale = Number(arg('scale') ?? 1);
const every = Number(arg('every') ?? 1);
const LISTEN_MS = 10_000;
if (!pocketsphinxInstalled()) throw new Error('pocketsphinx is not installed (apt-get install -y pocketsphinx pocketsphinx-en-us)');

/** CPU (user + system) of this process's waited-for children, from /proc: the recognizers'. */
function childCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // cutime + cstime, in 100 Hz ticks
}

async function spot(clip: CorpusClip): Promise<KeywordHit[]> {
  const pcm = readWav(clip.file);
  const spotter = new PocketsphinxSpotter({ mode, scale });
  const end = Math.min(pcm.length, (LISTEN_MS / 1000) * 8000);
  for (let i = 0; i + AMD_FRAME_SAMPLES <= end; i += AMD_FRAME_SAMPLES) spotter.push(pcm.subarray(i, i + AMD_FRAME_SAMPLES));
  return spotter.close();
}

const clips: CorpusClip[] = [];
for (const name of CORPUS_NAMES.filter((n) => !arg('corpus') || n === arg('corpus'))) clips.push(...(await loadNamedCorpus(name, 'tuning')).filter((_, i) => i % every === 0));
const results: Array<{ clip: CorpusClip; hits: KeywordHit[] }> = [];
const cpu0 = childCpuMs();
const started = Date.now();
let next = 0;
await Promise.all(
  [0, 1].map(async () => {
    while (next < clips.length) {
      const clip = clips[next++]!;
      results.push({ clip, hits: await spot(clip) });
    }
  }),
);
const cpuMs = childCpuMs() - cpu0;

const median = (v: number[]) => (v.length ? [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]! : Number.NaN);
const categories = [...new Set(results.map((r) => `${r.clip.category}${r.clip.label === 'MACHINE' && !r.clip.beep ? ' (no beep)' : ''}`))].sort();
console.log(`keyword survey, tuning split, mode ${mode}, scale ${scale}, ${results.length} clips, first ${LISTEN_MS / 1000} s of each`);
const byCat = (c: string) => results.filter((r) => `${r.clip.category}${r.clip.label === 'MACHINE' && !r.clip.beep ? ' (no beep)' : ''}` === c);
for (const c of categories) {
  const rs = byCat(c);
  const hit = rs.filter((r) => r.hits.length > 0);
  // For a person: when the hit came after their first utterance ended; for a machine: from the answer.
  const firstHit = hit.map((r) => Math.min(...r.hits.map((h) => h.endMs)));
  console.log(`  ${c.padEnd(30)} ${String(hit.length).padStart(3)}/${String(rs.length).padEnd(3)} with a hit (${((100 * hit.length) / rs.length).toFixed(0)} %), median first hit ends at ${(median(firstHit) / 1000).toFixed(2)} s`);
}
const people = results.filter((r) => r.clip.label === 'HUMAN');
const machines = results.filter((r) => r.clip.label === 'MACHINE');
const rate = (rs: typeof results) => rs.filter((r) => r.hits.length > 0).length / rs.length;
console.log(`people with a hit ${(100 * rate(people)).toFixed(1)} %, machines ${(100 * rate(machines)).toFixed(1)} %`);
const phrases = new Map<string, { people: number; machines: number; truePhrase: number }>();
for (const r of results)
  for (const p of new Set(r.hits.map((h) => h.phrase))) {
    const e = phrases.get(p) ?? { people: 0, machines: 0, truePhrase: 0 };
    if (r.clip.label === 'HUMAN') e.people++;
    else e.machines++;
    if (r.clip.text.toLowerCase().replace(/[^a-z ]/g, ' ').replace(/\s+/g, ' ').includes(p)) e.truePhrase++;
    phrases.set(p, e);
  }
console.log('per phrase (clips with the phrase heard: people / machines / of them the clip really says it):');
for (const [p, e] of [...phrases].sort((a, b) => b[1].people + b[1].machines - a[1].people - a[1].machines)) console.log(`  ${p.padEnd(28)} ${e.people} / ${e.machines} / ${e.truePhrase}`);
const audioS = results.reduce((s, r) => s + Math.min(r.clip.durationMs, LISTEN_MS), 0) / 1000;
console.log(`recognizer CPU: ${(cpuMs / results.length).toFixed(0)} ms per clip (${((cpuMs / 1000 / audioS) * 100).toFixed(1)} % of a core while it listens, model load included), ${((Date.now() - started) / 1000).toFixed(0)} s wall`);
if (arg('out')) writeFileSync(arg('out')!, JSON.stringify(results.map((r) => ({ id: r.clip.id, label: r.clip.label, category: r.clip.category, beep: !!r.clip.beep, hits: r.hits }))));
