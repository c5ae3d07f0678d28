/**
 * What the originate route hands an AgentCall object, and what it answers.
 * One AgentCall per originated call (its name is the call_id); the limits
 * are the timers its guards use (docs/agents-calls.md "Guards").
 */
import type { AgentTarget } from '../../media-protocol/index.ts';
import type { FloorAgent } from '../../agents/floor-agents.ts';

export interface AgentCallInit {
  callId: string;
  tenantId: string;
  agent: FloorAgent;
  /** How the node reaches the agent: their SIP user in the tenant's realm. */
  target: AgentTarget;
  campaignId: string | null;
  /** E.164 with '+'. */
  destination: string;
  /** The caller ID the customer sees, E.164 with '+'. */
  cli: string;
  /** The media node holding the agent's binding (a slot reserved there for this call). */
  node: { nodeId: string; controlUrl: string };
  /** ISO 8601: when the request was accepted (the calls row's started_at). */
  startedAt: string;
}

export type BeginResult = { ok: true } | { ok: false; error: 'agent_not_registered' | 'node_unavailable' };

export const AGENT_CALL_LIMITS = {
  /** How long the agent's phone may ring (auto-answer normally picks up at once). */
  agentRingS: 20,
  /** How long the customer's phone may ring (the broadcast API's default). */
  customerRingS: 30,
  /** The longest call; the node ends the agent leg there too. */
  maxCallS: 3600,
  /** Beyond a node-enforced timer, how long to wait for the node's word before presuming it lost. */
  graceS: 30,
  /** How long a hangup we sent may go unconfirmed. */
  hangupConfirmS: 15,
} as const;

/** An ended call's storage is kept this long for late or repeated node events, then deleted. */
export const ENDED_RETENTION_MS = 10 * 60_000;

/** What the object holds, as its snapshot answers (tests and operators). */
export interface AgentCallSnapshot {
  callId: string;
  phase: string;
  connectId: string;
  lastSeq: number;
  outcome: { status: string; cause: number; reason: string; endedBy: string; talkS: number } | null;
  pendingJobs: string[];
}
