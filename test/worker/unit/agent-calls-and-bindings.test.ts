// Pure rules for agents and calls: the claim/release rows of the agent state
// machine (what originate and campaign bridging use), and SIP binding
// liveness, choice between nodes and boot order (agents/sip-bindings.ts).
import { describe, expect, it } from 'vitest';
import { SETTABLE_STATES, decide, neverSet, type AgentRecord } from '../../../worker/src/agents/agent-state-machine.ts';
import { bootOrder, currentBinding, isLive, type StoredBinding } from '../../../worker/src/agents/sip-bindings.ts';

const T0 = '2026-06-12T08:00:00.000Z';
const NOW = '2026-06-12T13:50:00.000Z';
const rec = (fields: Partial<AgentRecord> = {}): AgentRecord => ({ ...neverSet(T0), ...fields });

describe('decide: claim (the dialer takes an agent for a call)', () => {
  it.each(SETTABLE_STATES)('from %s: on_call with the call, the state before and its reason remembered', (from) => {
    expect(decide(rec({ state: from, reason: 'r' }), { kind: 'claim', callId: 'c1' }, NOW)).toEqual({
      kind: 'changed',
      next: rec({ state: 'on_call', stateSince: NOW, reason: null, currentCallId: 'c1', preCallState: from, preCallReason: 'r' }),
    });
  });

  it('on another call: refused busy; on the same call: unchanged; off the floor: refused', () => {
    const onCall = rec({ state: 'on_call', currentCallId: 'c1', preCallState: 'available' });
    expect(decide(onCall, { kind: 'claim', callId: 'c2' }, NOW)).toEqual({ kind: 'refused', why: 'busy' });
    expect(decide(onCall, { kind: 'claim', callId: 'c1' }, NOW)).toEqual({ kind: 'unchanged' });
    expect(decide(rec({ removed: true }), { kind: 'claim', callId: 'c1' }, NOW)).toEqual({ kind: 'refused', why: 'not_on_floor' });
  });
});

describe('decide: release (the call is over for the agent)', () => {
  it('back to the state before the call with its reason, by the dialer', () => {
    const onCall = rec({ state: 'on_call', currentCallId: 'c1', preCallState: 'break', preCallReason: 'coffee', stateSince: T0 });
    expect(decide(onCall, { kind: 'release', callId: 'c1' }, NOW)).toEqual({ kind: 'changed', next: rec({ state: 'break', reason: 'coffee', stateSince: NOW }) });
  });

  it('a late end of an older call leaves the current one; not on a call: unchanged', () => {
    const onCall = rec({ state: 'on_call', currentCallId: 'c2', preCallState: 'available' });
    expect(decide(onCall, { kind: 'release', callId: 'c1' }, NOW)).toEqual({ kind: 'unchanged' });
    expect(decide(rec({ state: 'available' }), { kind: 'release', callId: 'c1' }, NOW)).toEqual({ kind: 'unchanged' });
  });

  it('with no remembered state, available', () => {
    expect(decide(rec({ state: 'on_call', currentCallId: 'c1' }), { kind: 'release', callId: 'c1' }, NOW)).toMatchObject({ kind: 'changed', next: { state: 'available' } });
  });
});

const binding = (fields: Partial<StoredBinding>): StoredBinding => ({
  agent_id: 'a1',
  node_id: 'n1',
  sip_user: 'agent_1001',
  realm: 'x.sip.crier.local',
  contact: 'sip:agent_1001@192.0.2.1',
  user_agent: 'ua',
  registered_at: T0,
  expires_at: '2026-06-12T14:00:00.000Z',
  reported_ms: 1,
  ...fields,
});

describe('SIP bindings', () => {
  const now = Date.parse(NOW);

  it('live strictly before expires_at', () => {
    expect(isLive({ expires_at: '2026-06-12T13:50:00.001Z' }, now)).toBe(true);
    expect(isLive({ expires_at: NOW }, now)).toBe(false);
    expect(isLive({ expires_at: 'garbage' }, now)).toBe(false);
  });

  it('the current binding is the live one reported last; expired ones never count; internals are not answered', () => {
    const a = binding({ node_id: 'n1', reported_ms: 5 });
    const b = binding({ node_id: 'n2', reported_ms: 9 });
    const expired = binding({ node_id: 'n3', reported_ms: 20, expires_at: '2026-06-12T13:00:00.000Z' });
    expect(currentBinding([a, b, expired], now)?.node_id).toBe('n2');
    expect(currentBinding([a, expired], now)?.node_id).toBe('n1');
    expect(currentBinding([expired], now)).toBeNull();
    expect(Object.keys(currentBinding([a], now)!).sort()).toEqual(['contact', 'expires_at', 'node_id', 'realm', 'registered_at', 'sip_user', 'user_agent']);
  });

  it('boot order compares instants, not strings', () => {
    expect(bootOrder(T0, null)).toBe('newer');
    expect(bootOrder(T0, T0)).toBe('same');
    expect(bootOrder('2026-06-12T09:00:00Z', T0)).toBe('newer');
    expect(bootOrder('2026-06-12T07:00:00.5Z', T0)).toBe('stale');
    expect(bootOrder('2026-06-12T08:00:00Z', '2026-06-12T08:00:00.000Z')).toBe('same');
  });
});
