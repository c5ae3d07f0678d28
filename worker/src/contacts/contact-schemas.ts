/**
 * Contacts as the upload, list and search routes accept and answer them
 * (spec "Contacts"), with the bounds that keep one upload inside a Worker's
 * memory and D1's row limits.
 */
import { z } from '@hono/zod-openapi';
import { MAX_PHONE_INPUT_LENGTH } from '../phone/contact-number.ts';
import { isDialableCountry } from '../phone/countries.ts';
import { requiredOr } from '../errors/zod-issues.ts';

export const MAX_CONTACTS_PER_UPLOAD = 10_000;
/** 10,000 contacts with a dozen custom fields each fit comfortably. */
export const MAX_UPLOAD_BODY_BYTES = 16 * 1024 * 1024;
export const MAX_CUSTOM_FIELDS = 50;
export const MAX_CUSTOM_FIELDS_JSON_BYTES = 4 * 1024;
/** How many unreadable numbers the upload response lists (all are counted). */
export const MAX_INVALID_LISTED = 100;

export const CONTACT_STATUSES = ['pending', 'dialing', 'connected', 'completed', 'failed', 'dnc'] as const;
export const ContactStatusSchema = z.enum(CONTACT_STATUSES, { error: 'must be pending, dialing, connected, completed, failed or dnc' });

const NameSchema = z.string({ error: 'must be a string' }).trim().max(100, 'must be at most 100 characters').nullable().optional();
const utf8 = new TextEncoder();

export const CustomFieldsSchema = z
  .record(
    z.string().min(1, 'keys must not be empty').max(64, 'keys must be at most 64 characters'),
    z.union([z.string().max(1_000, 'must be at most 1,000 characters'), z.number(), z.boolean(), z.null()], { error: 'must be a string, number, boolean or null' }),
  )
  .refine((v) => Object.keys(v).length <= MAX_CUSTOM_FIELDS, `must have at most ${MAX_CUSTOM_FIELDS} fields`)
  .refine((v) => utf8.encode(JSON.stringify(v)).byteLength <= MAX_CUSTOM_FIELDS_JSON_BYTES, `must be at most ${MAX_CUSTOM_FIELDS_JSON_BYTES} bytes of JSON`)
  .openapi({ description: 'Flat key → string/number/boolean/null metadata shown to agents; values are searchable.' });
export type CustomFields = z.infer<typeof CustomFieldsSchema>;

export const ContactInSchema = z
  .object(
    {
    phone: z
      .string(requiredOr('must be a string'))
      .max(MAX_PHONE_INPUT_LENGTH, `must be at most ${MAX_PHONE_INPUT_LENGTH} characters`)
      .openapi({ description: 'E.164, or local format read in default_region.' }),
    first_name: NameSchema,
    last_name: NameSchema,
    custom_fields: CustomFieldsSchema.nullable().optional(),
    },
    requiredOr('must be a contact object'),
  )
  .strict();
export type ContactIn = z.infer<typeof ContactInSchema>;

export const UploadContactsSchema = z
  .object({
    contacts: z
      .array(ContactInSchema, requiredOr('must be an array of contacts'))
      .min(1, 'must list at least one contact')
      .max(MAX_CONTACTS_PER_UPLOAD, `must list at most ${MAX_CONTACTS_PER_UPLOAD} contacts`),
    default_region: z
      .string()
      .toUpperCase()
      .refine(isDialableCountry, 'must be an ISO 3166-1 alpha-2 country code with a numbering plan, such as AE')
      .optional()
      .openapi({ description: "Crier addition: country for numbers without a country code. Default: the country of the campaign's time zone." }),
  })
  .strict()
  .openapi('UploadContacts');

export const InvalidPhoneSchema = z.object({ index: z.number().int(), phone: z.string(), reason: z.string() });

export const UploadResultSchema = z
  .object({
    imported: z.number().int().openapi({ description: 'Stored as pending (dialable).' }),
    duplicates_skipped: z.number().int().openapi({ description: 'Repeated in this request, or already in the campaign.' }),
    dnc_filtered: z.number().int().openapi({ description: 'On the tenant or a national DNC list: stored with status dnc, never dialled.' }),
    invalid_phones: z.number().int().openapi({ description: 'Not a valid number: not stored.' }),
    total_in_campaign: z.number().int(),
    invalid: z.array(InvalidPhoneSchema).openapi({ description: `Crier addition: the first ${MAX_INVALID_LISTED} invalid numbers, by request index, with the reason.` }),
  })
  .openapi('UploadContactsResult');

export const ContactSchema = z
  .object({
    id: z.string(),
    phone: z.string(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    status: ContactStatusSchema,
    attempts: z.number().int(),
    last_call_at: z.string().nullable(),
    disposition: z.string().nullable(),
    custom_fields: z.record(z.string(), z.unknown()),
  })
  .openapi('Contact');

export interface ContactRow {
  id: string;
  phone: string;
  first_name: string | null;
  last_name: string | null;
  status: (typeof CONTACT_STATUSES)[number];
  attempts: number;
  last_call_at: string | null;
  disposition: string | null;
  custom_fields: string | null;
}

export function contactView(row: ContactRow): z.infer<typeof ContactSchema> {
  return {
    id: row.id,
    phone: row.phone,
    first_name: row.first_name,
    last_name: row.last_name,
    status: row.status,
    attempts: row.attempts,
    last_call_at: row.last_call_at,
    disposition: row.disposition,
    custom_fields: row.custom_fields ? (JSON.parse(row.custom_fields) as Record<string, unknown>) : {},
  };
}

export const SearchContactsSchema = z
  .object({
    q: z.string(requiredOr('must be a string')).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    campaign_id: z.string().max(64).optional(),
    limit: z.number({ error: 'must be an integer from 1 to 100' }).int('must be an integer from 1 to 100').min(1, 'must be at least 1').max(100, 'must be at most 100').default(20),
  })
  .strict()
  .openapi('SearchContacts');

export const SearchHitSchema = z
  .object({
    id: z.string(),
    phone: z.string(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    campaign_id: z.string(),
    campaign_name: z.string(),
    status: ContactStatusSchema,
  })
  .openapi('ContactSearchHit');

export const SearchResultSchema = z.object({ items: z.array(SearchHitSchema), total: z.number().int() }).openapi('ContactSearchResult');
