/**
 * An AgentCall's jobs: every effect of its flow that leaves the object (a
 * node command, a calls-row write, the agent or the node slot given back,
 * the pacer's live count) is a job stored with the step that caused it and
 * run until it succeeds; a job that throws is retried by the alarm. A job
 * may answer a fact for the flow (a connect the node refused).
 */
import type { Env } from '../../env.ts';
import { releaseAgentFromCall } from '../../agents/agent-on-call.ts';
import { callAnsweredStatement, callEndedStatement } from '../../legs/call-history.ts';
import { sendLegCommand } from '../../legs/leg-command.ts';
import { liveLegsFrom, NO_LIVE_LEGS, reportLiveLegs } from '../../legs/live-report.ts';
import { releaseSlots } from '../../legs/node-slots.ts';
import { digits } from '../../legs/number-forms.ts';
import { agentCallOwner } from '../media-fleet/leg-owners.ts';
import type { AgentCallFlow, CallOutcome, FlowInput } from './call-flow.ts';
import { AGENT_CALL_LIMITS, type AgentCallInit } from './contract.ts';

/** Work that leaves the object, stored until done. */
export type Job =
  | { kind: 'send_connect' }
  | { kind: 'hangup_agent'; cause: number }
  | { kind: 'row_answered'; atMs: number }
  | { kind: 'row_ended'; outcome: CallOutcome; atMs: number }
  | { kind: 'release_agent' }
  | { kind: 'release_slot' }
  | { kind: 'report_live' };

export interface StoredAgentCall {
  init: AgentCallInit;
  flow: AgentCallFlow;
  connectId: string;
  lastSeq: number;
  phaseSinceMs: number;
  jobs: Job[];
  /** The node boot that took the agent's leg (the originate result's `boot`), when it said. */
  boot?: string | null;
}

/** One job; throws to be retried. May answer a fact for the flow (a refused connect). */
export async function runJob(env: Env, job: Job, s: StoredAgentCall): Promise<FlowInput | null> {
  const { init } = s;
  switch (job.kind) {
    case 'send_connect': {
      if (s.flow.phase !== 'dialing_customer') return null;
      const result = await sendLegCommand(env, init.node.controlUrl, {
        type: 'connect',
        command_id: `${s.connectId}:connect`,
        voice_id: init.callId,
        connect_id: s.connectId,
        from: digits(init.cli),
        to: digits(init.destination),
        ring_timeout_s: AGENT_CALL_LIMITS.customerRingS,
      });
      // unknown_leg: the agent leg is already gone; its disconnected ends the call.
      if (result === 'ok' || result === 'gone') return null;
      return { kind: 'connect_refused', atMs: Date.now() };
    }
    case 'hangup_agent': {
      const result = await sendLegCommand(env, init.node.controlUrl, { type: 'hangup', command_id: `${init.callId}:hangup`, voice_id: init.callId, cause: job.cause });
      if (result === 'unavailable' && s.flow.phase !== 'ended') throw new Error('node did not take the hangup');
      return null;
    }
    case 'row_answered':
      await callAnsweredStatement(env.DB, init.callId, new Date(job.atMs).toISOString()).run();
      return null;
    case 'row_ended': {
      // duration_seconds is the customer's connected time, as for every other call leg.
      const { status, cause, reason, talkS } = job.outcome;
      await callEndedStatement(env.DB, init.callId, { status, cause, reason, durationS: talkS, endedAt: new Date(job.atMs).toISOString() }).run();
      return null;
    }
    case 'release_agent':
      await releaseAgentFromCall(env, init.tenantId, init.agent.id, init.callId);
      return null;
    case 'release_slot':
      await releaseSlots(env, agentCallOwner(init.callId), { [init.node.nodeId]: 1 });
      return null;
    case 'report_live': {
      const live = s.flow.phase === 'ended' ? NO_LIVE_LEGS : liveLegsFrom([s.flow.customerAnsweredAtMs !== null]);
      await reportLiveLegs(env, init.tenantId, init.callId, live);
      return null;
    }
  }
}
