/**
 * The pure half of a contact upload: every phone read in the default region
 * and normalised to E.164, unreadable ones set aside with their reason,
 * repeats within the request dropped (the first occurrence is kept), and
 * each survivor's search document built. Nothing here touches D1; which
 * survivors are already in the campaign or on a DNC list is decided by the
 * insert itself (store-contacts.ts), in the same transaction as the write.
 */
import type { CountryCode } from 'libphonenumber-js/max';
import { parseContactNumber } from '../phone/contact-number.ts';
import { MAX_INVALID_LISTED, type ContactIn, type CustomFields } from './contact-schemas.ts';
import { searchDocument, type SearchDocument } from './search-index.ts';

export interface PreparedContact {
  /** Position in the request. */
  index: number;
  e164: string;
  firstName: string | null;
  lastName: string | null;
  customFields: CustomFields | null;
  search: SearchDocument;
}

export interface InvalidPhone {
  index: number;
  phone: string;
  reason: string;
}

export interface PreparedUpload {
  contacts: PreparedContact[];
  duplicatesInRequest: number;
  invalidCount: number;
  /** The first MAX_INVALID_LISTED invalid numbers. */
  invalid: InvalidPhone[];
}

export function prepareUpload(input: readonly ContactIn[], defaultRegion: CountryCode | null): PreparedUpload {
  const contacts: PreparedContact[] = [];
  const seen = new Set<string>();
  const invalid: InvalidPhone[] = [];
  let invalidCount = 0;
  let duplicatesInRequest = 0;
  input.forEach((contact, index) => {
    const number = parseContactNumber(contact.phone, defaultRegion);
    if (!number.ok) {
      invalidCount++;
      if (invalid.length < MAX_INVALID_LISTED) invalid.push({ index, phone: contact.phone, reason: number.reason });
      return;
    }
    if (seen.has(number.e164)) {
      duplicatesInRequest++;
      return;
    }
    seen.add(number.e164);
    const firstName = contact.first_name || null;
    const lastName = contact.last_name || null;
    const customFields = contact.custom_fields && Object.keys(contact.custom_fields).length > 0 ? contact.custom_fields : null;
    contacts.push({
      index,
      e164: number.e164,
      firstName,
      lastName,
      customFields,
      search: searchDocument({ firstName, lastName, e164: number.e164, national: number.national, nationalDialled: number.nationalDialled, customFields }),
    });
  });
  return { contacts, duplicatesInRequest, invalidCount, invalid };
}
