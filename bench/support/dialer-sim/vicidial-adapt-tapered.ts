/**
 * BASELINE, not Crier's pacing: VICIdial's ADAPT_TAPERED dial method,
 * reimplemented from its published description (VICIdial docs/PREDICTIVE.txt
 * and the summary of bin/AST_VDadapt.pl in shared/docs/DIALER-RESEARCH.md),
 * not from its code, with its defaults:
 *  - every second, sample (agents waiting − calls waiting) and agents
 *    logged in; every 15 s, with the 1-minute averages:
 *      diff = avg(waiting agents − waiting calls) + adaptive_dl_diff_target (0)
 *      level ← level × (1 + diff ÷ avg agents), the change × (1 + intensity)
 *      when rising, × |intensity − 1| when falling (intensity 0: neither);
 *    clamped to [1.0, adaptive_maximum_level 3.0];
 *  - more than 20 live answers in the last minute, over 50 % dropped: halve;
 *  - more than 50 live answers today and today's drop % over the limit (3 %):
 *    level × (hours left until adaptive_latest_server_time ÷ 10 h), 1.0 past
 *    it (the shift's end here); never below 1.0;
 *  - lines: round(level × active agents) calls ringing, waiting or talking
 *    (Available Only Tally N: agents in calls and wrap-up count as active),
 *    dialling the difference.
 */
import type { Pacer, SimView } from './call-centre.ts';

export interface VicidialSettings {
  dropLimit: number;
  maximumLevel: number;
  intensity: number;
  diffTarget: number;
}

export const VICIDIAL_DEFAULTS: VicidialSettings = { dropLimit: 0.03, maximumLevel: 3.0, intensity: 0, diffTarget: 0 };

export class VicidialAdaptTapered implements Pacer {
  level = 1.0;
  #diffs: number[] = [];
  #agents: number[] = [];
  #seconds = 0;

  constructor(readonly settings: VicidialSettings = VICIDIAL_DEFAULTS) {}

  dials(v: SimView): number {
    const s = v.snapshot;
    this.#diffs.push(s.agentsAvailable - s.callsWaiting);
    this.#agents.push(s.agentsLoggedIn);
    if (this.#diffs.length > 60) {
      this.#diffs.shift();
      this.#agents.shift();
    }
    if (++this.#seconds % 15 === 0) this.#adapt(v);
    const lines = Math.round(this.level * s.agentsLoggedIn);
    return Math.max(0, lines - (s.callsInFlight + s.callsWaiting + v.callsTalking));
  }

  #adapt(v: SimView): void {
    const { dropLimit, maximumLevel, intensity, diffTarget } = this.settings;
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const agents = avg(this.#agents);
    if (agents > 0) {
      let change = (avg(this.#diffs) + diffTarget) / agents;
      change *= change > 0 ? 1 + intensity : Math.abs(intensity - 1);
      this.level *= 1 + change;
    }
    this.level = Math.min(maximumLevel, Math.max(1, this.level));
    if (v.lastMinute.answered > 20 && v.lastMinute.abandoned / v.lastMinute.answered > 0.5) this.level /= 2;
    if (v.today.answered > 50 && v.today.abandoned / v.today.answered > dropLimit) {
      const hoursLeft = (v.shiftEndS - v.nowS) / 3600;
      this.level = hoursLeft > 0 ? this.level * (hoursLeft / 10) : 1;
    }
    this.level = Math.max(1, this.level);
  }
}
