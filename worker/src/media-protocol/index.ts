/**
 * The Worker ↔ media node protocol, imported by both sides (docs/media-protocol.md).
 * Paths are relative to each side's base URL.
 */
export * from './play-spec.ts';
export * from './commands.ts';
export * from './events.ts';
export * from './heartbeat.ts';
export * from './signing.ts';
export * from './registrations.ts';

export const MediaPaths = {
  /** Worker → node */
  commands: '/v1/commands',
  /** node → Worker */
  heartbeat: '/internal/media/v1/heartbeat',
  events: '/internal/media/v1/events',
  /** node → Worker: fetch a prompt's audio (signed URL handed out in PlaySpec) */
  promptAudio: '/internal/media/v1/prompts',
  /** node → Worker: PUT a finished recording (audio/wav, signed with signBinary) */
  recordings: '/internal/media/v1/recordings',
  /** node → Worker: an agent's digest HA1s (registrations.ts) */
  sipCredentials: '/internal/media/v1/sip-credentials',
  /** node → Worker: agent registration changes (registrations.ts) */
  registrations: '/internal/media/v1/registrations',
} as const;
