/**
 * What a contact contributes to the search index (contacts_fts): its name,
 * its number in every form people type (E.164 digits 971501234567, national
 * 501234567, national with trunk 0 0501234567) and its custom field values,
 * all normalised the way queries are (search-text.ts).
 */
import { normaliseSearchText } from './search-text.ts';
import type { CustomFields } from './contact-schemas.ts';

export interface SearchDocument {
  name: string;
  phone: string;
  custom: string;
}

export function searchDocument(contact: {
  firstName: string | null;
  lastName: string | null;
  e164: string;
  national: string;
  nationalDialled: string;
  customFields: CustomFields | null;
}): SearchDocument {
  const name = [contact.firstName, contact.lastName].filter((p): p is string => !!p).join(' ');
  const phones = [...new Set([contact.e164.replace(/^\+/, ''), contact.national, contact.nationalDialled])];
  const values = Object.values(contact.customFields ?? {}).filter((v): v is string | number => typeof v === 'string' || typeof v === 'number');
  return { name: normaliseSearchText(name), phone: phones.join(' '), custom: normaliseSearchText(values.join(' ')) };
}
