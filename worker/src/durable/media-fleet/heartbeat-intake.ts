/**
 * A heartbeat from arrival to answer: the MediaFleet registers it (boots,
 * loss, restart), then every owner with legs on the node, or holding calls
 * there, reconciles its records against what the node holds. The fan-out runs
 * here, in the request, not in the fleet object, so one global object never
 * waits on every owner every few seconds.
 */
import type { Env } from '../../env.ts';
import type { Heartbeat, HeartbeatAck, LegOwner } from '../../media-protocol/index.ts';
import { mediaFleet } from '../stubs.ts';
import { legOwnerObject, ownerKey } from './leg-owners.ts';

const DEFAULT_GRACE_S = 10;

export async function acceptHeartbeat(env: Env, hb: Heartbeat): Promise<HeartbeatAck> {
  const outcome = await mediaFleet(env).heartbeat(hb);
  // A node that does not say who owns its calls cannot be reconciled (older nodes): the fleet's answer stands.
  if (!hb.live_legs) return outcome.ack;

  const held = new Map<string, { owner: LegOwner; voiceIds: string[] }>();
  for (const owner of outcome.owners) held.set(ownerKey(owner), { owner, voiceIds: [] });
  for (const group of hb.live_legs) {
    const entry = held.get(ownerKey(group.owner)) ?? { owner: group.owner, voiceIds: [] };
    entry.voiceIds.push(...group.voice_ids);
    held.set(ownerKey(group.owner), entry);
  }
  const graceMs = Number(env.MEDIA_RECONCILE_GRACE_S || DEFAULT_GRACE_S) * 1000;
  const hangup = new Set(outcome.ack.hangup_voice_ids ?? []);
  const answers = await Promise.allSettled(
    [...held.values()].map(async ({ owner, voiceIds }) => {
      const object = legOwnerObject(env, owner);
      if (!object) return;
      const answer = await object.reconcileNode({ nodeId: hb.node_id, boot: hb.started_at, held: voiceIds, current: outcome.current, graceMs });
      for (const id of answer.hangup) hangup.add(id);
    }),
  );
  // One owner failing must not cost the node its heartbeat; the next beat reconciles again.
  for (const a of answers) {
    if (a.status === 'rejected') console.error(JSON.stringify({ msg: 'heartbeat reconciliation failed for an owner', node_id: hb.node_id, error: String(a.reason) }));
  }
  if (hangup.size === 0) return outcome.ack;
  console.warn(JSON.stringify({ msg: 'node holds calls the Worker has ended: hanging them up', node_id: hb.node_id, calls: hangup.size }));
  return { ...outcome.ack, hangup_voice_ids: [...hangup] };
}
