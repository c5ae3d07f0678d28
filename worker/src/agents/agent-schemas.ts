/** The bodies of the Agents routes, exactly as the spec documents them (and the OpenAPI document shows). */
import { z } from '@hono/zod-openapi';
import { AGENT_STATES, SETTABLE_STATES } from './agent-state-machine.ts';

export const AgentStateSchema = z.enum(AGENT_STATES);

export const StateChangeSchema = z
  .object({
    state: z.enum(SETTABLE_STATES, { error: 'must be available, break, lunch, training or offline (on_call is set by the dialer when a call is bridged)' }),
    reason: z
      .string({ error: 'must be a string' })
      .trim()
      .max(500, 'must be at most 500 characters')
      .nullable()
      .optional()
      .openapi({ description: 'Free-text reason, shown to supervisors. Empty means none.' }),
  })
  .strict()
  .openapi('AgentStateChange');

export const StateChangedSchema = z
  .object({ agent_id: z.string(), state: AgentStateSchema, state_since: z.string(), reason: z.string().nullable() })
  .openapi('AgentStateChanged');

export const AgentOnFloorSchema = z
  .object({
    id: z.string(),
    full_name: z.string(),
    state: AgentStateSchema,
    state_since: z.string(),
    sip_registered: z.boolean().openapi({ description: 'The agent has a live (unexpired) SIP registration on a media node.' }),
    current_call_id: z.string().nullable(),
    calls_today: z.number().int(),
    talk_time_today_seconds: z.number().int(),
  })
  .openapi('AgentOnFloor');

export const FloorSchema = z
  .object({
    agents: z.array(AgentOnFloorSchema),
    summary: z
      .object({
        total: z.number().int(),
        available: z.number().int(),
        on_call: z.number().int(),
        break: z.number().int().openapi({ description: 'Agents on break, lunch or training.' }),
        offline: z.number().int(),
      })
      .openapi({ description: 'available + on_call + break + offline = total.' }),
  })
  .openapi('AgentFloor');

export const SipRegisteredSchema = z
  .object({
    registered: z.array(
      z.object({
        agent_id: z.string(),
        sip_user: z.string(),
        registered_at: z.string().openapi({ description: 'When this registration began (ISO 8601 UTC); refreshes keep it.' }),
        user_agent: z.string(),
      }),
    ),
    total_registered: z.number().int(),
    total_agents: z.number().int().openapi({ description: 'Every enabled agent of the tenant, registered or not.' }),
  })
  .openapi('SipRegistered');
