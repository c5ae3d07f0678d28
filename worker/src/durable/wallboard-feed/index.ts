/**
 * WallboardFeed: one Durable Object per tenant pushing the tenant's live
 * events (agent.state_changed, call.*, campaign.*) to the wallboards and
 * agent desks that have a WebSocket open. Hibernatable sockets, so an idle
 * floor costs nothing between events. It keeps no history: a page re-reads
 * the REST endpoints whenever it (re)connects, then applies what arrives.
 *
 * Supervisors and admins get every event; an agent only those about
 * themselves (their state, their calls). A socket is closed (4001) at the
 * first event after its access token expired, so the page signs in again.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env.ts';
import type { Role } from '../../auth/tokens.ts';

/** What a page receives: the webhook envelope's fields, minus delivery details. */
export interface FeedEvent {
  type: string;
  occurred_at: string;
  correlation_id: string;
  payload: Record<string, unknown>;
}

export interface FeedViewer {
  userId: string;
  role: Role;
  /** When the access token the socket was opened with expires (ms since epoch). */
  expiresAtMs: number;
}

export const TOKEN_EXPIRED_CLOSE = 4001;

export class WallboardFeed extends DurableObject<Env> {
  /** Accepts a socket the Worker already authenticated; the viewer rides on it across hibernation. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
    const viewer = JSON.parse(request.headers.get('x-crier-feed-viewer') ?? 'null') as FeedViewer | null;
    if (!viewer) return new Response('no viewer', { status: 400 });
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    pair[1].serializeAttachment(viewer);
    pair[1].send(JSON.stringify({ type: 'feed.ready', occurred_at: new Date().toISOString() }));
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /** Sends the events to every open socket allowed to see them. */
  publish(events: readonly FeedEvent[]): number {
    const nowMs = Date.now();
    let sent = 0;
    for (const ws of this.ctx.getWebSockets()) {
      const viewer = ws.deserializeAttachment() as FeedViewer;
      if (viewer.expiresAtMs <= nowMs) {
        ws.close(TOKEN_EXPIRED_CLOSE, 'access token expired');
        continue;
      }
      for (const event of events) {
        if (!visibleTo(viewer, event)) continue;
        ws.send(JSON.stringify(event));
        sent++;
      }
    }
    return sent;
  }

  /** Pages send "ping" to learn the socket is still alive through proxies; nothing else is read. */
  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    if (message === 'ping') ws.send(JSON.stringify({ type: 'feed.pong', occurred_at: new Date().toISOString() }));
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    // The runtime may already have answered the close (web_socket_auto_reply_to_close); 1005/1006 cannot be sent back.
    if (ws.readyState === WebSocket.OPEN) ws.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason);
  }
}

/** Agents see only events about themselves; everyone above sees the floor. */
export function visibleTo(viewer: FeedViewer, event: FeedEvent): boolean {
  if (viewer.role !== 'agent') return true;
  return event.payload['agent_id'] === viewer.userId;
}

