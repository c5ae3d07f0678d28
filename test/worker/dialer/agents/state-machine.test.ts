// The agent state machine and the summary, without HTTP or storage: every
// row of the table in worker/src/agents/agent-state-machine.ts.
import { describe, expect, it } from 'vitest';
import { AGENT_STATES, SETTABLE_STATES, decide, neverSet, summarise, type AgentRecord, type AgentState } from '../../../../worker/src/agents/agent-state-machine.ts';

const T0 = '2026-06-12T08:00:00.000Z';
const NOW = '2026-06-12T13:50:00.000Z';
const rec = (fields: Partial<AgentRecord> = {}): AgentRecord => ({ ...neverSet(T0), ...fields });
const set = (state: (typeof SETTABLE_STATES)[number], override = false, reason: string | null = null) => ({ kind: 'set' as const, state, reason, by: 'u1', override });

describe('decide: client sets', () => {
  it('a never-set agent is offline since creation', () => {
    expect(neverSet(T0)).toEqual({ state: 'offline', stateSince: T0, reason: null, currentCallId: null, preCallState: null, preCallReason: null, removed: false, changedBy: null });
  });

  it.each(SETTABLE_STATES.flatMap((from) => SETTABLE_STATES.map((to) => [from, to] as const)))('%s → %s', (from, to) => {
    const d = decide(rec({ state: from, reason: 'old' }), set(to, false, 'why'), NOW);
    if (from === to) expect(d).toEqual({ kind: 'unchanged' });
    else expect(d).toEqual({ kind: 'changed', next: rec({ state: to, stateSince: NOW, reason: 'why', changedBy: 'u1' }) });
  });

  it('on_call: refused for the agent, allowed (and the call cleared) for a supervisor', () => {
    const onCall = rec({ state: 'on_call', currentCallId: 'c1', preCallState: 'available', stateSince: T0 });
    expect(decide(onCall, set('break'), NOW)).toEqual({ kind: 'refused', why: 'on_call' });
    expect(decide(onCall, set('break', true, 'stuck'), NOW)).toEqual({ kind: 'changed', next: rec({ state: 'break', stateSince: NOW, reason: 'stuck', changedBy: 'u1' }) });
  });

  it('a removed agent cannot be set, even by a supervisor', () => {
    expect(decide(rec({ removed: true }), set('available', true), NOW)).toEqual({ kind: 'refused', why: 'not_on_floor' });
  });
});

describe('decide: the dialer', () => {
  it('bridging keeps the state before the call; ending restores it with its reason', () => {
    const before = rec({ state: 'available', reason: 'ready', stateSince: T0, changedBy: 'u1' });
    const bridged = decide(before, { kind: 'call', callId: 'c1' }, NOW);
    expect(bridged).toEqual({
      kind: 'changed',
      next: { state: 'on_call', stateSince: NOW, reason: null, currentCallId: 'c1', preCallState: 'available', preCallReason: 'ready', removed: false, changedBy: null },
    });
    const LATER = '2026-06-12T13:55:00.000Z';
    const ended = decide((bridged as { next: AgentRecord }).next, { kind: 'call', callId: null }, LATER);
    expect(ended).toEqual({ kind: 'changed', next: rec({ state: 'available', stateSince: LATER, reason: 'ready' }) });
  });

  it('an on_call agent with no remembered state goes back to available', () => {
    expect(decide(rec({ state: 'on_call', currentCallId: 'c1' }), { kind: 'call', callId: null }, NOW)).toMatchObject({ kind: 'changed', next: { state: 'available' } });
  });

  it('same call: unchanged; another call: a new on_call period that keeps the pre-call state', () => {
    const onCall = rec({ state: 'on_call', currentCallId: 'c1', preCallState: 'training', stateSince: T0 });
    expect(decide(onCall, { kind: 'call', callId: 'c1' }, NOW)).toEqual({ kind: 'unchanged' });
    expect(decide(onCall, { kind: 'call', callId: 'c2' }, NOW)).toEqual({ kind: 'changed', next: { ...onCall, currentCallId: 'c2', stateSince: NOW } });
  });

  it('a call ending while not on a call changes nothing; bridging to a removed agent is refused', () => {
    for (const state of SETTABLE_STATES) expect(decide(rec({ state }), { kind: 'call', callId: null }, NOW)).toEqual({ kind: 'unchanged' });
    expect(decide(rec({ removed: true }), { kind: 'call', callId: 'c1' }, NOW)).toEqual({ kind: 'refused', why: 'not_on_floor' });
  });
});

describe('decide: floor membership', () => {
  it('remove: offline and removed; an event only if the state changed; twice is unchanged', () => {
    const onCall = rec({ state: 'on_call', currentCallId: 'c1', preCallState: 'available' });
    expect(decide(onCall, { kind: 'remove', reason: 'User disabled', by: 'a1' }, NOW)).toEqual({
      kind: 'changed',
      next: rec({ state: 'offline', stateSince: NOW, reason: 'User disabled', removed: true, changedBy: 'a1' }),
    });
    expect(decide(rec(), { kind: 'remove', reason: 'x', by: 'a1' }, NOW)).toEqual({ kind: 'updated', next: rec({ removed: true }) });
    expect(decide(rec({ removed: true }), { kind: 'remove', reason: 'x', by: 'a1' }, NOW)).toEqual({ kind: 'unchanged' });
  });

  it('admit: back on the floor, still offline since the same instant', () => {
    const removed = rec({ removed: true, stateSince: NOW, reason: 'User disabled' });
    expect(decide(removed, { kind: 'admit' }, '2026-06-13T00:00:00.000Z')).toEqual({ kind: 'updated', next: { ...removed, removed: false } });
    expect(decide(rec(), { kind: 'admit' }, NOW)).toEqual({ kind: 'unchanged' });
  });
});

describe('summarise', () => {
  it('counts each state; break includes lunch and training; the four keys add up to total', () => {
    const states: AgentState[] = ['available', 'on_call', 'on_call', 'break', 'lunch', 'training', 'offline', 'available'];
    expect(summarise(states)).toEqual({ total: 8, available: 2, on_call: 2, break: 3, offline: 1 });
    expect(summarise([])).toEqual({ total: 0, available: 0, on_call: 0, break: 0, offline: 0 });
    for (const s of AGENT_STATES) {
      const one = summarise([s]);
      expect(one.available + one.on_call + one.break + one.offline).toBe(1);
    }
  });
});
