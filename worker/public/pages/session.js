// Sign-in for the desk and the wallboard: POST /v1/auth/login, tokens kept in
// sessionStorage (this tab only), every API call with the bearer token, one
// refresh (POST /v1/auth/refresh) on a 401 before signing out.
const KEY = 'crier.session';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function currentSession() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || 'null');
  } catch {
    return null;
  }
}

export async function signIn(email, password) {
  const res = await fetch('/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  const session = { accessToken: body.access_token, refreshToken: body.refresh_token, user: body.user };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export async function signOut() {
  const s = currentSession();
  sessionStorage.removeItem(KEY);
  if (s) await fetch('/v1/auth/logout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: s.refreshToken }) }).catch(() => {});
}

/** A new access token from the refresh token; false when the session cannot be refreshed. */
export async function refresh() {
  const s = currentSession();
  if (!s) return false;
  const res = await fetch('/v1/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: s.refreshToken }) });
  if (!res.ok) return false;
  const body = await res.json();
  sessionStorage.setItem(KEY, JSON.stringify({ ...s, accessToken: body.access_token }));
  return true;
}

/** JSON API call; answers the parsed body (null for 204), throws ApiError otherwise. */
export async function api(path, { method = 'GET', body } = {}, retried = false) {
  const s = currentSession();
  if (!s) throw new ApiError(401, { detail: 'Not signed in.' });
  const headers = { authorization: `Bearer ${s.accessToken}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401 && !retried && (await refresh())) return api(path, { method, body }, true);
  if (res.status === 204) return null;
  const parsed = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, parsed);
  return parsed;
}

/** Wires a sign-in form; `onSignedIn(session)` runs after a sign-in and at once when already signed in. */
export function bindSignIn(form, status, onSignedIn) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    status.textContent = 'Signing in…';
    try {
      const session = await signIn(String(data.get('email')), String(data.get('password')));
      status.textContent = '';
      form.reset();
      onSignedIn(session);
    } catch (err) {
      status.textContent = `Sign-in failed: ${err.message}`;
    }
  });
  const existing = currentSession();
  if (existing) onSignedIn(existing);
}

// Children nest as deep as callers build them (a list of [dt, dd] pairs is two levels): flatten them all.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

export function timeOf(iso) {
  return iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '—';
}
