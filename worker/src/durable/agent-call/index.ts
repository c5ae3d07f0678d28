/**
 * AgentCall: one Durable Object per manual originate (named by its call_id),
 * the owner (`agent_call`) of the call's one media-node leg — the agent's —
 * from which the customer is dialled with a `connect`. It applies the node's
 * events in seq order to the pure flow (call-flow.ts), and carries out what
 * the flow asks: node commands, the calls row, call.* events, the agent back
 * on the floor, the node slot back, the tenant's live-call count.
 *
 * Every effect that leaves the object is a job (call-jobs.ts) stored with
 * the step that caused it and retried by the alarm until it succeeds, so a D1 or node
 * hiccup never leaves an agent on_call or a call in progress forever; the
 * call.* events are queued in the same step (StoredEventQueue). The parts
 * every leg owner shares (event order, node commands, the node-loss rule,
 * history writes, slots, the pacer report) come from worker/src/legs/.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env.ts';
import type { EventResult, LegOwner, MediaEvent } from '../../media-protocol/index.ts';
import { sendNodeCommands } from '../../media-dispatch/node-client.ts';
import { applyInOrder } from '../../legs/event-order.ts';
import { deleteCallRow, insertCallRows } from '../../legs/call-history.ts';
import { endsWithNode } from '../../legs/node-loss.ts';
import { digits } from '../../legs/number-forms.ts';
import { StoredEventQueue } from '../../dialer-events/stored-event-queue.ts';
import { callAnswered, callCompleted, callInitiated, type CallIdentity } from '../../dialer-events/call-payloads.ts';
import { phaseDeadline, startFlow, stepFlow, type FlowEffect, type FlowInput } from './call-flow.ts';
import { flowInputOf } from './flow-input.ts';
import { reconcileLegs, type LegOnRecord, type NodeLegsReport } from '../media-fleet/leg-reconciliation.ts';
import { AGENT_CALL_LIMITS, ENDED_RETENTION_MS, type AgentCallInit, type AgentCallSnapshot, type BeginResult } from './contract.ts';
import { WHISPER } from './whisper.ts';
import { agentCallOwner } from '../media-fleet/leg-owners.ts';
import { runJob, type Job, type StoredAgentCall } from './call-jobs.ts';

const JOB_RETRY_MS = 1_000;
const STATE_KEY = 'call';

export class AgentCall extends DurableObject<Env> {
  #events: StoredEventQueue;
  #state: StoredAgentCall | null = null;
  /** Jobs run one batch at a time; a caller arriving meanwhile waits for it and runs what is left. */
  #running: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#events = new StoredEventQueue(ctx.storage.sql, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.#state = (await ctx.storage.get<StoredAgentCall>(STATE_KEY)) ?? null;
    });
  }

  // ── RPC ───────────────────────────────────────────────────────────────

  /**
   * Rings the agent: the originate command to their node. The calls row and
   * call.initiated exist before the node can report anything; a node that
   * refuses dialled nothing, so both are taken back and the object forgets
   * the call (the route then gives the agent and the slot back). Asking
   * again for a call already begun answers ok.
   */
  async begin(init: AgentCallInit): Promise<BeginResult> {
    if (this.#state) return { ok: true };
    const nowMs = Date.now();
    await insertCallRows(this.env.DB, [
      {
        id: init.callId,
        tenantId: init.tenantId,
        campaignId: init.campaignId,
        agentId: init.agent.id,
        contactPhone: init.destination,
        fromNumber: init.cli,
        status: 'in_progress',
        mediaNodeId: init.node.nodeId,
        startedAt: init.startedAt,
      },
    ]);
    this.#state = { init, flow: startFlow(), connectId: crypto.randomUUID(), lastSeq: 0, phaseSinceMs: nowMs, jobs: [] };
    await this.#save();
    const initiatedId = this.#events.record(callInitiated(identity(init), { startedAt: init.startedAt }));
    const [result] = await sendNodeCommands(init.node.controlUrl, this.env.MEDIA_SHARED_SECRET, [
      {
        type: 'originate',
        command_id: `${init.callId}:originate`,
        voice_id: init.callId,
        owner: this.#owner(),
        target: init.target,
        from: digits(init.cli),
        to: init.target.sip_user,
        play: WHISPER,
        amd: false,
        ring_timeout_s: AGENT_CALL_LIMITS.agentRingS,
        max_duration_s: AGENT_CALL_LIMITS.maxCallS,
      },
    ]);
    if (!result?.ok) {
      console.warn(JSON.stringify({ msg: 'agent originate refused', call_id: init.callId, node_id: init.node.nodeId, error: result?.error }));
      this.#events.forget(initiatedId);
      await deleteCallRow(this.env.DB, init.callId);
      await this.#forget();
      return { ok: false, error: result?.error === 'agent_not_registered' ? 'agent_not_registered' : 'node_unavailable' };
    }
    this.#state.boot = result.boot ?? null;
    this.#addJobs([{ kind: 'report_live' }]);
    await this.#save();
    await this.#settle();
    return { ok: true };
  }

  /** The node's events for this call's leg, in seq order (docs/media-protocol.md). */
  async applyEvents(events: MediaEvent[]): Promise<EventResult[]> {
    const results = await applyInOrder(events, {
      find: (voiceId) => (this.#state?.init.callId === voiceId ? this.#state : null),
      lastSeq: (state) => state.lastSeq,
      apply: (state, ev) => {
        state.lastSeq = ev.seq;
        const input = flowInputOf(ev, state.connectId);
        if (input) this.#step(input);
      },
    });
    await this.#save();
    await this.#settle();
    return results;
  }

  /**
   * The node holding the agent's leg is gone (`keepBoot` null), or restarted
   * as `keepBoot` while the leg is known to live on an older boot: the call
   * ends (cause 41). Answers how many legs ended (0 or 1); the fleet settles
   * the slot itself, so the call does not give it back again.
   */
  async nodeLost(nodeId: string, keepBoot: string | null = null): Promise<number> {
    const s = this.#state;
    if (!s || s.flow.phase === 'ended' || !endsWithNode({ nodeId: s.init.node.nodeId, boot: s.boot ?? null }, nodeId, keepBoot)) return 0;
    this.#step({ kind: 'node_lost', atMs: Date.now() });
    s.jobs = s.jobs.filter((j) => j.kind !== 'release_slot');
    await this.#save();
    await this.#settle();
    return 1;
  }

  /**
   * One heartbeat of a node (media-fleet/leg-reconciliation.ts): the node
   * holding this call after it ended is told to hang it up; a live call the
   * node no longer holds ends (cause 41).
   */
  async reconcileNode(report: NodeLegsReport): Promise<{ hangup: string[] }> {
    const s = this.#state;
    const onRecord: LegOnRecord | null = s
      ? { voiceId: s.init.callId, live: s.flow.phase !== 'ended', nodeId: s.init.node.nodeId, boot: s.boot ?? null, dialedAtMs: Date.parse(s.init.startedAt) }
      : null;
    const { hangup, end } = reconcileLegs(report, (voiceId) => (onRecord && voiceId === onRecord.voiceId ? onRecord : null), onRecord?.live ? [onRecord] : [], Date.now());
    if (s && end.includes(s.init.callId)) {
      console.warn(JSON.stringify({ msg: 'agent call missing from its media node: ended', call_id: s.init.callId, node_id: report.nodeId, phase: s.flow.phase }));
      this.#step({ kind: 'node_lost', atMs: Date.now() });
      await this.#save();
      await this.#settle();
    }
    return { hangup };
  }

  async snapshot(): Promise<AgentCallSnapshot | null> {
    const s = this.#state;
    if (!s) return null;
    return { callId: s.init.callId, phase: s.flow.phase, connectId: s.connectId, lastSeq: s.lastSeq, outcome: s.flow.outcome, pendingJobs: s.jobs.map((j) => j.kind) };
  }

  override async alarm(): Promise<void> {
    const s = this.#state;
    if (!s) return;
    const now = Date.now();
    const deadline = this.#deadline();
    if (deadline !== null && now >= deadline) {
      console.warn(JSON.stringify({ msg: 'agent call deadline passed', call_id: s.init.callId, phase: s.flow.phase }));
      this.#step({ kind: 'deadline', atMs: now });
      await this.#save();
    }
    if (s.flow.phase === 'ended' && s.jobs.length === 0 && this.#events.nextFlushAt() === null && now >= (s.flow.endedAtMs ?? now) + ENDED_RETENTION_MS) {
      await this.#forget();
      return;
    }
    await this.#settle();
  }

  // ── The flow ──────────────────────────────────────────────────────────

  /** One fact into the flow; its effects become queued events and jobs (saved by the caller). */
  #step(input: FlowInput): void {
    const s = this.#state!;
    const before = s.flow.phase;
    const { flow, effects } = stepFlow(s.flow, input);
    s.flow = flow;
    if (flow.phase !== before) {
      s.phaseSinceMs = Date.now();
      this.#addJobs([{ kind: 'report_live' }]);
    }
    for (const effect of effects) this.#effect(effect);
  }

  #effect(effect: FlowEffect): void {
    const s = this.#state!;
    switch (effect.kind) {
      case 'connect':
        this.#addJobs([{ kind: 'send_connect' }]);
        return;
      case 'hangup_agent':
        this.#addJobs([{ kind: 'hangup_agent', cause: effect.cause }]);
        return;
      case 'answered': {
        const answeredAt = new Date(effect.atMs).toISOString();
        this.#events.record(callAnswered(identity(s.init), { startedAt: s.init.startedAt, answeredAt, answeredBy: null }));
        this.#addJobs([{ kind: 'row_answered', atMs: effect.atMs }]);
        return;
      }
      case 'ended': {
        const { outcome } = effect;
        const answeredAt = s.flow.customerAnsweredAtMs === null ? null : new Date(s.flow.customerAnsweredAtMs).toISOString();
        const completed = callCompleted(identity(s.init), {
          status: outcome.status,
          disposition: null,
          durationSeconds: outcome.talkS,
          recordingId: null,
          startedAt: s.init.startedAt,
          answeredAt,
          endedAt: new Date(effect.atMs).toISOString(),
          causeCode: outcome.cause,
          causeReason: outcome.reason,
        });
        // Crier addition: which side ended the call (docs/agents-calls.md "Outcomes").
        this.#events.record({ ...completed, payload: { ...completed.payload, ended_by: outcome.endedBy } });
        this.#addJobs([{ kind: 'row_ended', outcome, atMs: effect.atMs }, { kind: 'release_agent' }, { kind: 'release_slot' }]);
        return;
      }
    }
  }

  #addJobs(jobs: Job[]): void {
    const s = this.#state!;
    for (const job of jobs) {
      // report_live reads the state when it runs: one pending is enough.
      if (job.kind === 'report_live' && s.jobs.some((j) => j.kind === 'report_live')) continue;
      s.jobs.push(job);
    }
  }

  // ── Carrying out jobs ─────────────────────────────────────────────────

  /** Runs pending jobs and flushes events, then sets the alarm for whatever is left or due. */
  async #settle(): Promise<void> {
    while (this.#running) await this.#running;
    this.#running = this.#runJobs().finally(() => (this.#running = null));
    await this.#running;
    await this.#events.flush();
    await this.#scheduleAlarm();
  }

  async #runJobs(): Promise<void> {
    const s = this.#state;
    if (!s) return;
    while (s.jobs.length > 0) {
      const job = s.jobs[0]!;
      let followUp: FlowInput | null;
      try {
        followUp = await runJob(this.env, job, s);
      } catch (err) {
        console.error(JSON.stringify({ msg: 'agent call job failed; will retry', call_id: s.init.callId, job: job.kind, error: String(err) }));
        return;
      }
      s.jobs.shift();
      if (followUp) this.#step(followUp);
      await this.#save();
    }
  }

  // ── Storage and time ──────────────────────────────────────────────────

  #deadline(): number | null {
    const s = this.#state;
    return s ? phaseDeadline(s.flow, s.phaseSinceMs, AGENT_CALL_LIMITS) : null;
  }

  async #scheduleAlarm(): Promise<void> {
    const s = this.#state;
    if (!s) return;
    const now = Date.now();
    const candidates = [
      this.#deadline(),
      s.jobs.length > 0 ? now + JOB_RETRY_MS : null,
      this.#events.nextFlushAt(),
      s.flow.phase === 'ended' ? (s.flow.endedAtMs ?? now) + ENDED_RETENTION_MS : null,
    ].filter((t): t is number => t !== null);
    if (candidates.length === 0) return;
    const at = Math.max(now + 10, Math.min(...candidates));
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at || current < now) await this.ctx.storage.setAlarm(at);
  }

  /** Drops everything this object stored (its queue's table included, so it is made again). */
  async #forget(): Promise<void> {
    this.#state = null;
    await this.ctx.storage.deleteAll();
    this.#events = new StoredEventQueue(this.ctx.storage.sql, this.env);
  }

  async #save(): Promise<void> {
    if (this.#state) await this.ctx.storage.put(STATE_KEY, this.#state);
  }

  #owner(): LegOwner {
    return agentCallOwner(this.#state!.init.callId);
  }
}

function identity(init: AgentCallInit): CallIdentity {
  return { tenantId: init.tenantId, callId: init.callId, contactPhone: init.destination, agentId: init.agent.id, campaignId: init.campaignId, broadcastId: null };
}
