/**
 * One command to the media node holding a leg, judged the way every leg
 * owner needs it: 'ok'; 'gone' when the node has no such leg (it ended
 * there, or the leg never reached a node); 'unavailable' when the node did
 * not answer or failed otherwise, which is worth retrying and must never be
 * reported as an ended call.
 */
import type { Env } from '../env.ts';
import type { MediaCommand } from '../media-protocol/index.ts';
import { sendNodeCommands } from '../media-dispatch/node-client.ts';

export type CommandOutcome = 'ok' | 'gone' | 'unavailable';

export async function sendLegCommand(env: Pick<Env, 'MEDIA_SHARED_SECRET'>, controlUrl: string | null, command: MediaCommand): Promise<CommandOutcome> {
  if (!controlUrl) return 'gone';
  const [result] = await sendNodeCommands(controlUrl, env.MEDIA_SHARED_SECRET, [command]);
  if (result?.ok) return 'ok';
  console.warn(JSON.stringify({ msg: 'node command failed', voice_id: command.voice_id, type: command.type, error: result?.error }));
  return result?.error === 'unknown_leg' ? 'gone' : 'unavailable';
}
