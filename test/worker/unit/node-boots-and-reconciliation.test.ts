// Pure decisions behind node restarts and heartbeat reconciliation: which
// boot a heartbeat belongs to, and what one leg owner hangs up or ends.
import { describe, expect, it } from 'vitest';
import { classifyBeat, wantsRegistrations } from '../../../worker/src/durable/media-fleet/node-boot.ts';
import { reconcileLegs, type LegOnRecord, type NodeLegsReport } from '../../../worker/src/durable/media-fleet/leg-reconciliation.ts';

const T0 = '2026-12-05T04:00:00.000Z';
const T1 = '2026-12-05T04:00:30.000Z';
const NOW = Date.parse('2026-12-05T04:01:00.000Z');
const TIMEOUT = 15_000;

describe('classifyBeat', () => {
  const known = (startedAt: string, lost = false, silentMs = 1_000) => ({ startedAt, lost, lastSeenMs: NOW - silentMs });

  it('tells a first beat, the same boot, and a return after being declared lost apart', () => {
    expect(classifyBeat(null, T0, NOW, TIMEOUT)).toBe('first');
    expect(classifyBeat(known(T0), T0, NOW, TIMEOUT)).toBe('same');
    expect(classifyBeat(known(T0, true), T0, NOW, TIMEOUT)).toBe('returned');
  });

  it('compares boots as instants, as an agent floor does: another precision is the same boot', () => {
    expect(classifyBeat(known(T0), '2026-12-05T04:00:00Z', NOW, TIMEOUT)).toBe('same');
  });

  it('takes a newer boot as a restart, alive predecessor or not', () => {
    expect(classifyBeat(known(T0), T1, NOW, TIMEOUT)).toBe('restarted');
    expect(classifyBeat(known(T0, true), T1, NOW, TIMEOUT)).toBe('restarted');
  });

  it('ignores an older boot while the newer one is alive, but not once it is lost or silent', () => {
    expect(classifyBeat(known(T1), T0, NOW, TIMEOUT)).toBe('stale');
    expect(classifyBeat(known(T1, true), T0, NOW, TIMEOUT)).toBe('restarted');
    expect(classifyBeat(known(T1, false, TIMEOUT + 1), T0, NOW, TIMEOUT)).toBe('restarted');
  });

  it('never locks a node out over a boot it cannot read', () => {
    expect(classifyBeat(known(T1), 'boot-7', NOW, TIMEOUT)).toBe('restarted');
  });
});

describe('wantsRegistrations', () => {
  it('asks a node back from being declared lost for its bindings (they were dropped), and a never-seen node holding some', () => {
    expect(wantsRegistrations('returned', 2)).toBe(true);
    expect(wantsRegistrations('returned', undefined)).toBe(true);
    expect(wantsRegistrations('first', 2)).toBe(true);
  });

  it('asks no one with nothing to report, nor the boot it knows, a restart (its bindings are new) or a stale beat', () => {
    expect(wantsRegistrations('returned', 0)).toBe(false);
    expect(wantsRegistrations('first', 0)).toBe(false);
    expect(wantsRegistrations('first', undefined)).toBe(false);
    for (const kind of ['same', 'restarted', 'stale'] as const) expect(wantsRegistrations(kind, 3)).toBe(false);
  });
});

describe('reconcileLegs', () => {
  const report = (held: string[], extra: Partial<NodeLegsReport> = {}): NodeLegsReport => ({ nodeId: 'n1', boot: T1, held, current: true, graceMs: 10_000, ...extra });
  const leg = (voiceId: string, extra: Partial<LegOnRecord> = {}): LegOnRecord => ({ voiceId, live: true, nodeId: 'n1', boot: T1, dialedAtMs: NOW - 60_000, ...extra });
  const lookup = (legs: LegOnRecord[]) => (id: string) => legs.find((l) => l.voiceId === id) ?? null;

  it('hangs up held calls that are ended, unknown, or placed on another node; keeps live and queued ones', () => {
    const legs = [leg('ended', { live: false }), leg('elsewhere', { nodeId: 'n2' }), leg('live'), leg('queued', { nodeId: null, boot: null })];
    const r = reconcileLegs(report(['ended', 'elsewhere', 'live', 'queued', 'stranger']), lookup(legs), [leg('live')], NOW);
    expect(r.hangup.sort()).toEqual(['elsewhere', 'ended', 'stranger']);
    expect(r.end).toEqual([]);
  });

  it('ends live legs the node does not hold, past the grace or on an older boot, never those of a newer boot', () => {
    const onNode = [
      leg('old-enough'),
      leg('just-sent', { dialedAtMs: NOW - 2_000 }),
      leg('just-sent-old-boot', { dialedAtMs: NOW - 2_000, boot: T0 }),
      leg('newer-boot', { boot: '2026-12-05T04:00:50.000Z' }),
      leg('unreadable-boot', { boot: 'boot-7' }),
      leg('unknown-boot-just-sent', { boot: null, dialedAtMs: NOW - 2_000 }),
      leg('unknown-boot-old', { boot: null }),
      leg('held'),
    ];
    const r = reconcileLegs(report(['held']), lookup(onNode), onNode, NOW);
    expect(r.end.sort()).toEqual(['just-sent-old-boot', 'old-enough', 'unknown-boot-old']);
  });

  it('ends nothing on a late beat from a replaced boot, but still hangs up what it should not hold', () => {
    const onNode = [leg('missing'), leg('ended', { live: false })];
    const r = reconcileLegs(report(['ended'], { current: false, boot: T0 }), lookup(onNode), [onNode[0]!], NOW);
    expect(r).toEqual({ hangup: ['ended'], end: [] });
  });
});
