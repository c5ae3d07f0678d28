/**
 * Paced dispatch of a broadcast's queued legs to media nodes, one alarm tick
 * at a time: the tenant's pacer grants a number of dials, the fleet gives
 * node slots, the compliance gate clears the legs, then each leg gets its
 * voice_id and calls row and leaves in one originate batch per node. A leg a
 * node refuses is queued again (up to MAX_DISPATCH_ATTEMPTS, then it fails
 * with cause 41); with no live node at all, queued legs wait a while, then
 * fail with cause 34. Legs are read in small pages, so 100,000 legs never sit
 * in memory and never leave in one burst.
 */
import type { PlayInput } from '../../broadcast/play-schema.ts';
import { insertCallRows, type NewCallRow } from '../../legs/call-history.ts';
import { digits, toE164 } from '../../legs/number-forms.ts';
import { releaseSlots, SlotTally } from '../../legs/node-slots.ts';
import { sendNodeCommands } from '../../media-dispatch/node-client.ts';
import type { MediaCommand } from '../../media-protocol/index.ts';
import { Cause } from '../../telephony/q850.ts';
import { mediaFleet, tenantPacer } from '../stubs.ts';
import { clearLegsForDialing } from './compliance-gate.ts';
import { recordLegBoot } from './leg-boots.ts';
import type { LegRow } from './leg-store.ts';
import { finalizeLeg } from './leg-end.ts';
import { broadcastOwner } from '../media-fleet/leg-owners.ts';
import type { SessionParts } from './session-parts.ts';

/** At most this many legs leave per tick, whatever the CPS: keeps one tick short. */
const MAX_DISPATCH_PER_TICK = 100;
/** How many times a leg is offered to media nodes before it fails with cause 41. */
const MAX_DISPATCH_ATTEMPTS = 3;
const IDLE_TICK_MS = 250;

/** Sends the next queued legs to media nodes within the tenant's pace; returns when to try again. */
export async function dispatchDueLegs(s: SessionParts, now: number): Promise<number | null> {
  const init = s.init();
  const queued = s.legs.count('queued');
  if (queued === 0) return null;
  const pacer = tenantPacer(s.env, init.tenantId);
  const decision = await pacer.acquire({
    ownerId: init.broadcastId,
    liveNow: s.legs.live(),
    wanted: Math.min(queued, MAX_DISPATCH_PER_TICK),
    callsPerSecond: init.callsPerSecond,
    maxConcurrent: init.maxConcurrentCalls,
  });
  if (decision.granted === 0) return decision.nextAtMs ?? now + IDLE_TICK_MS;

  const owner = broadcastOwner(init.broadcastId);
  const slots = await mediaFleet(s.env).reserve(owner, decision.granted);
  if (slots.length < decision.granted) await pacer.refund(init.broadcastId, decision.granted - slots.length);
  if (slots.length === 0) return waitForNodes(s, now);
  s.legs.deleteMeta('no_node_since');

  const legs = await clearLegsForDialing({
    env: s.env,
    sql: s.legs.sql,
    init,
    nowMs: now,
    slots,
    legs: s.legs.queued(slots.length),
    block: (leg, cause) => finalizeLeg(s, leg, 'failed', cause, now),
  });
  const byNode = new Map<string, { controlUrl: string; legs: LegRow[]; commands: MediaCommand[] }>();
  const newCalls: NewCallRow[] = [];
  for (const [i, leg] of legs.entries()) {
    const slot = slots[i]!;
    const voiceId = leg.voice_id ?? crypto.randomUUID();
    if (!leg.voice_id) {
      newCalls.push({
        id: voiceId,
        tenantId: init.tenantId,
        broadcastId: init.broadcastId,
        contactPhone: toE164(leg.to_number),
        fromNumber: init.from,
        status: 'in_progress',
        mediaNodeId: slot.nodeId,
        startedAt: new Date(now).toISOString(),
      });
    }
    s.legs.sql.exec(
      "UPDATE legs SET state = 'dialing', voice_id = ?, node_id = ?, control_url = ?, dialed_at = ?, dispatch_attempts = dispatch_attempts + 1 WHERE idx = ?",
      voiceId,
      slot.nodeId,
      slot.controlUrl,
      now,
      leg.idx,
    );
    s.legs.move('queued', 'dialing');
    const group = byNode.get(slot.nodeId) ?? { controlUrl: slot.controlUrl, legs: [], commands: [] };
    group.legs.push({ ...leg, voice_id: voiceId, node_id: slot.nodeId, dispatch_attempts: leg.dispatch_attempts + 1 });
    group.commands.push({
      type: 'originate',
      command_id: `${voiceId}:originate:${leg.dispatch_attempts + 1}`,
      voice_id: voiceId,
      owner,
      from: digits(init.from),
      to: digits(leg.to_number),
      play: await s.prompts.resolve(JSON.parse(leg.play) as PlayInput),
      amd: init.amd,
      ring_timeout_s: init.ringTimeoutS,
      max_duration_s: init.maxCallDurationS,
    });
    byNode.set(slot.nodeId, group);
  }
  // The calls rows exist before any node can report on them, so voice_id lookups never miss.
  await insertCallRows(s.env.DB, newCalls);
  s.callEvents.initiated(newCalls);

  const released = new SlotTally();
  await Promise.all(
    [...byNode.entries()].map(async ([nodeId, group]) => {
      const results = await sendNodeCommands(group.controlUrl, s.env.MEDIA_SHARED_SECRET, group.commands);
      for (const [i, result] of results.entries()) {
        const leg = group.legs[i]!;
        if (result.ok) {
          if (result.boot) recordLegBoot(s.legs.sql, leg.voice_id!, nodeId, result.boot);
          continue;
        }
        const current = s.legs.byVoice(leg.voice_id!);
        if (!current || current.state !== 'dialing') continue;
        released.add(nodeId);
        console.warn(JSON.stringify({ msg: 'originate refused', voice_id: leg.voice_id, node_id: nodeId, error: result.error }));
        if (leg.dispatch_attempts >= MAX_DISPATCH_ATTEMPTS) {
          await finalizeLeg(s, current, 'failed', Cause.TEMPORARY_FAILURE, Date.now());
        } else {
          s.legs.sql.exec("UPDATE legs SET state = 'queued', node_id = NULL, control_url = NULL WHERE idx = ?", leg.idx);
          s.legs.move('dialing', 'queued');
        }
      }
    }),
  );
  await releaseSlots(s.env, owner, released.perNode);
  return s.legs.count('queued') > 0 ? (decision.nextAtMs ?? now + 20) : null;
}

/** No live node: queued legs wait up to NO_MEDIA_NODE_WAIT_S, then fail with cause 34. */
async function waitForNodes(s: SessionParts, now: number): Promise<number> {
  const since = Number(s.legs.meta('no_node_since') ?? now);
  if (!s.legs.meta('no_node_since')) s.legs.setMeta('no_node_since', String(now));
  const waitMs = Number(s.env.NO_MEDIA_NODE_WAIT_S || 60) * 1000;
  if (now - since < waitMs) return Math.min(since + waitMs, now + 1000);
  for (const leg of s.legs.queued(1000)) await finalizeLeg(s, leg, 'failed', Cause.NO_CIRCUIT_AVAILABLE, now);
  return now + 10;
}
