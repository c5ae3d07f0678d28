/**
 * A node's heartbeat: POST {worker}/internal/media/v1/heartbeat, also its registration.
 * `live_voice_ids` lets the Worker notice legs it thinks are live that the node
 * has forgotten (after a node restart) and end them.
 */
import { z } from 'zod';

export const HeartbeatSchema = z.object({
  node_id: z.string().min(1),
  /** Where the Worker sends commands, e.g. http://10.0.0.5:7070 */
  control_url: z.string().url(),
  capacity: z.number().int().nonnegative(),
  live_calls: z.number().int().nonnegative(),
  draining: z.boolean().default(false),
  started_at: z.string(),
  version: z.string(),
  live_voice_ids: z.array(z.string()).optional(),
  /** Agent SIP bindings this node holds (metrics; the bindings themselves go to /registrations). */
  sip_bindings: z.number().int().nonnegative().optional(),
});
export type Heartbeat = z.input<typeof HeartbeatSchema>;

export const HeartbeatAckSchema = z.object({
  ok: z.literal(true),
  /** How often the Worker wants heartbeats; the timeout is a multiple of this. */
  interval_s: z.number().positive(),
  /**
   * Calls the node must hang up at once: the node was declared lost (its legs
   * already ended for the client with cause 41) and has come back with them still up.
   */
  hangup_voice_ids: z.array(z.string()).optional(),
});
export type HeartbeatAck = z.infer<typeof HeartbeatAckSchema>;
