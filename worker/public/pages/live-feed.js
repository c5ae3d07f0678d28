// The live event feed (GET /v1/wallboard/feed, a WebSocket): reconnects with
// back-off, and calls onConnected() on every (re)connect so the page re-reads
// the REST endpoints before applying events (the feed replays nothing).
import { currentSession, refresh } from './session.js';

export function openLiveFeed({ onConnected, onEvent, onStatus }) {
  let socket = null;
  let attempt = 0;
  let stopped = false;
  let pinger = null;
  let lastCode = 0;

  const connect = async () => {
    // 4001 (token expired) or repeated failures (a refused upgrade): get a fresh token first.
    if (attempt >= 2 || lastCode === 4001) await refresh();
    const s = currentSession();
    if (!s || stopped) return;
    const url = new URL('/v1/wallboard/feed', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('access_token', s.accessToken);
    onStatus('connecting');
    socket = new WebSocket(url);
    socket.addEventListener('message', (m) => {
      const event = JSON.parse(m.data);
      if (event.type === 'feed.ready') {
        attempt = 0;
        onStatus('live');
        onConnected();
        return;
      }
      if (event.type === 'feed.pong') return;
      onEvent(event);
    });
    socket.addEventListener('close', (e) => {
      lastCode = e.code;
      clearInterval(pinger);
      if (stopped) return;
      onStatus('reconnecting');
      attempt++;
      setTimeout(connect, Math.min(15000, 500 * 2 ** Math.min(attempt - 1, 5)));
    });
    pinger = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send('ping'), 25000);
  };
  connect();
  return {
    close() {
      stopped = true;
      clearInterval(pinger);
      socket?.close(1000, 'signed out');
    },
    /** Test hook and "reconnect now" button: drop the socket; the feed reconnects and re-syncs. */
    drop() {
      socket?.close(4000, 'dropped by page');
    },
  };
}
