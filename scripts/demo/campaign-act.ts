/**
 * The demo's second act: a predictive campaign of 300 contacts against the
 * simulated carrier, three baresip agents registered with digest, shown live
 * (dial level, agents, calls, contacts by status, abandon rate) and closed
 * with the campaign's summary. Passes only if every contact reached a final
 * status and campaign.completed arrived exactly once at the demo's signed
 * webhook receiver. Everything it starts or subscribes is handed to `defer`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO } from '../seed-local.ts';
import { dialerSession, until, type DialerSession } from '../../test/e2e/dialer-session.ts';
import { startDialerHooks } from '../../test/e2e/dialer-hooks.ts';
import { AGENTS, CAMPAIGN, CAMPAIGN_CONTACTS, DIALER_SETTINGS, demoContacts, lineMix, settingsLine } from './campaign-plan.ts';
import { campaignVerdict, statusBlock, statusLine, summaryLines, type DialerView, type LiveFigures } from './campaign-view.ts';
import { agentsOffline, startDemoAgents, type DemoAgent } from './demo-agents.ts';
import type { ActContext } from './act-context.ts';

/** Subscriptions this demo made are recognised by it, and removed at the start of the next run if one was left. */
const HOOK_DESCRIPTION = 'crier demo campaign act (npm run demo)';
const NAME_PREFIX = 'Crier demo campaign';
/** No contact changed and nothing was dialled for this long: the campaign is stuck. */
const STALL_MS = 90_000;
const DEADLINE_MS = 8 * 60_000;
const LOG_EVERY_MS = 5_000;

type Contact = { phone: string; status: string; attempts: number };

export async function runCampaignAct(ctx: ActContext): Promise<boolean> {
  const log = (line: string) => console.log(`[${ctx.elapsed()}] ${line}`);
  const s = await dialerSession(ctx.api);
  await removeLeftovers(s, log);

  const scratch = mkdtempSync(join(tmpdir(), 'crier-demo-agents-'));
  ctx.defer(async () => rmSync(scratch, { recursive: true, force: true }));
  log(`registering ${AGENTS.length} agents' softphones (baresip, digest) with the media node…`);
  const agents = await startDemoAgents(s, { mediaSipPort: ctx.mediaSipPort, scratch, defer: ctx.defer }).catch((err: Error) => {
    throw new Error(`${err.message}\n(a stack started by \`npm run stack\` needs REGISTER_DIGEST_ALGORITHMS=MD5 for baresip 1.x: docs/agents-sip.md)`);
  });
  ctx.defer(() => agentsOffline(s, agents));
  await until(async () => (await s.api('supervisor', 'GET', '/v1/agents/sip-registered')).body.total_registered >= agents.length, 'the agents registered in the API', 15_000);
  log(`agents ready: ${agents.map((a) => `${a.name} (${a.sipUser})`).join(', ')}`);

  const hooks = await startDialerHooks();
  ctx.defer(() => hooks.close());
  const sub = await s.api('admin', 'POST', '/v1/webhooks', {
    url: hooks.url,
    event_types: ['call.initiated', 'call.answered', 'call.abandoned', 'call.completed', 'campaign.completed'],
    description: HOOK_DESCRIPTION,
  });
  if (sub.status !== 201) throw new Error(`webhook subscription: ${sub.status} ${JSON.stringify(sub.body)}`);
  hooks.secret = sub.body.secret as string;
  ctx.defer(async () => void (await s.api('admin', 'DELETE', `/v1/webhooks/${sub.body.id}`)));

  const contacts = demoContacts();
  const id = await createCampaign(s, contacts, agents);
  log(`campaign ${id}: ${CAMPAIGN_CONTACTS} contacts — ${lineMix(contacts).map((m) => `${m.contacts} ${m.line}`).join(', ')}`);
  log(`settings: ${settingsLine()}`);
  const started = await s.api('supervisor', 'POST', `/v1/campaigns/${id}/start`);
  if (started.status !== 200) throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
  // A stopped demo must not leave a campaign dialing the next stack's agents.
  ctx.defer(async () => void (await s.api('supervisor', 'POST', `/v1/campaigns/${id}/pause`).catch(() => undefined)));

  const ofCampaign = (type: string) => hooks.events.filter((e) => e.event_type === type && e.payload?.campaign_id === id);
  const t0 = Date.now();
  let figures: LiveFigures = { elapsedS: 0, dialer: null, agents: [], contacts: {}, initiated: 0, answered: 0, abandoned: 0 };
  let listed: Contact[] = [];
  let drawn = 0;
  let lastLog = 0;
  let lastPhase = '';
  let progressKey = '';
  let progressAt = Date.now();
  const draw = () => {
    const width = Math.max(40, (process.stdout.columns || Number(process.env.COLUMNS) || 120) - 1);
    const lines = statusBlock(figures).map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
    process.stdout.write(`${drawn > 0 ? `\x1b[${drawn}A\x1b[J` : ''}${lines.join('\n')}\n`);
    drawn = lines.length;
  };

  let status = 'active';
  let pollFailures = 0;
  while (status !== 'completed') {
    if (Date.now() - t0 > DEADLINE_MS) return fail(`the campaign did not complete within ${DEADLINE_MS / 60_000} minutes`);
    if (Date.now() - progressAt > STALL_MS) return fail(`the campaign made no progress for ${STALL_MS / 1000} s`);
    let view: Awaited<ReturnType<DialerSession['api']>>;
    let floor: typeof view;
    try {
      [view, floor] = await Promise.all([s.api('supervisor', 'GET', `/v1/campaigns/${id}/dialer`), s.api('supervisor', 'GET', `/v1/campaigns/${id}/agents`)]);
      listed = await listContacts(s, id);
      pollFailures = 0;
    } catch (err) {
      // One slow or refused poll is not the campaign failing: the stall and deadline checks judge that.
      if (++pollFailures >= 10) return fail(`the API failed ${pollFailures} polls in a row: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    status = view.status === 200 ? (view.body.status as string) : status;
    const states = new Map(((floor.body?.agents ?? []) as Array<{ agent_id: string; state: string }>).map((a) => [a.agent_id, a.state]));
    figures = {
      elapsedS: (Date.now() - t0) / 1000,
      dialer: view.status === 200 ? (view.body as DialerView) : figures.dialer,
      agents: agents.map((a) => ({ name: a.name, state: states.get(a.id) ?? '?', talking: a.talking, calls: a.calls })),
      contacts: countBy(listed),
      initiated: ofCampaign('call.initiated').length,
      answered: ofCampaign('call.answered').length,
      abandoned: ofCampaign('call.abandoned').length,
    };
    const key = `${JSON.stringify(figures.contacts)}|${listed.reduce((n, c) => n + c.attempts, 0)}`;
    if (key !== progressKey) {
      progressKey = key;
      progressAt = Date.now();
    }
    const phase = figures.dialer?.reason.split(':')[0] ?? '';
    const phaseChanged = phase !== lastPhase && lastPhase !== '';
    if (ctx.tty) {
      if (phaseChanged) {
        // A phase change scrolls up as a line of its own above the live block.
        process.stdout.write(drawn > 0 ? `\x1b[${drawn}A\x1b[J` : '');
        drawn = 0;
        log(`dialer: ${lastPhase} → ${phase} after ${figures.answered} live answers (${figures.dialer?.reason})`);
      }
      draw();
    } else {
      if (phaseChanged) log(`dialer: ${lastPhase} → ${phase} after ${figures.answered} live answers`);
      if (phaseChanged || Date.now() - lastLog >= LOG_EVERY_MS || status === 'completed') {
        lastLog = Date.now();
        log(statusLine(figures));
      }
    }
    lastPhase = phase;
    if (status !== 'completed') await new Promise((r) => setTimeout(r, 1000));
  }

  log('campaign status completed; waiting for campaign.completed…');
  await until(() => ofCampaign('campaign.completed').length > 0, 'campaign.completed', 60_000).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 3000)); // a duplicate campaign.completed would arrive now
  listed = await listContacts(s, id);
  const completedEvents = ofCampaign('campaign.completed');
  console.log('');
  for (const line of summaryLines({
    completed: completedEvents[0]?.payload,
    contacts: listed,
    callOutcomes: ofCampaign('call.completed').map((e) => String(e.payload.outcome ?? e.payload.status)),
    agents,
    elapsedS: (Date.now() - t0) / 1000,
  }))
    console.log(line);
  console.log(`  webhooks      ${hooks.events.length} unique dialer events, ${hooks.badSignatures} bad signatures; campaign.completed ${completedEvents.length}×`);
  const verdict = campaignVerdict({ expectedContacts: CAMPAIGN_CONTACTS, contacts: listed, completedEvents, badSignatures: hooks.badSignatures });
  for (const p of verdict.problems) console.log(`  PROBLEM: ${p}`);
  return verdict.ok;

  async function fail(why: string): Promise<false> {
    if (ctx.tty) console.log('');
    log(`Campaign act FAILED: ${why}.`);
    console.log(statusLine(figures));
    console.log(`  dialer: ${JSON.stringify((await s.api('supervisor', 'GET', `/v1/campaigns/${id}/dialer`)).body)}`);
    const open = listed.filter((c) => !['completed', 'failed', 'dnc'].includes(c.status)).slice(0, 10);
    console.log(`  contacts not final (first 10): ${open.map((c) => `${c.phone} ${c.status} ×${c.attempts}`).join(', ')}`);
    return false;
  }
}

async function createCampaign(s: DialerSession, contacts: ReturnType<typeof demoContacts>, agents: readonly DemoAgent[]): Promise<string> {
  const stamp = new Date().toISOString().slice(0, 19).replace('T', ' ');
  const created = await s.api('supervisor', 'POST', '/v1/campaigns', { name: `${NAME_PREFIX} ${stamp}`, cli_group_id: DEMO.cliGroupId, ...CAMPAIGN });
  if (created.status !== 201) throw new Error(`create campaign: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.id as string;
  const steps: Array<[string, string, unknown]> = [
    ['PUT', `/v1/campaigns/${id}/dialer-settings`, DIALER_SETTINGS],
    ['POST', `/v1/campaigns/${id}/contacts`, { contacts }],
    ['PUT', `/v1/campaigns/${id}/agents`, { agent_ids: agents.map((a) => a.id) }],
  ];
  for (const [method, path, body] of steps) {
    const r = await s.api('supervisor', method, path, body);
    if (r.status !== 200 && r.status !== 201) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return id;
}

/** Every contact of the campaign (pages of 200). */
async function listContacts(s: DialerSession, id: string): Promise<Contact[]> {
  const all: Contact[] = [];
  let cursor: string | null = null;
  do {
    const page = await s.api('supervisor', 'GET', `/v1/campaigns/${id}/contacts?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (page.status !== 200) throw new Error(`contacts of ${id}: ${page.status} ${JSON.stringify(page.body)}`);
    all.push(...(page.body.items as Contact[]));
    cursor = page.body.next_cursor as string | null;
  } while (cursor);
  return all;
}

function countBy(contacts: readonly Contact[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of contacts) out[c.status] = (out[c.status] ?? 0) + 1;
  return out;
}

/**
 * What an interrupted earlier run may have left on a stack that kept its
 * state: its webhook subscription (to a receiver long gone) and an active
 * demo campaign (which would dial this run's agents).
 */
async function removeLeftovers(s: DialerSession, log: (line: string) => void): Promise<void> {
  const subs = await s.api('admin', 'GET', '/v1/webhooks?limit=100');
  for (const w of (subs.body?.items ?? []) as Array<{ id: string; description: string | null }>) {
    if (w.description === HOOK_DESCRIPTION) await s.api('admin', 'DELETE', `/v1/webhooks/${w.id}`);
  }
  const active = await s.api('supervisor', 'GET', '/v1/campaigns?status=active&limit=100');
  for (const c of (active.body?.items ?? []) as Array<{ id: string; name: string }>) {
    if (!c.name.startsWith(NAME_PREFIX)) continue;
    await s.api('supervisor', 'POST', `/v1/campaigns/${c.id}/pause`);
    log(`paused ${c.name} (${c.id}), left active by an interrupted run`);
  }
}
