// The wallboard: reads the floor, live calls, active campaigns and today's
// figures from /v1, then keeps them current from the live feed. Agent rows
// change straight from agent.state_changed; agent.sip_registration, call.* and
// campaign.* events re-read the few endpoints they affect (nothing is polled on a timer).
import { api, bindSignIn, currentSession, el, signOut, timeOf } from './session.js';
import { openLiveFeed } from './live-feed.js';

const $ = (id) => document.getElementById(id);
const STATE_LABEL = { available: 'Available', on_call: 'On call', break: 'Break', lunch: 'Lunch', training: 'Training', offline: 'Offline' };
const board = { agents: new Map(), calls: [], counts: null, campaigns: [], dialer: new Map(), today: null };
/** What arrived over the feed, newest last (read by the browser tests). */
const received = [];
window.crierWallboard = { received, drop: () => feed?.drop() };
let feed = null;

bindSignIn($('sign-in'), $('sign-in-status'), (session) => {
  if (session.user.role === 'agent') {
    $('sign-in-status').textContent = 'The wallboard is for supervisors and admins; agents use the desk (/desk).';
    signOut();
    return;
  }
  $('sign-in-section').hidden = true;
  $('board').hidden = false;
  $('sign-out').hidden = false;
  feed = openLiveFeed({ onConnected: resync, onEvent, onStatus: showConnection });
});

$('sign-out').addEventListener('click', async () => {
  feed?.close();
  await signOut();
  location.reload();
});

function showConnection(state) {
  const text = { connecting: 'Connecting…', live: `Live · ${currentSession()?.user.full_name ?? ''}`, reconnecting: 'Connection lost, reconnecting…' }[state];
  $('connection').textContent = text;
  $('connection').dataset.state = state;
}

async function resync() {
  await Promise.all([loadAgents(), loadCalls(), loadCampaigns(), loadToday()]);
}

async function loadAgents() {
  const floor = await api('/v1/agents/state');
  board.agents = new Map(floor.agents.map((a) => [a.id, a]));
  renderAgents();
}

async function loadCalls() {
  const [page, counts] = await Promise.all([api('/v1/calls?status=in_progress&limit=100'), api('/v1/calls/active-count')]);
  board.calls = page.data ?? page.items ?? [];
  board.counts = counts;
  renderCalls();
}

async function loadCampaigns() {
  const page = await api('/v1/campaigns?status=active&limit=100');
  board.campaigns = page.data ?? page.items ?? [];
  // The live dial level exists once the campaign engine is deployed (GET …/dialer); without it the column says so.
  await Promise.all(
    board.campaigns.map(async (c) => {
      try {
        board.dialer.set(c.id, await api(`/v1/campaigns/${encodeURIComponent(c.id)}/dialer`));
      } catch {
        board.dialer.delete(c.id);
      }
    }),
  );
  renderCampaigns();
}

async function loadToday() {
  board.today = await api('/v1/calls/count-today');
  renderToday();
}

let callsReload = null;
let agentsReload = null;
function onEvent(event) {
  received.push(event);
  if (event.type === 'agent.state_changed') {
    const p = event.payload;
    const agent = board.agents.get(p.agent_id);
    if (agent) Object.assign(agent, { state: p.state, state_since: p.state_since, current_call_id: p.current_call_id });
    else loadAgents();
    renderAgents();
    logChange(`${p.full_name}: ${STATE_LABEL[p.previous_state] ?? p.previous_state} → ${STATE_LABEL[p.state] ?? p.state}`, event.occurred_at);
  } else if (event.type === 'agent.sip_registration') {
    // A softphone registered or went away (or a node's all at once): the floor says who is registered now.
    clearTimeout(agentsReload);
    agentsReload = setTimeout(loadAgents, 250);
  } else if (event.type.startsWith('call.')) {
    // A burst of call events costs one re-read.
    clearTimeout(callsReload);
    callsReload = setTimeout(() => Promise.all([loadCalls(), loadToday()]), 250);
    if (event.type === 'call.abandoned') logChange(`Call to ${event.payload.contact_phone ?? event.correlation_id} abandoned`, event.occurred_at);
  } else if (event.type.startsWith('campaign.')) {
    loadCampaigns();
    logChange(`Campaign ${event.payload.name ?? event.correlation_id}: ${event.type.slice('campaign.'.length)}`, event.occurred_at);
  }
}

function logChange(text, at) {
  const list = $('changes');
  list.prepend(el('li', {}, el('time', { datetime: at }, timeOf(at)), ' ', text));
  while (list.children.length > 20) list.lastElementChild.remove();
}

function renderAgents() {
  const agents = [...board.agents.values()].sort((a, b) => a.full_name.localeCompare(b.full_name));
  const counts = {};
  for (const a of agents) counts[a.state] = (counts[a.state] ?? 0) + 1;
  $('agent-summary').textContent = agents.length === 0 ? 'No agents yet.' : Object.entries(STATE_LABEL).filter(([s]) => counts[s]).map(([s, label]) => `${label}: ${counts[s]}`).join(' · ');
  $('agents').tBodies[0].replaceChildren(
    ...agents.map((a) =>
      el(
        'tr',
        { 'data-agent-id': a.id, 'data-state': a.state },
        el('th', { scope: 'row' }, a.full_name),
        el('td', {}, el('span', { class: `state state-${a.state}` }, STATE_LABEL[a.state] ?? a.state)),
        el('td', {}, el('time', { datetime: a.state_since }, timeOf(a.state_since))),
        el('td', {}, a.sip_registered ? 'Registered' : 'Not registered'),
        el('td', {}, a.current_call_id ?? '—'),
        el('td', { class: 'num' }, a.calls_today ?? 0),
      ),
    ),
  );
}

function renderCalls() {
  const c = board.counts;
  $('call-summary').textContent = c ? `${c.active_calls} live · ${c.ringing} ringing · ${c.connected} connected` : '';
  const names = new Map([...board.agents.values()].map((a) => [a.id, a.full_name]));
  const campaigns = new Map(board.campaigns.map((x) => [x.id, x.name]));
  $('calls').tBodies[0].replaceChildren(
    ...(board.calls.length === 0
      ? [el('tr', {}, el('td', { colspan: 5 }, 'No calls in progress.'))]
      : board.calls.map((call) =>
          el(
            'tr',
            { 'data-call-id': call.id },
            el('th', { scope: 'row' }, call.contact_phone),
            el('td', {}, call.answered_at ? 'Connected' : 'Ringing'),
            el('td', {}, call.agent_id ? (names.get(call.agent_id) ?? call.agent_id) : '—'),
            el('td', {}, call.campaign_id ? (campaigns.get(call.campaign_id) ?? call.campaign_id) : '—'),
            el('td', {}, el('time', { datetime: call.started_at }, timeOf(call.started_at))),
          ),
        )),
  );
}

const pct = (n) => (n === null || n === undefined ? '—' : `${Number(n).toFixed(1)}%`);

function renderCampaigns() {
  $('campaigns').tBodies[0].replaceChildren(
    ...(board.campaigns.length === 0
      ? [el('tr', {}, el('td', { colspan: 6 }, 'No active campaigns.'))]
      : board.campaigns.map((c) => {
          const live = board.dialer.get(c.id);
          const done = c.total_contacts > 0 ? Math.round((100 * c.contacted) / c.total_contacts) : 0;
          return el(
            'tr',
            { 'data-campaign-id': c.id },
            el('th', { scope: 'row' }, c.name),
            el('td', {}, c.dialing_mode),
            el('td', {}, el('progress', { max: 100, value: done, 'aria-label': `${c.name} progress` }), ` ${c.contacted} / ${c.total_contacts}`),
            el('td', { class: 'num' }, c.connected),
            el('td', { class: 'num' }, live ? `${Number(live.dial_level).toFixed(2)}` : '—'),
            // The list's abandon_rate is a percentage; the dialer view's are fractions.
            el('td', { class: 'num' }, live?.abandon_rate?.last_30_days != null ? pct(100 * live.abandon_rate.last_30_days) : pct(c.abandon_rate)),
          );
        })),
  );
}

function renderToday() {
  const t = board.today;
  const rows = [
    ['Calls', t.total_calls],
    ['Connected', t.connected],
    ['No answer', t.no_answer],
    ['Busy', t.busy],
    ['Voicemail', t.voicemail],
    ['Failed', t.failed],
    ['Average talk', `${t.avg_talk_time_seconds} s`],
    ['Abandon rate', pct(t.abandon_rate)],
  ];
  $('today').replaceChildren(...rows.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, v))));
  $('today-title').textContent = `Today (${t.date})`;
}
