// The dialing modes' pure decisions by table: how many calls each mode
// places for a given floor, predictive's phases and feedback, and the
// overflow arithmetic under it. The bench (npm run bench:dialer) measures
// what the same functions do over a simulated shift.
import { describe, expect, it } from 'vitest';
import { decideDials, DEFAULT_PACING_SETTINGS, initialPacingState, pickAgentToOffer, PREDICTIVE_TUNING, type FloorSnapshot, type PacingSettings } from '../../../worker/src/campaigns/dialing-modes/index.ts';
import { decidePredictive, initialPredictiveState, type PredictiveState } from '../../../worker/src/campaigns/dialing-modes/predictive.ts';
import { DIALING_MODES } from '../../../worker/src/campaigns/campaign-schemas.ts';
import type { DialingMode } from '../../../worker/src/campaigns/dialing-modes/types.ts';
import { addOneCall, binomialPmf, convolve, expectedOverflow, poissonBinomialPmf } from '../../../worker/src/campaigns/dialing-modes/answer-overflow.ts';

const settings: PacingSettings = { ...DEFAULT_PACING_SETTINGS, dialRatio: 2 };

/** A steady floor past warm-up: 20 agents, 30 % answers, 3-minute handle time. */
const floor = (over: Partial<FloorSnapshot> = {}): FloorSnapshot => ({
  agentsLoggedIn: 20,
  agentsAvailable: 0,
  agentsWrappingUp: 0,
  callsInFlight: 0,
  callsWaiting: 0,
  answerRate: 0.3,
  averageHandleS: 190,
  handledCalls: 500,
  averageAnswerDelayS: 8,
  liveAnswers: 500,
  abandoned: 10,
  regulatoryAbandonRate: 0.02,
  ...over,
});

const steady: PredictiveState = { phase: 'predictive', correction: 1, iterationLiveAnswers: 500, iterationAbandoned: 10 };
const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
const mean = (a: Float64Array) => a.reduce((m, p, k) => m + k * p, 0);

describe('progressive', () => {
  it.each([
    // available, in flight, waiting → dials
    [0, 0, 0, 0],
    [3, 0, 0, 3],
    [3, 1, 0, 2],
    [3, 1, 1, 1],
    [3, 5, 0, 0],
    [1, 0, 2, 0],
  ])('%i available, %i in flight, %i waiting → %i dials', (agentsAvailable, callsInFlight, callsWaiting, dials) => {
    const d = decideDials('progressive', floor({ agentsAvailable, callsInFlight, callsWaiting }), settings, initialPacingState('progressive'));
    expect(d.dials).toBe(dials);
  });
});

describe('power', () => {
  it.each([
    // ratio, available, in flight, waiting → dials
    [2, 0, 0, 0, 0],
    [2, 3, 0, 0, 6],
    [2, 3, 4, 0, 2],
    [2, 3, 4, 1, 1],
    [2, 1, 5, 0, 0],
    [1.5, 1, 0, 0, 1],
    [1.5, 2, 0, 0, 3],
    [1, 4, 1, 0, 3],
    [3.3, 10, 0, 0, 33],
  ])('ratio %d, %i available, %i in flight, %i waiting → %i dials', (dialRatio, agentsAvailable, callsInFlight, callsWaiting, dials) => {
    const d = decideDials('power', floor({ agentsAvailable, callsInFlight, callsWaiting }), { ...settings, dialRatio }, initialPacingState('power'));
    expect(d.dials).toBe(dials);
  });
});

describe('preview', () => {
  it('never dials by itself', () => {
    expect(decideDials('preview', floor({ agentsAvailable: 20 }), settings, initialPacingState('preview')).dials).toBe(0);
  });

  it.each([
    ['nobody', [], null],
    ['the longest idle', [{ id: 'a', availableSinceMs: 200, hasOpenOffer: false }, { id: 'b', availableSinceMs: 100, hasOpenOffer: false }], 'b'],
    ['not one holding an offer', [{ id: 'a', availableSinceMs: 200, hasOpenOffer: false }, { id: 'b', availableSinceMs: 100, hasOpenOffer: true }], 'a'],
    ['nobody when all hold offers', [{ id: 'a', availableSinceMs: 200, hasOpenOffer: true }], null],
    ['the smaller id on a tie', [{ id: 'b', availableSinceMs: 100, hasOpenOffer: false }, { id: 'a', availableSinceMs: 100, hasOpenOffer: false }], 'a'],
  ] as const)('offers the next contact to %s', (_label, agents, expected) => {
    expect(pickAgentToOffer(agents)).toBe(expected);
  });
});

describe('predictive phases', () => {
  it.each([
    ['too few live answers', { liveAnswers: 49 }],
    ['too few handled calls (early handle times run short)', { handledCalls: 10 }],
    ['no answer rate yet', { answerRate: null }],
    ['no handle time yet', { averageHandleS: null }],
  ] as const)('runs progressive in warm-up with %s', (_label, over) => {
    const s = floor({ agentsAvailable: 4, callsInFlight: 1, agentsWrappingUp: 6, ...over });
    const d = decidePredictive(s, settings, initialPredictiveState());
    expect(d.state.phase).toBe('warm-up');
    expect(d.dials).toBe(3);
  });

  it('holds to progressive while a legal window is over target, and keeps holding until under 95 % of it', () => {
    const s = floor({ agentsAvailable: 2, agentsWrappingUp: 6, regulatoryAbandonRate: 0.031 });
    const held = decidePredictive(s, settings, steady);
    expect(held.state.phase).toBe('held');
    expect(held.dials).toBe(2);
    expect(decidePredictive({ ...s, regulatoryAbandonRate: 0.029 }, settings, held.state).state.phase).toBe('held');
    expect(decidePredictive({ ...s, regulatoryAbandonRate: 0.028 }, settings, held.state).state.phase).toBe('predictive');
    expect(decidePredictive({ ...s, regulatoryAbandonRate: 0.029 }, settings, steady).state.phase).toBe('predictive');
  });

  it('learns nothing from answers taken while held', () => {
    let state = decidePredictive(floor({ regulatoryAbandonRate: 0.05, liveAnswers: 501 }), settings, steady).state;
    for (let answers = 502; answers <= 900; answers++) state = decidePredictive(floor({ regulatoryAbandonRate: 0.05, liveAnswers: answers }), settings, state).state;
    expect(state).toMatchObject({ phase: 'held', iterationLiveAnswers: 900, iterationAbandoned: 10 });
    const resumed = decidePredictive(floor({ regulatoryAbandonRate: 0.01, liveAnswers: 901 }), settings, state).state;
    expect(resumed).toMatchObject({ phase: 'predictive', correction: 1 });
  });
});

describe('predictive pacing', () => {
  it('places nothing with no agent logged in', () => {
    expect(decidePredictive(floor({ agentsLoggedIn: 0 }), settings, steady).dials).toBe(0);
  });

  it('dials ahead of agents in wrap-up, where progressive would wait', () => {
    const s = floor({ agentsAvailable: 1, agentsWrappingUp: 4, callsInFlight: 1 });
    expect(decideDials('progressive', s, settings, initialPacingState('progressive')).dials).toBe(0);
    expect(decidePredictive(s, settings, steady).dials).toBeGreaterThan(0);
  });

  it('never places fewer than progressive', () => {
    const s = floor({ agentsAvailable: 5, regulatoryAbandonRate: 0.029 });
    expect(decidePredictive(s, settings, { ...steady, correction: PREDICTIVE_TUNING.correctionMin }).dials).toBeGreaterThanOrEqual(5);
  });

  it.each([
    // a lower answer rate needs more calls per agent
    [0.15, 0.3],
    [0.3, 0.6],
  ])('dials more at %d answer rate than at %d', (low, high) => {
    const s = floor({ agentsAvailable: 3, agentsWrappingUp: 3 });
    expect(decidePredictive({ ...s, answerRate: low }, settings, steady).dials).toBeGreaterThan(decidePredictive({ ...s, answerRate: high }, settings, steady).dials);
  });

  it('dials more with a larger correction, fewer with a smaller one', () => {
    const s = floor({ agentsAvailable: 3, agentsWrappingUp: 3 });
    const at = (correction: number) => decidePredictive(s, settings, { ...steady, correction }).dials;
    expect(at(3)).toBeGreaterThan(at(1));
    expect(at(1)).toBeGreaterThan(at(0.2));
  });

  it('counts calls long in flight as likelier to ring out', () => {
    const s = floor({ agentsAvailable: 3, agentsWrappingUp: 2, callsInFlight: 6 });
    const fresh = decidePredictive({ ...s, callsInFlightAgesS: [0, 0, 0, 0, 0, 0] }, settings, steady).dials;
    const old = decidePredictive({ ...s, callsInFlightAgesS: [15, 15, 15, 15, 15, 15] }, settings, steady).dials;
    expect(old).toBeGreaterThan(fresh);
    const rungOut = decidePredictive({ ...s, callsInFlightAgesS: [20, 20, 20, 20, 20, 20] }, settings, steady).dials;
    expect(rungOut).toBeGreaterThan(old);
    // Without ages every call counts as fresh.
    expect(decidePredictive(s, settings, steady).dials).toBe(fresh);
  });

  it('is more careful with a small team on the same per-agent floor', () => {
    const perAgent = (n: number) => decidePredictive(floor({ agentsLoggedIn: n, agentsAvailable: n / 5, agentsWrappingUp: n / 5 }), settings, steady).dials / n;
    expect(perAgent(5)).toBeLessThan(perAgent(20));
  });

  it.each([1, 2, 3])('keeps at most %i lines per agent free or wrapping up', (maxLinesPerAgent) => {
    const s = floor({ agentsAvailable: 2, agentsWrappingUp: 2, callsInFlight: 1, answerRate: 0.05 });
    const d = decidePredictive(s, { ...settings, maxLinesPerAgent }, { ...steady, correction: PREDICTIVE_TUNING.correctionMax });
    expect(s.callsInFlight + d.dials).toBeLessThanOrEqual(Math.max(maxLinesPerAgent * 4, 2));
  });

  it('is deterministic and its state survives JSON', () => {
    const s = floor({ agentsAvailable: 2, agentsWrappingUp: 3, callsInFlight: 2, callsInFlightAgesS: [1, 9] });
    const a = decidePredictive(s, settings, steady);
    const b = decidePredictive(s, settings, JSON.parse(JSON.stringify(steady)) as PredictiveState);
    expect(b).toEqual(a);
    expect(JSON.parse(JSON.stringify(a.state))).toEqual(a.state);
  });
});

describe('predictive feedback', () => {
  const at = (liveAnswers: number, abandoned: number) => decidePredictive(floor({ liveAnswers, abandoned, regulatoryAbandonRate: 0.01 }), settings, steady).state;

  it.each([
    // answers since the iteration began, abandons among them → correction moves
    ['waits for a full iteration', 99, 9, 'same'],
    ['raises the limit after abandons under the aim', 100, 0, 'up'],
    ['lowers it after abandons over the aim', 100, 5, 'down'],
    ['barely moves it at the aim', 100, 2.55, 'same'],
  ] as const)('%s', (_label, answers, abandons, direction) => {
    const next = at(500 + answers, 10 + abandons);
    if (direction === 'same') expect(next.correction).toBeCloseTo(1, 2);
    if (direction === 'up') expect(next.correction).toBeGreaterThan(1);
    if (direction === 'down') expect(next.correction).toBeLessThan(1);
    if (answers >= PREDICTIVE_TUNING.correctionEvery) expect(next).toMatchObject({ iterationLiveAnswers: 500 + answers, iterationAbandoned: 10 + abandons });
  });

  it('keeps the correction within its bounds', () => {
    let state: PredictiveState = steady;
    for (let i = 1; i <= 40; i++) state = decidePredictive(floor({ liveAnswers: 500 + 100 * i, abandoned: 10, regulatoryAbandonRate: 0.001 }), settings, state).state;
    expect(state.correction).toBe(PREDICTIVE_TUNING.correctionMax);
    for (let i = 41; i <= 80; i++) state = decidePredictive(floor({ liveAnswers: 500 + 100 * i, abandoned: 10 + 50 * (i - 40), regulatoryAbandonRate: 0.001 }), settings, state).state;
    expect(state.correction).toBe(PREDICTIVE_TUNING.correctionMin);
  });
});

describe('decideDials', () => {
  it('knows every mode the API accepts, and no other', () => {
    const accepted: readonly DialingMode[] = DIALING_MODES;
    const known: Record<DialingMode, true> = { preview: true, progressive: true, power: true, predictive: true };
    expect([...accepted].sort()).toEqual(Object.keys(known).sort());
  });


  it('starts predictive afresh when the state was saved under another mode', () => {
    const d = decideDials('predictive', floor({ liveAnswers: 0, agentsAvailable: 2 }), settings, initialPacingState('power'));
    expect(d.state).toEqual({ mode: 'predictive', inner: expect.objectContaining({ phase: 'warm-up' }) });
    expect(d.dials).toBe(2);
  });

  it('passes predictive state through', () => {
    const d = decideDials('predictive', floor({ agentsAvailable: 2 }), settings, { mode: 'predictive', inner: steady });
    expect(d.state.mode).toBe('predictive');
    expect(d.state.inner).toMatchObject({ phase: 'predictive' });
  });
});

describe('answer overflow arithmetic', () => {
  it.each([
    [0, 0.3],
    [1, 0.5],
    [10, 0.3],
    [300, 0.15],
    [50, 0],
    [50, 1],
  ])('Binomial(%i, %d) sums to 1 with mean n·p', (n, p) => {
    const pmf = binomialPmf(n, p);
    expect(sum(pmf)).toBeCloseTo(1, 9);
    expect(mean(pmf)).toBeCloseTo(n * p, 6);
  });

  it('builds the same distribution call by call, in one pass, or in one binomial', () => {
    let byCall: Float64Array = Float64Array.of(1);
    for (let i = 0; i < 12; i++) byCall = addOneCall(byCall, 0.3);
    const direct = binomialPmf(12, 0.3);
    const inPlace = poissonBinomialPmf(Array(12).fill(0.3));
    for (let k = 0; k <= 12; k++) {
      expect(byCall[k] ?? 0).toBeCloseTo(direct[k] ?? 0, 12);
      expect(inPlace[k] ?? 0).toBeCloseTo(direct[k] ?? 0, 12);
    }
  });

  it('convolves two distributions', () => {
    const c = convolve(binomialPmf(3, 0.5), binomialPmf(2, 0.5));
    const d = binomialPmf(5, 0.5);
    for (let k = 0; k <= 5; k++) expect(c[k]).toBeCloseTo(d[k]!, 12);
  });

  it.each([
    // answers pmf, agents free now − waiting, frees pmf → E[(X − S)+]
    ['no answers', [1], 0, [1], 0],
    ['two sure answers, one agent', [0, 0, 1], 1, [1], 1],
    ['two sure answers, one agent and one freeing for sure', [0, 0, 1], 1, [0, 1], 0],
    ['one coin-flip answer, no agent', [0.5, 0.5], 0, [1], 0.5],
    ['one coin-flip answer, an agent freeing half the time', [0.5, 0.5], 0, [0.5, 0.5], 0.25],
    ['a waiting answer already owed an agent', [0.5, 0.5], -1, [1], 1.5],
  ])('%s', (_label, answers, base, frees, expected) => {
    expect(expectedOverflow(Float64Array.from(answers), base, Float64Array.from(frees))).toBeCloseTo(expected, 12);
  });
});
