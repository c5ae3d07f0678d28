/**
 * A node's heartbeat: POST {worker}/internal/media/v1/heartbeat, also its registration.
 * `started_at` identifies the node's boot: a new value is a restarted process
 * whose predecessor's calls are gone. `live_legs` lists what the node holds so
 * the Worker can reconcile both ways on every beat (docs/media-protocol.md
 * "Heartbeats and node loss").
 */
import { z } from 'zod';
import { LegOwnerSchema } from './commands.ts';

export const HeartbeatSchema = z.object({
  node_id: z.string().min(1),
  /** Where the Worker sends commands, e.g. http://10.0.0.5:7070 */
  control_url: z.string().url(),
  capacity: z.number().int().nonnegative(),
  live_calls: z.number().int().nonnegative(),
  draining: z.boolean().default(false),
  /** When this boot of the node started (ISO 8601): the boot's identity, echoed in originate results as `boot`. */
  started_at: z.string(),
  version: z.string(),
  /** The older flat form of `live_legs`, without owners: a node sending only this gets no reconciliation beyond the lost-and-back check. */
  live_voice_ids: z.array(z.string()).optional(),
  /** Agent SIP bindings this node holds (metrics; the bindings themselves go to /registrations). */
  sip_bindings: z.number().int().nonnegative().optional(),
  /**
   * Every leg the node holds, by owner: calls still up, and ended calls whose
   * events the Worker has not yet acknowledged (so a leg is never missing from
   * here while its `disconnected` is on its way).
   */
  live_legs: z.array(z.object({ owner: LegOwnerSchema, voice_ids: z.array(z.string()) })).optional(),
});
export type Heartbeat = z.input<typeof HeartbeatSchema>;

export const HeartbeatAckSchema = z.object({
  ok: z.literal(true),
  /** How often the Worker wants heartbeats; the timeout is a multiple of this. */
  interval_s: z.number().positive(),
  /**
   * Calls the node must hang up at once: the Worker has already ended them for
   * the client (the node was declared lost, a leg's owner ended it, or it was
   * placed again elsewhere), so nobody could end them otherwise.
   */
  hangup_voice_ids: z.array(z.string()).optional(),
  /**
   * The Worker holds none of this boot's agent SIP bindings (it declared the
   * node lost and dropped them, or has never seen the node): report every
   * binding held again (POST /registrations, reason `refresh`).
   */
  report_registrations: z.boolean().optional(),
});
export type HeartbeatAck = z.infer<typeof HeartbeatAckSchema>;

/** The voice ids a heartbeat says the node holds, whichever form it used. */
export function heldVoiceIds(hb: Pick<Heartbeat, 'live_legs' | 'live_voice_ids'>): string[] {
  return hb.live_legs ? hb.live_legs.flatMap((g) => g.voice_ids) : (hb.live_voice_ids ?? []);
}
