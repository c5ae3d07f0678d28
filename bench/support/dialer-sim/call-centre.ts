/**
 * A discrete-event simulation of one campaign's shift: N agents, calls
 * dialled by a pacer once a second, each call answered live with the
 * scenario's answer rate after a ring, or ending unanswered; a live answer
 * takes the longest-idle agent, waits up to 2 s for one to free up, or is
 * abandoned. The pacer sees what the engine will see (a FloorSnapshot built
 * from the same measured figures: rolling answer rate, handle time, answer
 * delay, agents in wrap-up, the legal
 * abandon windows from worker/src/campaigns/abandon-windows.ts), so the
 * strategies under test run unchanged.
 */
import { abandonFigures, emptyAbandonWindows, recordLiveAnswer, worstLegalRate, type AbandonWindows } from '../../../worker/src/campaigns/abandon-windows.ts';
import type { FloorSnapshot } from '../../../worker/src/campaigns/dialing-modes/index.ts';
import type { CallModel } from './call-model.ts';
import { EventQueue } from './event-queue.ts';
import { Random } from './random.ts';

export interface Scenario {
  agents: number;
  /** Live answers ÷ dials. */
  answerRate: number;
  model: CallModel;
  seed: number;
  shiftS: number;
  ringTimeoutS: number;
}

/** What a pacer sees each tick: the engine's snapshot, plus the raw counts the VICIdial baseline reads. */
export interface SimView {
  snapshot: FloorSnapshot;
  nowS: number;
  shiftEndS: number;
  callsTalking: number;
  today: { answered: number; abandoned: number };
  lastMinute: { answered: number; abandoned: number };
}

export interface Pacer {
  dials(view: SimView): number;
}

export interface ShiftResult {
  dials: number;
  liveAnswers: number;
  abandoned: number;
  connected: number;
  /** Per hour of the shift, by answer time. */
  hourly: Array<{ answered: number; abandoned: number }>;
  talkS: number;
  loggedInS: number;
  /** Sum and count of gaps between an agent becoming available and its next call. */
  waitS: number;
  waits: number;
}

/** Seconds an answered call waits for an agent before it is abandoned (the rules' 2 s). */
export const ABANDON_AFTER_S = 2;
const EPOCH_MS = Date.UTC(2026, 0, 5, 9, 0, 0);
const DAY_START_MS = Date.UTC(2026, 0, 5, 0, 0, 0);

type Event =
  | { at: number; kind: 'tick' }
  | { at: number; kind: 'answer'; call: number; dialledAt: number }
  | { at: number; kind: 'unanswered'; call: number }
  | { at: number; kind: 'abandon-check'; call: number }
  | { at: number; kind: 'talk-end'; agent: number }
  | { at: number; kind: 'wrap-end'; agent: number };

interface Agent {
  state: 'available' | 'talking' | 'wrap';
  since: number;
  talkStart: number;
}

/** A fixed-size window of the latest numbers, with a running sum (its mean is read every tick). */
class Recent {
  #values: number[] = [];
  #next = 0;
  #sum = 0;
  constructor(readonly size: number) {}
  add(v: number): void {
    if (this.#values.length < this.size) this.#values.push(v);
    else {
      this.#sum -= this.#values[this.#next]!;
      this.#values[this.#next] = v;
    }
    this.#sum += v;
    this.#next = (this.#next + 1) % this.size;
  }
  mean(): number | null {
    return this.#values.length === 0 ? null : this.#sum / this.#values.length;
  }
}

export function simulateShift(sc: Scenario, pacer: Pacer): ShiftResult {
  // Two streams, so dial k's outcome and conversation k's length are the same whichever pacer runs (common random numbers).
  const rng = new Random(sc.seed);
  const talkRng = new Random(sc.seed ^ 0x5bd1e995);
  const queue = new EventQueue<Event>();
  const agents: Agent[] = Array.from({ length: sc.agents }, () => ({ state: 'available', since: 0, talkStart: 0 }));
  const waiting: Array<{ call: number; answeredAt: number }> = [];
  const answerDelays = new Recent(200);
  const handleTimes = new Recent(200);
  const outcomes = new Recent(500);
  const lastMinute: Array<{ at: number; abandoned: boolean }> = [];
  let windows: AbandonWindows = emptyAbandonWindows();
  let figures: { legal: number | null; today: { answered: number; abandoned: number } } = { legal: null, today: { answered: 0, abandoned: 0 } };
  let handledCalls = 0;
  const inFlight = new Map<number, number>(); // call → dialled at
  let nextCall = 0;
  const hours = Math.ceil(sc.shiftS / 3600);
  const r: ShiftResult = { dials: 0, liveAnswers: 0, abandoned: 0, connected: 0, hourly: Array.from({ length: hours }, () => ({ answered: 0, abandoned: 0 })), talkS: 0, loggedInS: sc.agents * sc.shiftS, waitS: 0, waits: 0 };

  const liveAnswer = (at: number, abandoned: boolean, answeredAt: number) => {
    r.liveAnswers++;
    const h = r.hourly[Math.min(hours - 1, Math.floor(answeredAt / 3600))]!;
    h.answered++;
    if (abandoned) {
      r.abandoned++;
      h.abandoned++;
    } else r.connected++;
    lastMinute.push({ at, abandoned });
    windows = recordLiveAnswer(windows, EPOCH_MS + at * 1000, abandoned ? 'abandoned' : 'connected');
  };

  const connect = (agentIndex: number, now: number, answeredAt: number) => {
    const a = agents[agentIndex]!;
    r.waitS += now - a.since;
    r.waits++;
    a.state = 'talking';
    a.talkStart = now;
    a.since = now;
    liveAnswer(now, false, answeredAt);
    queue.push({ at: now + sc.model.talkS(talkRng), kind: 'talk-end', agent: agentIndex });
  };

  const longestIdle = (): number => {
    let best = -1;
    for (let i = 0; i < agents.length; i++) {
      const a = agents[i]!;
      if (a.state === 'available' && (best < 0 || a.since < agents[best]!.since)) best = i;
    }
    return best;
  };

  queue.push({ at: 0, kind: 'tick' });
  for (let e = queue.pop(); e !== undefined && e.at < sc.shiftS; e = queue.pop()) {
    const now = e.at;
    switch (e.kind) {
      case 'tick': {
        while (lastMinute.length > 0 && lastMinute[0]!.at <= now - 60) lastMinute.shift();
        let available = 0;
        let wrapping = 0;
        let talking = 0;
        for (const a of agents) {
          if (a.state === 'available') available++;
          else if (a.state === 'wrap') wrapping++;
          if (a.state === 'talking') talking++;
        }
        // The windows are re-read once a minute, as VICIdial refreshes its drop figures.
        if (now % 60 === 0) {
          const f = abandonFigures(windows, EPOCH_MS + now * 1000, DAY_START_MS);
          figures = { legal: worstLegalRate(f), today: { answered: f.today.answered, abandoned: f.today.abandoned } };
        }
        const snapshot: FloorSnapshot = {
          agentsLoggedIn: sc.agents,
          agentsAvailable: available,
          agentsWrappingUp: wrapping,
          callsInFlight: inFlight.size,
          callsInFlightAgesS: [...inFlight.values()].map((at) => now - at),
          callsWaiting: waiting.length,
          answerRate: outcomes.mean(),
          averageHandleS: handleTimes.mean(),
          handledCalls,
          averageAnswerDelayS: answerDelays.mean(),
          liveAnswers: r.liveAnswers,
          abandoned: r.abandoned,
          regulatoryAbandonRate: figures.legal,
        };
        let lastMinuteAbandoned = 0;
        for (const x of lastMinute) if (x.abandoned) lastMinuteAbandoned++;
        const lm = { answered: lastMinute.length, abandoned: lastMinuteAbandoned };
        const n = pacer.dials({ snapshot, nowS: now, shiftEndS: sc.shiftS, callsTalking: talking, today: figures.today, lastMinute: lm });
        for (let i = 0; i < n; i++) {
          r.dials++;
          const call = nextCall++;
          inFlight.set(call, now);
          if (rng.next() < sc.answerRate) queue.push({ at: now + sc.model.answerDelayS(rng, sc.ringTimeoutS), kind: 'answer', call, dialledAt: now });
          else queue.push({ at: now + sc.model.unansweredS(rng, sc.ringTimeoutS), kind: 'unanswered', call });
        }
        queue.push({ at: now + 1, kind: 'tick' });
        break;
      }
      case 'unanswered':
        inFlight.delete(e.call);
        outcomes.add(0);
        break;
      case 'answer': {
        inFlight.delete(e.call);
        outcomes.add(1);
        answerDelays.add(now - e.dialledAt);
        const agent = longestIdle();
        if (agent >= 0) connect(agent, now, now);
        else {
          waiting.push({ call: e.call, answeredAt: now });
          queue.push({ at: now + ABANDON_AFTER_S, kind: 'abandon-check', call: e.call });
        }
        break;
      }
      case 'abandon-check': {
        const i = waiting.findIndex((w) => w.call === e.call);
        if (i >= 0) {
          const [w] = waiting.splice(i, 1);
          liveAnswer(now, true, w!.answeredAt);
        }
        break;
      }
      case 'talk-end': {
        const a = agents[e.agent]!;
        r.talkS += now - a.talkStart;
        a.state = 'wrap';
        queue.push({ at: now + sc.model.wrapS(talkRng), kind: 'wrap-end', agent: e.agent });
        break;
      }
      case 'wrap-end': {
        const a = agents[e.agent]!;
        handleTimes.add(now - a.talkStart);
        handledCalls++;
        a.state = 'available';
        a.since = now;
        const w = waiting.shift();
        if (w !== undefined) connect(e.agent, now, w.answeredAt);
        break;
      }
    }
  }
  // Conversations still going at the end of the shift count up to its end.
  for (const a of agents) if (a.state === 'talking') r.talkS += sc.shiftS - a.talkStart;
  return r;
}
