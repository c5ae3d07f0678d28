/**
 * What the BroadcastSession hands each of its modules (dispatch, guards,
 * event application, controls, connect, leg end, completion): its stores,
 * its queues and a few hooks. The object builds this once; the modules own
 * the behaviour, the object only wires them to its RPC methods and alarm.
 */
import type { Env } from '../../env.ts';
import type { MediaCommand } from '../../media-protocol/index.ts';
import type { BroadcastCallEvents } from '../../dialer-events/broadcast-call-events.ts';
import type { CommandOutcome } from '../../legs/leg-command.ts';
import type { HistoryBatch } from '../../legs/call-history.ts';
import type { LiveReporter } from '../../legs/live-report.ts';
import type { BroadcastInit } from './contract.ts';
import type { ConnectStore } from './connect-store.ts';
import type { LegRow, LegStore } from './leg-store.ts';
import type { WebhookOutbox } from './outbox.ts';
import type { BroadcastContext } from './webhook-payloads.ts';
import type { PromptVersions } from './prompt-versions.ts';

export interface SessionParts {
  env: Env;
  legs: LegStore;
  connects: ConnectStore;
  outbox: WebhookOutbox;
  /** call.* dialer webhooks for these legs (docs/dialer-api.md "Webhooks"). */
  callEvents: BroadcastCallEvents;
  /** calls-history writes queued while a batch is applied, flushed once. */
  history: HistoryBatch;
  /** The broadcast's live legs, as the tenant's pacer counts them. */
  pacerReport: LiveReporter;
  prompts: PromptVersions;
  init(): BroadcastInit;
  /** What every broadcast webhook body carries. */
  context(): BroadcastContext;
  /** Schedules the alarm loop no later than `at`. */
  wake(at: number): Promise<void>;
  /** One command to the leg's node (legs/leg-command.ts). */
  send(leg: LegRow, command: MediaCommand): Promise<CommandOutcome>;
}
