/**
 * A campaign's dialer settings (our addition; the spec's campaign has only
 * max_attempts, retry_delay_minutes, dial_ratio and timezone): how long a
 * customer's phone rings, answering-machine detection and what to do with a
 * machine, the message an abandoned call hears, the abandon target the
 * predictive mode keeps under. Stored as JSON in campaigns.dialer_settings;
 * NULL and missing fields are the defaults below. docs/dialer-api.md
 * "Campaign dialer settings" documents them.
 */
import { z } from '@hono/zod-openapi';

/** Safe-harbour style: who called and why, no sales message (FCC 64.1200(a)(7), Ofcom's abandoned-call message). */
export const DEFAULT_ABANDON_MESSAGE = 'Hello. We tried to reach you, but all of our agents are busy. We will call you back later. Thank you.';
export const DEFAULT_MACHINE_MESSAGE = 'Hello. We are sorry we missed you. We will try again later. Thank you.';

const int = (min: number, max: number) =>
  z.number({ error: `must be an integer from ${min} to ${max}` }).int(`must be an integer from ${min} to ${max}`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

export const DialerSettingsSchema = z
  .object({
    ring_timeout_s: int(15, 120).default(20).openapi({ description: 'Seconds a customer phone rings before the attempt counts as no answer (at least 15).' }),
    amd: z.boolean({ error: 'must be true or false' }).default(false).openapi({ description: 'Answering-machine detection: a machine is never bridged to an agent.' }),
    machine_action: z.enum(['hangup', 'message'], { error: 'must be hangup or message' }).default('hangup').openapi({ description: 'With amd: hang up on a machine, or leave machine_message after the beep.' }),
    machine_message: z.string().trim().min(1).max(500).default(DEFAULT_MACHINE_MESSAGE),
    abandon_message: z.string().trim().min(1).max(500).default(DEFAULT_ABANDON_MESSAGE).openapi({ description: 'Played (TTS) to a live answer no agent took within 2 s, before hanging up.' }),
    abandon_target_percent: z.number({ error: 'must be a number from 0.5 to 10' }).min(0.5).max(10).default(3).openapi({ description: 'Predictive: most abandoned calls as a percentage of live answers.' }),
    max_lines_per_agent: int(1, 5).default(3).openapi({ description: 'Predictive: most calls in flight per available agent.' }),
    retry_delay_seconds: int(1, 604_800).nullable().default(null).openapi({ description: 'Overrides retry_delay_minutes with seconds (short test delays); null = use retry_delay_minutes.' }),
    tts_language: z.string().min(2).max(16).default('en-US'),
  })
  .strict()
  .openapi('CampaignDialerSettings');

export type DialerSettings = z.output<typeof DialerSettingsSchema>;

/** The stored JSON (or NULL) as full settings; unknown or invalid stored fields fall back to the defaults. */
export function parseDialerSettings(stored: string | null): DialerSettings {
  let raw: unknown = {};
  try {
    raw = stored ? JSON.parse(stored) : {};
  } catch {
    raw = {};
  }
  const parsed = DialerSettingsSchema.safeParse(raw);
  return parsed.success ? parsed.data : DialerSettingsSchema.parse({});
}

/** Milliseconds between attempts of one contact. */
export function retryDelayMs(settings: DialerSettings, retryDelayMinutes: number): number {
  return (settings.retry_delay_seconds ?? retryDelayMinutes * 60) * 1000;
}
