// POST /v1/reports/export: the four report types in json, csv and pdf, their
// numbers checked against the very calls /v1/calls shows for the period,
// broadcast legs included; the spec's agent_performance CSV; CSV escaping;
// PDFs that pdf-lib reads back with their rows; validation, roles, tenancy.
import { describe, expect, it } from 'vitest';
import { csvField } from '../../../../worker/src/reports/csv.ts';
import { allPages, call, dialerProblem, seedDialerTenant, type DialerTenant } from '../../helpers/dialer.ts';
import { env } from 'cloudflare:test';
import { uuidv7 } from '../../../../worker/src/ids/uuid-v7.ts';
import { seedBroadcast, seedCalls, seedCampaign, type CallSeed } from './seed.ts';
import { fromBase64, pdfPages } from './pdf-text.ts';

const FROM = '2026-06-01T00:00:00Z';
const TO = '2026-06-12T23:59:59Z';
type Row = Record<string, unknown>;
type CallItem = { id: string; campaign_id: string | null; agent_id: string | null; status: string; disposition: string | null; duration_seconds: number | null; talk_time_seconds: number | null };

async function exportReport(who: DialerTenant['agent'], body: Record<string, unknown>) {
  const res = await call(who, 'POST', '/v1/reports/export', { from: FROM, to: TO, ...body });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { report_type: string; format: string; rows: number; data: unknown };
}

/** The known call set: two campaigns, a broadcast, two people, every status, plus calls the reports must not see. */
async function knownCalls() {
  const t = await seedDialerTenant();
  const other = await seedDialerTenant();
  const [alpha, beta] = [await seedCampaign(t.tenantId, 'Alpha'), await seedCampaign(t.tenantId, 'Beta')];
  const blast = await seedBroadcast(t.tenantId, 'Blast');
  const day = (d: number, h = 10) => new Date(Date.UTC(2026, 5, d, h));
  const seeds: CallSeed[] = [
    { campaignId: alpha, agentId: t.agent.id, startedAt: day(1), answerAfterS: 10, endAfterS: 130, disposition: 'sale' },
    { campaignId: alpha, agentId: t.agent.id, startedAt: day(2), answerAfterS: 5, endAfterS: 65.5, disposition: 'callback' },
    { campaignId: alpha, agentId: t.agent.id, startedAt: day(3), status: 'no_answer', endAfterS: 30 },
    { campaignId: alpha, agentId: t.supervisor.id, startedAt: day(4), status: 'busy', endAfterS: 4 },
    { campaignId: alpha, agentId: t.supervisor.id, startedAt: day(5), answerAfterS: 2, endAfterS: 12, abandoned: true },
    { campaignId: beta, agentId: t.agent.id, startedAt: day(6), status: 'voicemail', answerAfterS: 8, endAfterS: 38, disposition: 'left_message' },
    { campaignId: beta, agentId: t.agent.id, startedAt: day(7), status: 'failed', endAfterS: 0 },
    { campaignId: beta, agentId: t.agent.id, startedAt: day(8), answerAfterS: 3, endAfterS: null }, // in progress
    { broadcastId: blast, startedAt: day(9), answerAfterS: 3, endAfterS: 33 },
    { broadcastId: blast, startedAt: day(10), status: 'voicemail', answerAfterS: 4, endAfterS: 24 },
    { broadcastId: blast, startedAt: day(11), status: 'no_answer', endAfterS: 20 },
    { agentId: t.agent.id, startedAt: day(12, 23), answerAfterS: 1, endAfterS: 41, disposition: 'sale' },
  ];
  await seedCalls(t.tenantId, seeds);
  await seedCalls(t.tenantId, [
    { campaignId: alpha, agentId: t.agent.id, startedAt: new Date('2026-05-31T23:59:59.999Z'), answerAfterS: 1, endAfterS: 9 },
    { campaignId: alpha, agentId: t.agent.id, startedAt: new Date('2026-06-13T00:00:00.000Z'), answerAfterS: 1, endAfterS: 9 },
  ]);
  await seedCalls(other.tenantId, [{ startedAt: day(3), answerAfterS: 1, endAfterS: 100 }]);
  const items = await allPages<CallItem>(t.supervisor, `/v1/calls?from=${FROM}&to=${TO}`, 200);
  expect(items).toHaveLength(seeds.length);
  return { t, other, alpha, beta, blast, items };
}

/** The report definitions re-derived from /v1/calls items (docs/dialer-api.md "Reports"). */
function summarise(items: CallItem[]) {
  const finished = items.filter((i) => i.status !== 'in_progress');
  const pct = (a: number, b: number) => (b === 0 ? 0 : Math.round((1000 * a) / b) / 10);
  const sum = (xs: CallItem[], f: (i: CallItem) => number) => xs.reduce((s, i) => s + f(i), 0);
  const connected = (xs: CallItem[]) => xs.filter((i) => i.status === 'completed');
  return {
    finished,
    calls: finished.length,
    by: (key: (i: CallItem) => string | null) => {
      const groups = new Map<string | null, CallItem[]>();
      for (const i of finished) groups.set(key(i), [...(groups.get(key(i)) ?? []), i]);
      return groups;
    },
    stats: (xs: CallItem[]) => ({
      calls: xs.length,
      connected: connected(xs).length,
      talkMinutes: Math.round(sum(xs, (i) => i.talk_time_seconds!) / 6) / 10,
      avgTalk: connected(xs).length === 0 ? 0 : Math.floor(sum(connected(xs), (i) => i.talk_time_seconds!) / connected(xs).length + 0.5),
      avgHandle: Math.floor(sum(xs, (i) => i.duration_seconds!) / xs.length + 0.5),
      dispositionRate: pct(xs.filter((i) => i.disposition !== null).length, xs.length),
      pct,
    }),
  };
}

describe('report numbers agree with the calls they summarise', () => {
  it('campaign_summary: a row per campaign and per broadcast, sums of the finished calls', async () => {
    const { t, alpha, beta, blast, items } = await knownCalls();
    const report = await exportReport(t.supervisor, { report_type: 'campaign_summary', format: 'json' });
    const rows = report.data as Row[];
    expect(report.rows).toBe(4);
    expect(rows.map((r) => [r.source, r.name])).toEqual([
      ['campaign', 'Alpha'],
      ['campaign', 'Beta'],
      ['broadcast', 'Blast'],
      ['none', '(no campaign)'],
    ]);
    const s = summarise(items);
    // /v1/calls items carry no broadcast_id: in this set the broadcast's legs are the calls with neither campaign nor agent.
    for (const row of rows) {
      const xs = s.finished.filter((i) => (row.source === 'campaign' ? i.campaign_id === row.campaign_id : row.source === 'broadcast' ? i.campaign_id === null && i.agent_id === null : i.campaign_id === null && i.agent_id !== null));
      const st = s.stats(xs);
      const count = (status: string) => xs.filter((i) => i.status === status).length;
      expect(row).toMatchObject({
        calls: st.calls,
        connected: st.connected,
        no_answer: count('no_answer'),
        busy: count('busy'),
        failed: count('failed'),
        voicemail: count('voicemail'),
        talk_time_minutes: st.talkMinutes,
        avg_talk_time_seconds: st.avgTalk,
      });
      expect((row.connected as number) + (row.no_answer as number) + (row.busy as number) + (row.failed as number) + (row.voicemail as number)).toBe(row.calls);
    }
    // And by hand, for Alpha: 5 calls, 3 connected (1 abandoned), talk 120 + 61 + 10 s.
    expect(rows[0]).toEqual({
      source: 'campaign', campaign_id: alpha, broadcast_id: null, name: 'Alpha',
      calls: 5, connected: 3, no_answer: 1, busy: 1, failed: 0, voicemail: 0, abandoned: 1, abandon_rate: 33.3, talk_time_minutes: 3.2, avg_talk_time_seconds: 64,
    });
    expect(rows[1]).toMatchObject({ campaign_id: beta, calls: 2, voicemail: 1, failed: 1 }); // the live call is not counted yet
    expect(rows[2]).toMatchObject({ broadcast_id: blast, campaign_id: null, calls: 3, connected: 1, voicemail: 1, no_answer: 1, talk_time_minutes: 0.8, avg_talk_time_seconds: 30 });
    expect(rows.reduce((n, r) => n + (r.calls as number), 0)).toBe(s.calls);
  });

  it('agent_performance and disposition_summary', async () => {
    const { t, items } = await knownCalls();
    const s = summarise(items);
    const agents = (await exportReport(t.supervisor, { report_type: 'agent_performance', format: 'json' })).data as Row[];
    expect(agents.map((r) => r.agent_name)).toEqual(['Layla Ahmed', 'Samir Supervisor']);
    for (const row of agents) {
      const st = s.stats(s.finished.filter((i) => i.agent_id === row.agent_id));
      expect(row).toEqual({
        agent_id: row.agent_id,
        agent_name: row.agent_name,
        calls: st.calls,
        connected: st.connected,
        talk_time_minutes: st.talkMinutes,
        avg_handle_time_seconds: st.avgHandle,
        disposition_rate: st.dispositionRate,
      });
    }
    expect(agents[0]).toMatchObject({ calls: 6, connected: 3, disposition_rate: 66.7 }); // broadcast legs have no agent

    const dispositions = (await exportReport(t.supervisor, { report_type: 'disposition_summary', format: 'json' })).data as Row[];
    const groups = s.by((i) => i.disposition);
    expect(dispositions.map((r) => r.disposition)).toEqual([null, 'sale', 'callback', 'left_message']);
    for (const row of dispositions) {
      const st = s.stats(groups.get(row.disposition as string | null)!);
      expect(row).toEqual({ disposition: row.disposition, calls: st.calls, share: st.pct(st.calls, s.calls), connected: st.connected, talk_time_minutes: st.talkMinutes, avg_talk_time_seconds: st.avgTalk });
    }
    expect(dispositions.reduce((n, r) => n + (r.calls as number), 0)).toBe(s.calls);
  });

  it('call_detail: every call of the period, oldest first, durations as /v1/calls shows them; filters narrow every report alike', async () => {
    const { t, alpha, items } = await knownCalls();
    const detail = await exportReport(t.supervisor, { report_type: 'call_detail', format: 'json' });
    const rows = detail.data as Row[];
    expect(detail.rows).toBe(items.length);
    expect(rows.map((r) => r.id)).toEqual(items.map((i) => i.id).reverse());
    for (const row of rows) {
      const item = items.find((i) => i.id === row.id)!;
      expect(row).toMatchObject({ status: item.status, duration_seconds: item.duration_seconds, talk_time_seconds: item.talk_time_seconds, campaign_id: item.campaign_id, agent_id: item.agent_id });
    }
    expect(rows[0]).toMatchObject({ campaign_name: 'Alpha', agent_name: 'Layla Ahmed', broadcast_name: null });
    expect(rows.find((r) => r.broadcast_id)).toMatchObject({ broadcast_name: 'Blast', campaign_name: null });

    const onlyAlpha = await exportReport(t.supervisor, { report_type: 'call_detail', format: 'json', campaign_id: alpha });
    expect(onlyAlpha.rows).toBe(items.filter((i) => i.campaign_id === alpha).length);
    const onlySupervisor = await exportReport(t.supervisor, { report_type: 'campaign_summary', format: 'json', agent_ids: [t.supervisor.id] });
    expect(onlySupervisor.data).toEqual([expect.objectContaining({ name: 'Alpha', calls: 2, connected: 1, busy: 1, abandoned: 1, abandon_rate: 100 })]);
    const narrow = await exportReport(t.supervisor, { report_type: 'disposition_summary', format: 'json', from: '2026-06-01T00:00:00Z', to: '2026-06-01T23:59:59Z' });
    expect(narrow.data).toEqual([expect.objectContaining({ disposition: 'sale', calls: 1, share: 100 })]);
  });
});

describe('formats', () => {
  it('agent_performance CSV is the spec’s: its exact header and row format', async () => {
    const t = await seedDialerTenant();
    // 42 calls: 28 connected with a disposition, 9,372 s of talk; 14 unanswered.
    const seeds: CallSeed[] = [];
    for (let i = 0; i < 42; i++) {
      const startedAt = new Date(Date.UTC(2026, 5, 3, 9, i));
      if (i < 27) seeds.push({ agentId: t.agent.id, startedAt, answerAfterS: 0, endAfterS: 335, disposition: 'sale' });
      else if (i === 27) seeds.push({ agentId: t.agent.id, startedAt, answerAfterS: 0, endAfterS: 327, disposition: 'callback' });
      else seeds.push({ agentId: t.agent.id, startedAt, status: 'no_answer', endAfterS: 0 });
    }
    await seedCalls(t.tenantId, seeds);
    const report = await exportReport(t.supervisor, { report_type: 'agent_performance', format: 'csv' });
    expect(report).toEqual({
      report_type: 'agent_performance',
      format: 'csv',
      rows: 1,
      data: 'Agent Name,Calls,Connected,Talk Time (min),Avg Handle Time,Disposition Rate\nLayla Ahmed,42,28,156.2,223,66.7%\n',
    });
  });

  it('escapes CSV fields (commas, quotes, line breaks, formulas) and leaves E.164 numbers alone', async () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('Ahmed, Omar')).toBe('"Ahmed, Omar"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('-1+2')).toBe("'-1+2");
    expect(csvField('+971501234567')).toBe('+971501234567');
    expect(csvField('-12.5')).toBe('-12.5');

    const t = await seedDialerTenant();
    await env.DB.prepare('UPDATE users SET full_name = ? WHERE id = ?').bind('Khalil, "Omar"', t.agent.id).run();
    await seedCalls(t.tenantId, [{ agentId: t.agent.id, startedAt: new Date('2026-06-05T10:00:00Z'), answerAfterS: 1, endAfterS: 61, disposition: '=cmd|calc\r\nnext' }]);
    const agents = await exportReport(t.supervisor, { report_type: 'agent_performance', format: 'csv' });
    expect((agents.data as string).split('\n')[1]).toBe('"Khalil, ""Omar""",1,1,1.0,61,100.0%');
    const detail = (await exportReport(t.supervisor, { report_type: 'call_detail', format: 'csv' })).data as string;
    expect(detail).toContain(`,"'=cmd|calc\r\nnext",+971501234567,`);
    expect(detail.startsWith('Call ID,Started At,Answered At,Ended At,Direction,Status,Disposition,Contact Phone,Campaign ID,Campaign,Broadcast ID,Broadcast,Agent ID,Agent Name,Duration (s),Talk Time (s),Recording ID\n')).toBe(true);
  });

  it('PDF: a real document pdf-lib reads back, a table whose header repeats on every page, with every row', async () => {
    const t = await seedDialerTenant();
    const campaign = await seedCampaign(t.tenantId, 'Paper Trail');
    const seeds: CallSeed[] = Array.from({ length: 130 }, (_, i) => ({
      campaignId: campaign,
      agentId: t.agent.id,
      contactPhone: `+9715${String(i).padStart(8, '0')}`,
      startedAt: new Date(Date.UTC(2026, 5, 4, 8, 0, i)),
      answerAfterS: 2,
      endAfterS: 40 + i,
      disposition: i % 2 ? 'sale' : 'نعم', // Arabic cannot be set in Helvetica: printed as ?
    }));
    await seedCalls(t.tenantId, seeds);
    const report = await exportReport(t.supervisor, { report_type: 'call_detail', format: 'pdf' });
    expect(report.rows).toBe(130);
    const bytes = fromBase64(report.data as string);
    expect(new TextDecoder().decode(bytes.subarray(0, 5))).toBe('%PDF-');
    const pages = await pdfPages(bytes);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const [i, shown] of pages.entries()) {
      expect(shown[0]).toBe('Call detail report');
      expect(shown).toContain('Started At (UTC)');
      expect(shown).toContain('Talk Time (s)');
      expect(shown).toContain(`Page ${i + 1}`);
    }
    const all = pages.flat();
    for (const s of seeds) expect(all, s.contactPhone).toContain(s.contactPhone);
    expect(all).toContain('???');
    expect(all.filter((x) => x === 'Paper Trail')).toHaveLength(130);

    const summary = await exportReport(t.supervisor, { report_type: 'agent_performance', format: 'pdf' });
    const [page] = await pdfPages(fromBase64(summary.data as string));
    expect(page).toEqual(expect.arrayContaining(['Agent performance report', 'Agent Name', 'Disposition Rate', 'Layla Ahmed', '130', '100.0%']));
  });

  it('an empty period is a report with no rows in every format', async () => {
    const t = await seedDialerTenant();
    for (const format of ['json', 'csv', 'pdf'] as const) {
      const r = await exportReport(t.supervisor, { report_type: 'disposition_summary', format });
      expect(r.rows).toBe(0);
      if (format === 'json') expect(r.data).toEqual([]);
      if (format === 'csv') expect(r.data).toBe('Disposition,Calls,Share,Connected,Talk Time (min),Avg Talk Time (s)\n');
      if (format === 'pdf') expect((await pdfPages(fromBase64(r.data as string)))[0]).toContain('Disposition');
    }
  });
});

describe('POST /v1/reports/export refusals', () => {
  it('400s a bad body naming the field; 422s a tenant_id', async () => {
    const t = await seedDialerTenant();
    const ok = { report_type: 'call_detail', format: 'csv', from: FROM, to: TO };
    for (const [body, pointer] of [
      [{ ...ok, report_type: 'everything' }, '/report_type'],
      [{ ...ok, format: 'xlsx' }, '/format'],
      [{ report_type: 'call_detail', format: 'csv', to: TO }, '/from'],
      [{ report_type: 'call_detail', format: 'csv', from: FROM }, '/to'],
      [{ ...ok, from: 'last week' }, '/from'],
      [{ ...ok, from: TO, to: FROM }, '/to'],
      [{ ...ok, agent_ids: [] }, '/agent_ids'],
      [{ ...ok, agent_ids: 'x' }, '/agent_ids'],
      [{ ...ok, colour: 'blue' }, ''],
    ] as const) {
      const p = await dialerProblem(await call(t.supervisor, 'POST', '/v1/reports/export', body), 400);
      if (pointer) expect(p.errors!.map((e) => e.pointer), JSON.stringify(body)).toContain(pointer);
    }
    await dialerProblem(await call(t.supervisor, 'POST', '/v1/reports/export', { ...ok, tenant_id: t.tenantId }), 422);
  });

  it('403s agents, 401s without a token, 404s another tenant’s campaign or agent', async () => {
    const t = await seedDialerTenant();
    const other = await seedDialerTenant();
    const theirCampaign = await seedCampaign(other.tenantId, 'Theirs');
    const ok = { report_type: 'campaign_summary', format: 'json', from: FROM, to: TO };
    await dialerProblem(await call(t.agent, 'POST', '/v1/reports/export', ok), 403);
    await dialerProblem(await call(null, 'POST', '/v1/reports/export', ok), 401);
    await dialerProblem(await call(t.supervisor, 'POST', '/v1/reports/export', { ...ok, campaign_id: theirCampaign }), 404);
    await dialerProblem(await call(t.supervisor, 'POST', '/v1/reports/export', { ...ok, campaign_id: uuidv7() }), 404);
    await dialerProblem(await call(t.supervisor, 'POST', '/v1/reports/export', { ...ok, agent_ids: [t.agent.id, other.agent.id] }), 404);
    expect((await call(t.admin, 'POST', '/v1/reports/export', { ...ok, agent_ids: [t.agent.id, t.agent.id] })).status).toBe(200);
    expect((await call(other.supervisor, 'POST', '/v1/reports/export', { ...ok, campaign_id: theirCampaign })).status).toBe(200);
  });
});
