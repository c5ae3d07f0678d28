/**
 * The compliance gate of a broadcast's dispatch loop: the legs about to be
 * dialled (already paced and given media-node slots) are checked by the
 * compliance engine in one batch — one D1 round trip to read, one to write
 * the audits — right before their originate, so calling hours are judged at
 * the moment of dialling, and a number put on a DNC list (tenant or national)
 * after the broadcast was accepted is still refused.
 *
 * A blocked leg is never dialled. It ends like any leg that never reached a
 * node: state failed, Q.850 cause 21 (Call Rejected: the platform refuses the
 * call on the callee's behalf), a `disconnected` webhook, a history row and
 * its entry in broadcast_call_info — and a call.compliance_blocked dialer
 * event carrying the audit_ref. Its slot and pacing token are given back.
 * If the audit itself cannot be written, nothing is dialled this tick (the
 * legs stay queued for the next one): no dial without its audit record.
 */
import type { Env } from '../../env.ts';
import type { BroadcastInit } from './contract.ts';
import type { NodeSlot } from '../media-fleet/index.ts';
import { tenantPacer } from '../stubs.ts';
import { broadcastOwner } from '../media-fleet/leg-owners.ts';
import { releaseSlots, slotsPerNode } from '../../legs/node-slots.ts';
import { toE164 } from '../../legs/number-forms.ts';
import { checkComplianceBatch, type ComplianceResult } from '../../compliance/engine.ts';
import { complianceBlockedEvent } from '../../compliance/blocked-event.ts';
import { emitDialerEvents } from '../../dialer-events/emit.ts';
import { Cause, q850Reason } from '../../telephony/q850.ts';

/** The cause a compliance-blocked leg ends with. */
export const COMPLIANCE_BLOCK_CAUSE = Cause.CALL_REJECTED;

interface GateLeg {
  idx: number;
  to_number: string;
  voice_id: string | null;
}

export interface GateInput<L extends GateLeg> {
  env: Env;
  /** The session's storage: a blocked leg gets its voice_id here before it is ended. */
  sql: SqlStorage;
  init: BroadcastInit;
  /** Queued legs in dial order, one per slot. */
  legs: L[];
  slots: NodeSlot[];
  nowMs: number;
  /** Ends a blocked leg (the session's finalize with COMPLIANCE_BLOCK_CAUSE). */
  block: (leg: L, cause: number) => Promise<void>;
}

/** Returns the legs cleared to dial, in order; slots[0 … cleared.length) are theirs, the rest were given back. */
export async function clearLegsForDialing<L extends GateLeg>({ env, sql, init, legs, slots, nowMs, block }: GateInput<L>): Promise<L[]> {
  if (legs.length === 0) return legs;
  const voiceIds = legs.map((leg) => leg.voice_id ?? crypto.randomUUID());
  let results: ComplianceResult[];
  try {
    results = await checkComplianceBatch(
      env,
      init.tenantId,
      legs.map((leg) => ({ phone: toE164(leg.to_number), cli: init.from, context: 'broadcast' as const, subject: init.broadcastId })),
      {
        nowMs,
        // A blocked leg's history row commits with its audit row.
        alongside: (decided) => decided.flatMap((r, i) => (r.allowed ? [] : [blockedCallRow(env.DB, init, voiceIds[i]!, r.phone, nowMs)])),
      },
    );
  } catch (err) {
    console.error(JSON.stringify({ msg: 'compliance gate could not audit; dialling nothing this tick', broadcast_id: init.broadcastId, legs: legs.length, error: String(err) }));
    await giveBack(env, init, slots);
    return [];
  }

  const cleared: L[] = [];
  const blockedEvents = [];
  for (const [i, leg] of legs.entries()) {
    const result = results[i]!;
    if (result.allowed) {
      cleared.push(leg);
      continue;
    }
    sql.exec('UPDATE legs SET voice_id = ? WHERE idx = ? AND voice_id IS NULL', voiceIds[i]!, leg.idx);
    await block({ ...leg, voice_id: voiceIds[i]! }, COMPLIANCE_BLOCK_CAUSE);
    blockedEvents.push(complianceBlockedEvent({ tenantId: init.tenantId, callId: voiceIds[i]!, broadcastId: init.broadcastId }, result));
  }
  await giveBack(env, init, slots.slice(cleared.length));
  if (blockedEvents.length > 0) await emitDialerEvents(env, blockedEvents);
  return cleared;
}

/** Unused slots go back to the fleet, and their pacing tokens to the tenant's pacer: a refused call is not a call. */
async function giveBack(env: Env, init: BroadcastInit, slots: readonly NodeSlot[]): Promise<void> {
  if (slots.length === 0) return;
  await releaseSlots(env, broadcastOwner(init.broadcastId), slotsPerNode(slots));
  await tenantPacer(env, init.tenantId).refund(init.broadcastId, slots.length);
}

function blockedCallRow(db: D1Database, init: BroadcastInit, voiceId: string, phone: string, nowMs: number): D1PreparedStatement {
  const at = new Date(nowMs).toISOString();
  return db
    .prepare(
      `INSERT INTO calls (id, tenant_id, broadcast_id, contact_phone, from_number, direction, status, cause_code, cause_reason, duration_seconds, started_at, ended_at)
       VALUES (?, ?, ?, ?, ?, 'outbound', 'failed', ?, ?, 0, ?, ?) ON CONFLICT (id) DO NOTHING`,
    )
    .bind(voiceId, init.tenantId, init.broadcastId, phone, init.from, COMPLIANCE_BLOCK_CAUSE, q850Reason(COMPLIANCE_BLOCK_CAUSE), at, at);
}
