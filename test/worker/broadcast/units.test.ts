// The pure pieces of acceptance, without HTTP: phone parsing, bucketing,
// batching legs for the session, and the order validation issues are listed in.
import { describe, expect, it } from 'vitest';
import { parseE164 } from '../../../worker/src/phone/e164.ts';
import { isDialableCountry } from '../../../worker/src/phone/countries.ts';
import { bucketRecipients } from '../../../worker/src/broadcast/recipient-buckets.ts';
import { batchesOf, legSizeEstimate } from '../../../worker/src/broadcast/leg-batches.ts';
import { validateBroadcastRequest } from '../../../worker/src/broadcast/validate-request.ts';

describe('parseE164', () => {
  it.each([
    ['918088394833', '+918088394833', 'IN'],
    ['+918088394833', '+918088394833', 'IN'],
    ['12012774877', '+12012774877', 'US'],
    ['14165550123', '+14165550123', 'CA'],
    ['447400123456', '+447400123456', 'GB'],
    ['447911123456', '+447911123456', 'GG'], // +44 7911 is Guernsey's range: shared codes resolve by number
    ['80012345678', '+80012345678', null], // international freephone: no country
    ['971501234567', '+971501234567', 'AE'],
  ])('%s → %s (%s)', (input, e164, country) => {
    expect(parseE164(input)).toEqual({ ok: true, e164, country });
  });

  it('refuses anything but digits with an optional leading +', () => {
    for (const input of ['', '+', 'abc', '+91 8088394833', '(201) 277-4877', '0918088394833', '918088394833\n', '٩١٨٠٨٨٣٩٤٨٣٣']) {
      expect(parseE164(input).ok, JSON.stringify(input)).toBe(false);
    }
  });
});

describe('isDialableCountry', () => {
  it('knows ISO codes with numbering plans and nothing else', () => {
    expect(['AE', 'IN', 'US', 'GB', 'CA'].every(isDialableCountry)).toBe(true);
    expect(['ae', 'XX', 'UAE', '', 'ZZ'].some(isDialableCountry)).toBe(false);
  });
});

describe('bucketRecipients', () => {
  const ae = { e164: '+971501234567', country: 'AE' };
  const us = { e164: '+12012774877', country: 'US' };
  const intl = { e164: '+80012345678', country: null };
  it('DNC before country, null allows all, non-geographic numbers are in no allowed country', () => {
    expect(bucketRecipients([ae, us, intl], new Set(['+12012774877']), null)).toEqual({ initiated: [0, 2], blacklisted: [1], countryNotAllowed: [] });
    expect(bucketRecipients([ae, us, intl], new Set(['+12012774877']), new Set(['AE']))).toEqual({ initiated: [0], blacklisted: [1], countryNotAllowed: [2] });
    expect(bucketRecipients([ae], new Set(), new Set())).toEqual({ initiated: [], blacklisted: [], countryNotAllowed: [0] });
  });
});

describe('batchesOf', () => {
  it('cuts at the count limit', () => {
    expect([...batchesOf([1, 2, 3, 4, 5], () => 1, 2, 100)]).toEqual([[1, 2], [3, 4], [5]]);
  });
  it('cuts at the size limit, and never leaves an oversized item out', () => {
    expect([...batchesOf([5, 5, 5, 50, 1], (n) => n, 100, 10)]).toEqual([[5, 5], [5], [50], [1]]);
  });
  it('yields nothing for nothing', () => {
    expect([...batchesOf([], () => 1)]).toEqual([]);
  });
  it('estimates a leg from its strings', () => {
    const small = legSizeEstimate({ to: '918088394833', play: { type: 'url', url: 'https://e.com/a', prompt_ref: 'p' } });
    const big = legSizeEstimate({ to: '918088394833', play: { type: 'ssml', ssml: 'x'.repeat(20_000), prompt_ref: 'p' } });
    expect(big - small).toBeGreaterThan(19_000);
  });
});

describe('validateBroadcastRequest', () => {
  it('returns parsed phones aligned with the recipients', () => {
    const play = { type: 'url', url: 'https://e.com/a.mp3', prompt_ref: 'p' };
    const result = validateBroadcastRequest({
      name: 'n', owner_ref: 'o', from: '12012774877', event_url: 'https://e.com/e', call_handler_url: 'https://e.com/e',
      recipients: [{ to: '+918088394833', play }, { to: '971501234567', play: { ...play, junk: 1 } }],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.phones).toEqual([{ e164: '+918088394833', country: 'IN' }, { e164: '+971501234567', country: 'AE' }]);
    expect(result.value.request.recipients[1]!.play).toEqual(play); // unknown play fields do not reach the session
    expect(result.value.request).toMatchObject({ answering_machine_detection: false, idle_timeout: 30, max_call_duration: 3600, ring_timeout: 30 });
  });
});
