// The pure parts of the campaign area, tested without HTTP: reading contact
// numbers, the time zone → country table, search normalisation and query
// building, the start/pause table, the abandon rate.
import { describe, expect, it } from 'vitest';
import { parseContactNumber } from '../../../../worker/src/phone/contact-number.ts';
import { countryOfTimeZone } from '../../../../worker/src/time/zone-country.ts';
import { normaliseSearchText, searchWords } from '../../../../worker/src/contacts/search-text.ts';
import { matchExpression } from '../../../../worker/src/contacts/search-query.ts';
import { searchDocument } from '../../../../worker/src/contacts/search-index.ts';
import { prepareUpload } from '../../../../worker/src/contacts/prepare-upload.ts';
import { pauseTransition, startTransition } from '../../../../worker/src/campaigns/campaign-transitions.ts';
import { abandonRate } from '../../../../worker/src/campaigns/campaign-counters.ts';

describe('parseContactNumber', () => {
  it.each([
    ['050 1234567', 'AE', '+971501234567', '501234567', '0501234567'],
    ['(04) 456-1234', 'AE', '+97144561234', '44561234', '044561234'],
    ['00971501234567', 'AE', '+971501234567', '501234567', '0501234567'],
    ['0551234567', 'SA', '+966551234567', '551234567', '0551234567'],
    ['01001234567', 'EG', '+201001234567', '1001234567', '01001234567'],
    ['07 9123 4567', 'JO', '+962791234567', '791234567', '0791234567'],
    ['(201) 555-0123', 'US', '+12015550123', '2015550123', '2015550123'],
    ['+44 20 7946 0958', 'AE', '+442079460958', '2079460958', '02079460958'],
    ['971501234567', null, '+971501234567', '501234567', '0501234567'],
    ['00971501234567', null, '+971501234567', '501234567', '0501234567'],
  ] as const)('%s in %s → %s', (input, region, e164, national, dialled) => {
    expect(parseContactNumber(input, region)).toEqual({ ok: true, e164, country: expect.any(String), national, nationalDialled: dialled });
  });

  it.each([
    ['', 'AE', 'is empty'],
    ['   ', 'AE', 'is empty'],
    ['050 1234567', null, 'has no country code and there is no default region (give default_region, or write the number in E.164 with +)'],
    ['hello', 'AE', 'is not a phone number'],
    ['Tel: 0501234567', 'AE', 'is not a phone number'],
    ['0501234567 ext. 3', 'AE', 'has an extension, which cannot be dialled'],
    ['0123', 'AE', 'is not a valid AE number'],
    ['+971123', 'AE', 'is not a valid AE number'],
  ] as const)('%j in %s is refused: %s', (input, region, reason) => {
    expect(parseContactNumber(input, region)).toEqual({ ok: false, reason });
  });
});

describe('countryOfTimeZone', () => {
  it('knows zone.tab zones, backward aliases, any case; none for zones of no country', () => {
    expect(countryOfTimeZone('Asia/Dubai')).toBe('AE');
    expect(countryOfTimeZone('asia/riyadh')).toBe('SA');
    expect(countryOfTimeZone('Africa/Cairo')).toBe('EG');
    expect(countryOfTimeZone('Asia/Amman')).toBe('JO');
    expect(countryOfTimeZone('Asia/Kuwait')).toBe('KW');
    expect(countryOfTimeZone('Asia/Calcutta')).toBe('IN');
    expect(countryOfTimeZone('Egypt')).toBe('EG');
    expect(countryOfTimeZone('US/Eastern')).toBe('US');
    expect(countryOfTimeZone('UTC')).toBeNull();
    expect(countryOfTimeZone('Etc/GMT+4')).toBeNull();
    expect(countryOfTimeZone('Mars/Olympus')).toBeNull();
  });
});

describe('search text and queries', () => {
  it('folds Arabic spelling variants and digits of any script', () => {
    expect(normaliseSearchText('أَحْمَد')).toBe('احمد');
    expect(normaliseSearchText('إسلام آمنة مصطفى')).toBe('اسلام امنه مصطفي');
    expect(normaliseSearchText('محـــمد')).toBe('محمد');
    expect(normaliseSearchText('٠٥٠ ۱۲۳')).toBe('050 123');
    expect(searchWords(' Ahmad  "Al-Rashid" (x)')).toEqual(['Ahmad', 'Al', 'Rashid', 'x']);
  });

  it('quotes every word and prefixes the last; syntax characters are separators', () => {
    expect(matchExpression('Ahmad Al Ra')).toBe('"Ahmad" "Al" "Ra"*');
    expect(matchExpression('ahmad OR NEAR(sara)')).toBe('"ahmad" "OR" "NEAR" "sara"*');
    expect(matchExpression('a"b*c:d^e')).toBe('"a" "b" "c" "d" "e"*');
    expect(matchExpression('!!!')).toBeNull();
    expect(matchExpression('   ')).toBeNull();
  });

  it('matches phone-like text as one run of digits against the phone column, 00 also as +', () => {
    expect(matchExpression('050 123 4567')).toBe('phone : ("0501234567"*) OR ("050" "123" "4567"*)');
    expect(matchExpression('+971501234567')).toBe('phone : ("971501234567"*) OR "971501234567"*');
    expect(matchExpression('00971 50')).toBe('phone : ("0097150"* OR "97150"*) OR ("00971" "50"*)');
    expect(matchExpression('٠٥٠١٢٣')).toBe('phone : ("050123"*) OR "050123"*');
  });

  it('indexes a contact under its name, every phone form and its custom values', () => {
    expect(
      searchDocument({ firstName: 'أَحْمَد', lastName: null, e164: '+971501234567', national: '501234567', nationalDialled: '0501234567', customFields: { a: 'ACC-1', b: 42, c: true, d: null } }),
    ).toEqual({ name: 'احمد', phone: '971501234567 501234567 0501234567', custom: 'ACC-1 42' });
    expect(searchDocument({ firstName: null, lastName: null, e164: '+12015550123', national: '2015550123', nationalDialled: '2015550123', customFields: null })).toEqual({
      name: '',
      phone: '12015550123 2015550123',
      custom: '',
    });
  });
});

describe('prepareUpload', () => {
  it('keeps the first of repeated numbers, sets invalid ones aside by index, lists 100 at most', () => {
    const r = prepareUpload([{ phone: '0501234567', first_name: 'A' }, { phone: 'x' }, { phone: '+971501234567', first_name: 'B' }, { phone: '', first_name: '' }], 'AE');
    expect(r.contacts.map((c) => [c.index, c.e164, c.firstName])).toEqual([[0, '+971501234567', 'A']]);
    expect(r).toMatchObject({ duplicatesInRequest: 1, invalidCount: 2, invalid: [{ index: 1, phone: 'x' }, { index: 3, phone: '' }] });
    const many = prepareUpload(Array.from({ length: 250 }, () => ({ phone: 'x' })), 'AE');
    expect(many.invalidCount).toBe(250);
    expect(many.invalid).toHaveLength(100);
  });

  it('stores empty names and empty custom fields as absent', () => {
    const [c] = prepareUpload([{ phone: '+971501234567', first_name: '', last_name: 'Z', custom_fields: {} }], null).contacts;
    expect(c).toMatchObject({ firstName: null, lastName: 'Z', customFields: null });
  });
});

describe('start and pause transitions', () => {
  it('follows the table', () => {
    expect(startTransition('draft')).toEqual({ kind: 'change', to: 'active' });
    expect(startTransition('paused')).toEqual({ kind: 'change', to: 'active' });
    expect(startTransition('active')).toEqual({ kind: 'unchanged' });
    expect(startTransition('completed')).toMatchObject({ kind: 'refused', problem: { init: { status: 409, slug: 'campaign-completed' } } });
    expect(pauseTransition('active')).toEqual({ kind: 'change', to: 'paused' });
    expect(pauseTransition('paused')).toEqual({ kind: 'unchanged' });
    expect(pauseTransition('draft')).toMatchObject({ kind: 'refused', problem: { init: { status: 409, slug: 'campaign-not-active' } } });
    expect(pauseTransition('completed')).toMatchObject({ kind: 'refused', problem: { init: { status: 409, slug: 'campaign-completed' } } });
  });

  it('abandon rate is a one-decimal percentage, 0 before any answer', () => {
    expect(abandonRate(0, 0)).toBe(0);
    expect(abandonRate(2, 7)).toBe(28.6);
    expect(abandonRate(21, 1000)).toBe(2.1);
    expect(abandonRate(1, 3)).toBe(33.3);
  });
});
