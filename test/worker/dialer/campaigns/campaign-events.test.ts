// The webhook events start and pause raise through emitDialerEvents. The
// requests go to an app loaded afresh in this file with the emit module
// replaced by a recorder: SELF's Worker, loaded before any test runs, keeps
// the real (for now, dropping) module whatever vi.mock says.
import { createExecutionContext, env } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DialerEvent } from '../../../../worker/src/dialer-events/emit.ts';
import { seedDialerTenant, type SeededUser } from '../../helpers/dialer.ts';
import { BASE } from '../../helpers/tenant.ts';
import { createCampaign, json, readyAgent, uaeMobiles, upload } from './fixtures.ts';

const emitted: DialerEvent[] = [];
let app: ReturnType<typeof import('../../../../worker/src/app.ts').buildApp>;

beforeAll(async () => {
  vi.resetModules();
  vi.doMock('../../../../worker/src/dialer-events/emit.ts', () => ({
    emitDialerEvents: async (_env: unknown, events: DialerEvent[]) => {
      emitted.push(...events);
    },
  }));
  app = (await import('../../../../worker/src/app.ts')).buildApp();
});
beforeEach(() => {
  emitted.length = 0;
});

const post = (who: SeededUser, path: string) =>
  app.request(`${BASE}${path}`, { method: 'POST', headers: { authorization: `Bearer ${who.token}` } }, env, createExecutionContext());

describe('campaign.started / campaign.paused', () => {
  it('start raises campaign.started once with the campaign and who started it; repeating raises nothing', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    await upload(t.supervisor, c.id, [{ phone: '+971501234567' }]);
    await readyAgent(t, c.id);
    emitted.length = 0; // the agent's agent.state_changed
    const started = await json<{ started_at: string }>(await post(t.supervisor, `/v1/campaigns/${c.id}/start`));
    expect(emitted).toEqual([
      {
        type: 'campaign.started',
        tenantId: t.tenantId,
        correlationId: c.id,
        occurredAt: started.started_at,
        payload: { campaign_id: c.id, name: c.name, dialing_mode: 'progressive', status: 'active', previous_status: 'draft', started_at: started.started_at, changed_by: t.supervisor.id },
      },
    ]);
    expect((await post(t.supervisor, `/v1/campaigns/${c.id}/start`)).status).toBe(200);
    expect(emitted).toHaveLength(1);
  });

  it('pause raises campaign.paused; resume raises campaign.started with previous_status paused', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    await upload(t.supervisor, c.id, [{ phone: '+971501234567' }]);
    await readyAgent(t, c.id);
    emitted.length = 0; // the agent's agent.state_changed
    const started = await json<{ started_at: string }>(await post(t.supervisor, `/v1/campaigns/${c.id}/start`));
    const paused = await json<{ paused_at: string }>(await post(t.admin, `/v1/campaigns/${c.id}/pause`));
    expect(emitted[1]).toEqual({
      type: 'campaign.paused',
      tenantId: t.tenantId,
      correlationId: c.id,
      occurredAt: paused.paused_at,
      payload: { campaign_id: c.id, name: c.name, dialing_mode: 'progressive', status: 'paused', paused_at: paused.paused_at, changed_by: t.admin.id },
    });
    expect((await post(t.admin, `/v1/campaigns/${c.id}/pause`)).status).toBe(200);
    expect(emitted).toHaveLength(2);
    await post(t.supervisor, `/v1/campaigns/${c.id}/start`);
    expect(emitted[2]).toMatchObject({ type: 'campaign.started', payload: { previous_status: 'paused', started_at: started.started_at } });
    expect(emitted[2]!.occurredAt! > started.started_at).toBe(true);
  });

  it('refused transitions raise nothing', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    expect((await post(t.supervisor, `/v1/campaigns/${c.id}/start`)).status).toBe(409);
    expect((await post(t.supervisor, `/v1/campaigns/${c.id}/pause`)).status).toBe(409);
    expect((await post(t.agent, `/v1/campaigns/${c.id}/start`)).status).toBe(403);
    expect(emitted).toEqual([]);
  });

  it('three starts at once: one transition, one event, every answer the same started_at', async () => {
    const t = await seedDialerTenant();
    const c = await createCampaign(t);
    await upload(t.supervisor, c.id, uaeMobiles(3).map((phone) => ({ phone })));
    await readyAgent(t, c.id);
    emitted.length = 0;
    const answers = await Promise.all([1, 2, 3].map(() => post(t.supervisor, `/v1/campaigns/${c.id}/start`)));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    const bodies = (await Promise.all(answers.map((r) => r.json()))) as Array<{ started_at: string; message: string }>;
    expect(new Set(bodies.map((b) => b.started_at)).size).toBe(1);
    expect(bodies.filter((b) => b.message === 'Campaign dialing started.')).toHaveLength(1);
    expect(emitted).toHaveLength(1);
  });
});
