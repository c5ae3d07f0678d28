/**
 * What the rest of the Worker may ask of a BroadcastSession (its RPC surface's
 * argument and result types), kept apart from the class so routes and tests
 * depend on the contract, not on the object's internals.
 */
import type { PlayInput } from '../../broadcast/play-schema.ts';

/** A recipient as the client sent it: `to` verbatim, its play object as validated. */
export interface RecipientInput {
  to: string;
  play: PlayInput;
}

export interface BroadcastInit {
  broadcastId: string;
  tenantId: string;
  appId: string;
  name: string;
  ownerRef: string;
  from: string;
  amd: boolean;
  eventUrl: string;
  callHandlerUrl: string;
  /** Echoed verbatim in every event; undefined when the request had none. */
  customData: unknown;
  webhookSecret: string;
  /** Idle guard: seconds a leg may sit idle after playfinished before we hang up. */
  idleTimeoutS: number;
  maxCallDurationS: number;
  ringTimeoutS: number;
  callsPerSecond: number;
  maxConcurrentCalls: number;
  /** Numbers filtered at acceptance, echoed in broadcastcall_complete. */
  blacklisted: RecipientInput[];
  countryNotAllowed: RecipientInput[];
  acceptedAt: string;
}

/** `connecting`: a connect's destination is being dialled; `bridged`: it answered and the two talk. */
export type LegState = 'queued' | 'dialing' | 'ringing' | 'connected' | 'playing' | 'idle' | 'connecting' | 'bridged' | 'disconnected' | 'failed';

export interface BroadcastStatus {
  broadcast_id: string;
  state: 'broadcastcall_initiated' | 'in_progress' | 'broadcastcall_complete';
  name: string;
  owner_ref: string;
  from: string;
  total_legs: number;
  legs: Record<LegState, number>;
  webhooks: { pending: number; delivered: number; failed: number };
  created_at: string;
  completed_at: string | null;
  timestamp: string;
}

/** Result of a per-call command: the leg's broadcast and `to` for the response, or why not. */
export type LegCommandResult =
  | { ok: true; broadcastId: string; voiceId: string; to: string }
  /** unavailable: the leg's media node did not take the command (unreachable, failing); the call may still be up. */
  | { ok: false; error: 'not_found' | 'ended' | 'not_answered' | 'unavailable' | 'connect_in_progress' | 'bridged' };

/** PUT .../connect as validated at the edge: numbers exactly as the client sent them (E.164, '+' optional). */
export interface ConnectRequest {
  from: string;
  to: string;
}

/** A stream control on a leg: start (replacing a running stream) or stop. */
export type StreamRequest = { action: 'start'; wssHost: string } | { action: 'stop' };
