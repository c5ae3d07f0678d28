// Which events the live feed carries (feedEventsOf) and who sees them (visibleTo).
import { describe, expect, it } from 'vitest';
import { feedEventsOf } from '../../../worker/src/wallboard/publish.ts';
import { visibleTo, type FeedViewer } from '../../../worker/src/durable/wallboard-feed/index.ts';

const at = '2026-12-05T05:00:00.000Z';

describe('feedEventsOf', () => {
  it('keeps agent, call and campaign events, drops dnc.added, and dates an undated event now', () => {
    const events = feedEventsOf(
      [
        { type: 'agent.state_changed', correlationId: 'a1', occurredAt: at, payload: { agent_id: 'a1' } },
        { type: 'dnc.added', correlationId: '+1', payload: {} },
        { type: 'call.answered', correlationId: 'c1', payload: { agent_id: 'a1' } },
        { type: 'campaign.started', correlationId: 'k1', payload: {} },
      ],
      Date.parse(at) + 1000,
    );
    expect(events.map((e) => e.type)).toEqual(['agent.state_changed', 'call.answered', 'campaign.started']);
    expect(events[1]).toEqual({ type: 'call.answered', occurred_at: '2026-12-05T05:00:01.000Z', correlation_id: 'c1', payload: { agent_id: 'a1' } });
  });
});

describe('visibleTo', () => {
  const event = (agentId: string | null) => ({ type: 'call.answered', occurred_at: at, correlation_id: 'c1', payload: { agent_id: agentId } });
  const viewer = (role: FeedViewer['role']): FeedViewer => ({ userId: 'a1', role, expiresAtMs: Number.MAX_SAFE_INTEGER });

  it('shows supervisors and admins everything, an agent only events about them', () => {
    for (const role of ['supervisor', 'admin'] as const) expect(visibleTo(viewer(role), event('a2'))).toBe(true);
    expect(visibleTo(viewer('agent'), event('a1'))).toBe(true);
    expect(visibleTo(viewer('agent'), event('a2'))).toBe(false);
    expect(visibleTo(viewer('agent'), event(null))).toBe(false);
  });
});
