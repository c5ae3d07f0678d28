/**
 * Dialing modes side by side: a discrete-event simulation of a shift of
 * calling (bench/support/dialer-sim) driving the engine's own strategies
 * (worker/src/campaigns/dialing-modes, imported, not copied) beside a
 * baseline of VICIdial's ADAPT_TAPERED rule, for 5, 20 and 100 agents at
 * 15 %, 30 % and 60 % live-answer rates. Each figure is the mean over the
 * set's seeds; "worst hour" is the worst clock hour of any seed.
 * Two sets: "tuning" (the seeds and call model predictive's constants were
 * tuned on) and "report" (held-out seeds and a differently shaped call model).
 * Deterministic: the same arguments print the same table.
 *   npm run bench:dialer [-- --set=report|tuning|both --agents=5,20,100 --rates=15,30,60 --hours=8]
 */
import { DEFAULT_PACING_SETTINGS, type PacingSettings } from '../worker/src/campaigns/dialing-modes/index.ts';
import { simulateShift, type Pacer, type ShiftResult } from './support/dialer-sim/call-centre.ts';
import { HELD_OUT_MODEL, TUNING_MODEL, type CallModel } from './support/dialer-sim/call-model.ts';
import { CrierPacer } from './support/dialer-sim/pacers.ts';
import { VicidialAdaptTapered } from './support/dialer-sim/vicidial-adapt-tapered.ts';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const list = (name: string, fallback: string) => arg(name, fallback).split(',').map(Number);
const which = arg('set', 'both');
const agentCounts = list('agents', '5,20,100');
const answerRates = list('rates', '15,30,60').map((p) => p / 100);
const modes = arg('modes', 'all');
const shiftS = Number(arg('hours', '8')) * 3600;
const RING_TIMEOUT_S = 20;
const POWER_RATIO = 2.0;

interface SeedSet {
  name: string;
  seeds: number[];
  model: CallModel;
}
const SETS: SeedSet[] = [
  { name: 'tuning', seeds: [11, 12, 13], model: TUNING_MODEL },
  { name: 'report (held out)', seeds: [101, 102, 103], model: HELD_OUT_MODEL },
];

const settings: PacingSettings = { ...DEFAULT_PACING_SETTINGS, dialRatio: POWER_RATIO, ringTimeoutS: RING_TIMEOUT_S };
const PACERS: Array<{ label: string; make: () => Pacer }> = [
  { label: 'predictive', make: () => new CrierPacer('predictive', settings) },
  { label: 'progressive', make: () => new CrierPacer('progressive', settings) },
  { label: `power ${POWER_RATIO.toFixed(1)}`, make: () => new CrierPacer('power', settings) },
  { label: 'baseline: VICIdial ADAPT_TAPERED', make: () => new VicidialAdaptTapered() },
];

interface Row {
  abandon: number;
  abandonMax: number;
  worstHour: number;
  occupancy: number;
  waitS: number;
  callsPerAgentHour: number;
  dialsPerAgentHour: number;
}

function summarise(results: ShiftResult[], agents: number): Row {
  const m = (f: (r: ShiftResult) => number) => results.reduce((a, r) => a + f(r), 0) / results.length;
  const rate = (r: { answered: number; abandoned: number }) => (r.answered === 0 ? 0 : r.abandoned / r.answered);
  const agentHours = (agents * shiftS) / 3600;
  return {
    abandon: m((r) => rate({ answered: r.liveAnswers, abandoned: r.abandoned })),
    abandonMax: Math.max(...results.map((r) => rate({ answered: r.liveAnswers, abandoned: r.abandoned }))),
    worstHour: Math.max(...results.flatMap((r) => r.hourly.map(rate))),
    occupancy: m((r) => r.talkS / r.loggedInS),
    waitS: m((r) => (r.waits === 0 ? 0 : r.waitS / r.waits)),
    callsPerAgentHour: m((r) => r.connected / agentHours),
    dialsPerAgentHour: m((r) => r.dials / agentHours),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const t0 = performance.now();
for (const set of SETS.filter((s) => which === 'both' || s.name.startsWith(which))) {
  console.log(`\n## ${set.name}: seeds ${set.seeds.join(', ')}; ${set.model.name}; ${shiftS / 3600} h shift, ring timeout ${RING_TIMEOUT_S} s, abandon = no agent within 2 s, target 3 %\n`);
  console.log('| agents | answer rate | mode | abandon, whole run (max seed) | worst hour | occupancy (talk ÷ logged in) | avg wait between calls | calls / agent-hour | dials / agent-hour |');
  console.log('|---:|---:|---|---:|---:|---:|---:|---:|---:|');
  const goal: string[] = [];
  for (const agents of agentCounts) {
    for (const answerRate of answerRates) {
      const rows = new Map<string, Row>();
      for (const p of PACERS.filter((x) => modes === 'all' || modes.split(',').some((m) => x.label.toLowerCase().includes(m)))) {
        const results = set.seeds.map((seed) => simulateShift({ agents, answerRate, model: set.model, seed, shiftS, ringTimeoutS: RING_TIMEOUT_S }, p.make()));
        const row = summarise(results, agents);
        rows.set(p.label, row);
        console.log(`| ${agents} | ${pct(answerRate)} | ${p.label} | ${pct(row.abandon)} (${pct(row.abandonMax)}) | ${pct(row.worstHour)} | ${pct(row.occupancy)} | ${row.waitS.toFixed(1)} s | ${row.callsPerAgentHour.toFixed(1)} | ${row.dialsPerAgentHour.toFixed(1)} |`);
      }
      if (agents === 20 && Math.abs(answerRate - 0.3) < 1e-9 && rows.has('predictive') && rows.has(PACERS[3]!.label)) {
        const pr = rows.get('predictive')!;
        const vd = rows.get(PACERS[3]!.label)!;
        const dominates = pr.abandon <= vd.abandon && pr.occupancy > vd.occupancy;
        goal.push(
          `goal (20 agents, 30 %): predictive abandon ${pct(pr.abandon)} (every seed ≤ ${pct(pr.abandonMax)}) ≤ 3 %: ${pr.abandonMax <= 0.03 ? 'MET' : 'NOT MET'}; ` +
            `occupancy ${pct(pr.occupancy)} ≥ 85 %: ${pr.occupancy >= 0.85 ? 'MET' : 'NOT MET'}; ` +
            `better occupancy than the VICIdial baseline (${pct(vd.occupancy)} at ${pct(vd.abandon)} abandon) at equal or lower abandon: ${dominates ? 'MET' : 'NOT MET'}`,
        );
      }
    }
  }
  for (const g of goal) console.log(`\n${g}`);
}
console.log(`\n(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
