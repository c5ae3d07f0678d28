// The agent desk: own state (POST /v1/agents/me/state), the current call and
// its contact (GET /v1/agents/me), preview accept/skip when the campaign
// engine's routes exist, dispositions (GET /v1/dispositions, PUT
// /v1/calls/{id}/disposition) and the browser softphone (softphone.js).
// The live feed brings the agent's own events; every (re)connect re-reads.
import { ApiError, api, bindSignIn, el, signOut, timeOf } from './session.js';
import { openLiveFeed } from './live-feed.js';
import { startSoftphone } from './softphone.js';

const $ = (id) => document.getElementById(id);
const SETTABLE = [['available', 'Available'], ['break', 'Break'], ['lunch', 'Lunch'], ['training', 'Training'], ['offline', 'Offline']];
const LABEL = Object.fromEntries([...SETTABLE, ['on_call', 'On call']]);
const desk = { me: null, recentCalls: [], phone: null, incoming: null, previewCampaign: null, offer: null };
const received = [];
window.crierDesk = { received, drop: () => feed?.drop() };
let feed = null;

bindSignIn($('sign-in'), $('sign-in-status'), (session) => {
  if (session.user.role !== 'agent') {
    $('sign-in-status').textContent = 'The desk is for agents; supervisors use the wallboard (/wallboard).';
    signOut();
    return;
  }
  $('sign-in-section').hidden = true;
  $('desk').hidden = false;
  $('sign-out').hidden = false;
  renderStateButtons();
  loadDispositions();
  setUpSoftphone();
  feed = openLiveFeed({ onConnected: resync, onEvent, onStatus: showConnection });
});

$('sign-out').addEventListener('click', async () => {
  feed?.close();
  await desk.phone?.stop();
  await signOut();
  location.reload();
});

function showConnection(state) {
  $('connection').textContent = { connecting: 'Connecting…', live: `Live · ${desk.me?.full_name ?? ''}`.trim(), reconnecting: 'Connection lost, reconnecting…' }[state];
  $('connection').dataset.state = state;
}

async function resync() {
  await Promise.all([loadMe(), loadRecentCalls(), findPreviewCampaign()]);
  showConnection('live');
}

async function loadMe() {
  desk.me = await api('/v1/agents/me');
  renderState();
  renderCall();
}

async function loadRecentCalls() {
  const page = await api('/v1/calls?limit=10');
  desk.recentCalls = page.items ?? [];
  renderCallChoices();
}

function onEvent(event) {
  received.push(event);
  if (event.type === 'agent.state_changed') {
    // The payload has no contact: re-read the desk when the call changed.
    const callChanged = event.payload.current_call_id !== desk.me?.current_call?.id;
    Object.assign(desk.me, { state: event.payload.state, state_since: event.payload.state_since, reason: event.payload.reason });
    renderState();
    if (callChanged) Promise.all([loadMe(), loadRecentCalls()]);
  } else if (event.type.startsWith('call.')) {
    Promise.all([loadMe(), loadRecentCalls()]);
  }
}

function renderStateButtons() {
  $('state-buttons').replaceChildren(
    ...SETTABLE.map(([state, label]) => el('button', { type: 'button', class: 'secondary', 'data-state': state, 'aria-pressed': 'false', onclick: () => changeState(state) }, label)),
  );
}

async function changeState(state) {
  $('state-error').textContent = '';
  try {
    const r = await api('/v1/agents/me/state', { method: 'POST', body: { state } });
    Object.assign(desk.me, { state: r.state, state_since: r.state_since, reason: r.reason });
    renderState();
  } catch (err) {
    $('state-error').textContent = `Could not change state: ${err.message}`;
  }
}

function renderState() {
  const me = desk.me;
  $('my-state').replaceChildren(el('span', { class: `state state-${me.state}`, 'data-state': me.state }, LABEL[me.state] ?? me.state), ` since ${timeOf(me.state_since)}`, me.reason ? ` (${me.reason})` : '');
  for (const b of $('state-buttons').children) {
    const on = b.dataset.state === me.state;
    b.setAttribute('aria-pressed', String(on));
    b.className = on ? '' : 'secondary';
    b.disabled = me.state === 'on_call';
  }
}

function renderCall() {
  const call = desk.me.current_call;
  $('hang-up').hidden = !(call && desk.incoming);
  if (!call) {
    $('call').replaceChildren(el('p', { class: 'note' }, 'No call.'));
    return;
  }
  const contact = call.contact;
  const name = contact ? [contact.first_name, contact.last_name].filter(Boolean).join(' ') : '';
  const fields = contact ? Object.entries(contact.custom_fields) : [];
  $('call').replaceChildren(
    el('p', {}, el('strong', {}, name || call.contact_phone), name ? ` · ${call.contact_phone}` : '', ` · ${call.answered_at ? 'connected' : 'ringing'} since ${timeOf(call.answered_at ?? call.started_at)}`),
    // replaceChildren writes a null child as the text "null": leave it out instead.
    ...(fields.length ? [el('dl', { class: 'fields' }, fields.map(([k, v]) => [el('dt', {}, k), el('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))]))] : []),
  );
  // The call just taken is the one to disposition.
  renderCallChoices(call.id);
}

function renderCallChoices(preferred) {
  const select = $('dispo-call');
  const chosen = preferred ?? select.value;
  const calls = [...desk.recentCalls];
  const current = desk.me?.current_call;
  if (current && !calls.some((c) => c.id === current.id)) calls.unshift({ id: current.id, contact_phone: current.contact_phone, started_at: current.started_at, disposition: null });
  select.replaceChildren(
    ...(calls.length === 0
      ? [el('option', { value: '' }, 'No calls yet')]
      : calls.map((c) => el('option', { value: c.id, selected: c.id === chosen }, `${c.contact_phone} · ${timeOf(c.started_at)}${c.disposition ? ` · ${c.disposition}` : ''}`))),
  );
}

async function loadDispositions() {
  const list = await api('/v1/dispositions');
  $('dispo-code').replaceChildren(...list.dispositions.map((d) => el('option', { value: d.code }, d.label)));
}

$('disposition').addEventListener('submit', async (e) => {
  e.preventDefault();
  const data = new FormData(e.target);
  const callId = String(data.get('call_id') ?? '');
  if (!callId) return;
  $('dispo-status').textContent = 'Saving…';
  try {
    const notes = String(data.get('notes') ?? '').trim();
    const r = await api(`/v1/calls/${encodeURIComponent(callId)}/disposition`, { method: 'PUT', body: { disposition: String(data.get('disposition')), ...(notes ? { notes } : {}) } });
    $('dispo-status').textContent = `Saved: ${r.disposition}${r.dnc_added ? ' (number added to do-not-call)' : ''}.`;
    e.target.elements.notes.value = '';
    await loadRecentCalls();
  } catch (err) {
    $('dispo-status').textContent = `Not saved: ${err.message}`;
  }
});

// Preview mode: the routes come with the campaign engine; without them (404 "No such route") the section says so.
// Every look goes over the active preview campaigns again, so one started (or paused) after the desk was
// opened is found without a reload; the first campaign with a contact waiting wins (asking for an offer
// holds that contact for this agent, so the search stops there).
async function findPreviewCampaign() {
  try {
    const page = await api('/v1/campaigns?status=active&dialing_mode=preview&limit=20');
    let empty = null;
    for (const c of page.items ?? []) {
      try {
        const r = await api(`/v1/campaigns/${encodeURIComponent(c.id)}/preview/next`);
        if (!r.offer) {
          empty ??= c;
          continue;
        }
        desk.previewCampaign = c;
        showOffer(r.offer);
        return;
      } catch (err) {
        if (err instanceof ApiError && err.status === 404 && err.problem?.detail === 'No such route.') return previewUnavailable();
      }
    }
    desk.previewCampaign = empty;
    showOffer(null);
    if (!empty) $('preview-status').textContent = 'No active preview campaign assigned to you.';
  } catch (err) {
    $('preview-status').textContent = `Preview: ${err.message}`;
  }
}

function previewUnavailable() {
  $('preview-status').textContent = 'Preview dialing is not available on this server.';
  for (const id of ['preview-next', 'preview-accept', 'preview-skip']) $(id).hidden = true;
}

function showOffer(offer) {
  desk.offer = offer;
  $('preview-accept').hidden = !offer;
  $('preview-skip').hidden = !offer;
  $('preview-next').disabled = false;
  if (!offer) {
    $('preview-status').textContent = desk.previewCampaign ? `${desk.previewCampaign.name}: no contact waiting.` : '';
    $('preview-offer').replaceChildren();
    return;
  }
  $('preview-status').textContent = `${desk.previewCampaign.name}: contact offered.`;
  const name = [offer.first_name, offer.last_name].filter(Boolean).join(' ') || offer.phone;
  $('preview-offer').replaceChildren(
    el('p', {}, el('strong', {}, name), ` · ${offer.phone} · attempts ${offer.attempts}`),
    el('dl', { class: 'fields' }, Object.entries(offer.custom_fields ?? {}).map(([k, v]) => [el('dt', {}, k), el('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))])),
  );
}

async function previewDecision(kind) {
  const c = desk.previewCampaign;
  const offer = desk.offer;
  if (!c || !offer) return;
  try {
    await api(`/v1/campaigns/${encodeURIComponent(c.id)}/preview/${encodeURIComponent(offer.contact_id)}/${kind}`, { method: 'POST' });
    showOffer(null);
    $('preview-status').textContent = kind === 'accept' ? 'Dialing…' : 'Skipped.';
  } catch (err) {
    $('preview-status').textContent = `${kind === 'accept' ? 'Accept' : 'Skip'} failed: ${err.message}`;
  }
}

$('preview-next').addEventListener('click', () => findPreviewCampaign());
$('preview-accept').addEventListener('click', () => previewDecision('accept'));
$('preview-skip').addEventListener('click', () => previewDecision('skip'));

// Softphone: only when the deployment names a SIP-over-WebSocket endpoint.
async function setUpSoftphone() {
  const config = await fetch('/desk/config.json').then((r) => r.json());
  if (!config.softphone_wss_url) {
    $('phone-status').textContent = 'Softphone not configured: this server has no SIP-over-WebSocket endpoint (SOFTPHONE_WSS_URL). Use a desk phone registered with your SIP credentials.';
    $('phone-status').dataset.state = 'not-configured';
    return;
  }
  let creds;
  try {
    creds = await api(`/v1/agents/${encodeURIComponent(desk.me?.agent_id ?? (await api('/v1/agents/me')).agent_id)}/sip-credentials`);
  } catch (err) {
    $('phone-status').textContent = `No SIP credentials: ${err.message} Ask a supervisor to set them.`;
    return;
  }
  $('sip-user').textContent = `${creds.aor}`;
  $('phone-status').textContent = 'Not registered.';
  $('phone-register').hidden = false;
  $('phone-register').addEventListener('submit', async (e) => {
    e.preventDefault();
    const password = String(new FormData(e.target).get('sip_password'));
    $('phone-status').textContent = 'Registering…';
    try {
      desk.phone = await startSoftphone({
        wssUrl: config.softphone_wss_url,
        sipUser: creds.sip_user,
        realm: creds.domain,
        password,
        audio: $('remote-audio'),
        onStatus: (s) => {
          $('phone-status').textContent = s === 'registered' ? 'Registered: ready for calls.' : `Softphone ${s}.`;
          $('phone-status').dataset.state = s;
        },
        onIncoming: (call) => {
          desk.incoming = call;
          $('phone-status').textContent = `Incoming call from ${call.from}`;
          $('incoming').hidden = false;
          renderCall();
        },
        onEstablished: () => {
          $('phone-status').textContent = `On a call with ${desk.incoming?.from ?? 'the caller'}.`;
        },
        onEnded: () => {
          desk.incoming = null;
          $('incoming').hidden = true;
          $('phone-status').textContent = 'Registered: ready for calls.';
          renderCall();
        },
      });
      e.target.hidden = true;
    } catch (err) {
      $('phone-status').textContent = `Registration failed: ${err.message}`;
    }
  });
}
$('answer').addEventListener('click', () => {
  desk.incoming?.answer();
  $('incoming').hidden = true;
  // 'On a call' once the call is up (onEstablished); until then it is being answered.
  $('phone-status').textContent = `Answering ${desk.incoming?.from ?? 'the caller'}…`;
  $('hang-up').hidden = false;
});
$('decline').addEventListener('click', () => desk.incoming?.decline());
$('hang-up').addEventListener('click', () => desk.incoming?.hangUp());
