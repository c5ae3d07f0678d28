/**
 * Sends a batch of commands to one media node, signed with the shared secret
 * (docs/media-protocol.md). A network failure or a non-2xx answer is returned
 * as a per-command failure so the caller can requeue exactly those legs.
 */
import { CommandBatchResultSchema, MediaPaths, signMessage, type CommandResult, type MediaCommand } from '../media-protocol/index.ts';

const COMMAND_TIMEOUT_MS = 5_000;

export async function sendNodeCommands(controlUrl: string, secret: string, commands: MediaCommand[]): Promise<CommandResult[]> {
  const body = JSON.stringify({ commands });
  const failAll = (error: string) => commands.map((c) => ({ command_id: c.command_id, ok: false, error }));
  let res: Response;
  try {
    res = await fetch(controlUrl.replace(/\/+$/, '') + MediaPaths.commands, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await signMessage(secret, body)) },
      body,
      signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
    });
  } catch (err) {
    return failAll(`unreachable: ${(err as Error).message}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    return failAll(`node answered ${res.status}`);
  }
  const parsed = CommandBatchResultSchema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) return failAll('node answered an unreadable result');
  const byId = new Map(parsed.data.results.map((r) => [r.command_id, r]));
  return commands.map((c) => byId.get(c.command_id) ?? { command_id: c.command_id, ok: false, error: 'missing result' });
}
