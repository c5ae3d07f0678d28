/** CLI groups (caller-ID number sets) as the /v1/cli-groups routes read and write them. */
import { z } from '@hono/zod-openapi';
import { parseE164 } from '../phone/e164.ts';
import { requiredOr } from '../errors/zod-issues.ts';

export const MAX_CLI_NUMBERS_PER_REQUEST = 1_000;

/** A caller ID is configuration, not data: it must be a valid E.164 number (with or without '+'), stored with '+'. */
export const CliNumberSchema = z
  .string(requiredOr('must be a phone number in E.164'))
  .max(32, 'must be at most 32 characters')
  .transform((value, ctx) => {
    const parsed = parseE164(value);
    if (parsed.ok) return parsed.e164;
    ctx.addIssue({ code: 'custom', message: parsed.reason });
    return z.NEVER;
  })
  .openapi({ type: 'string', example: '+97145551234' });

const NumberListSchema = z
  .array(CliNumberSchema, requiredOr('must be an array of phone numbers'))
  .max(MAX_CLI_NUMBERS_PER_REQUEST, `must list at most ${MAX_CLI_NUMBERS_PER_REQUEST} numbers`);

const NameSchema = z.string(requiredOr('must be a string')).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

export const CreateCliGroupSchema = z
  .object({ name: NameSchema, numbers: NumberListSchema.default([]) })
  .strict()
  .openapi('CreateCliGroup');

export const UpdateCliGroupSchema = z
  .object({
    name: NameSchema.optional(),
    add_numbers: NumberListSchema.optional().openapi({ description: 'Numbers to add (already present ones are ignored).' }),
    remove_numbers: NumberListSchema.optional().openapi({ description: 'Numbers to remove (absent ones are ignored).' }),
  })
  .strict()
  .refine((v) => v.name !== undefined || v.add_numbers !== undefined || v.remove_numbers !== undefined, 'must change at least one of name, add_numbers, remove_numbers')
  .superRefine((v, ctx) => {
    const removed = new Set(v.remove_numbers ?? []);
    (v.add_numbers ?? []).forEach((n, i) => {
      if (removed.has(n)) ctx.addIssue({ code: 'custom', path: ['add_numbers', i], message: `is also in remove_numbers (${n}); say one or the other` });
    });
  })
  .openapi('UpdateCliGroup');

export const CliGroupSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    numbers: z.array(z.string()).openapi({ description: 'E.164 with a leading +, ascending.' }),
    created_at: z.string(),
  })
  .openapi('CliGroup');

export type CliGroupView = z.infer<typeof CliGroupSchema>;
