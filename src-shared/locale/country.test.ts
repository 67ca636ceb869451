// What each country's profile decides, as Intl and the rules give it (issue 22).
import { describe, expect, it } from 'vitest';
import { DEFAULT_HOURS } from '../settings.js';
import { keywordOf } from '../sms/keywords.js';
import { countryProfile, dateOrder, formatMoneyIn, normalizePostcode, postcodeProblem, textingWindow, uses12HourClock } from './country.js';

const US = countryProfile(null);
const GB = countryProfile('GB');
const CA = countryProfile('CA');

describe('country profiles', () => {
  it('null and unknown values are the US', () => {
    expect(countryProfile(undefined).code).toBe('US');
    expect(countryProfile('FR').code).toBe('US');
  });

  it('date order, clock and money come from Intl for the locale', () => {
    expect([dateOrder(US), dateOrder(GB)]).toEqual(['MDY', 'DMY']);
    expect([uses12HourClock(US), uses12HourClock(GB)]).toEqual([true, false]);
    expect(formatMoneyIn(US, 123456)).toBe('$1,234.56');
    expect(formatMoneyIn(GB, 123456)).toBe('£1,234.56');
    expect(formatMoneyIn(CA, 123456)).toBe('$1,234.56');
    expect([US.paper, GB.paper, CA.paper]).toEqual(['letter', 'a4', 'letter']);
  });

  it('postcodes are checked and tidied per country', () => {
    expect(normalizePostcode(GB, 'sw1a1aa')).toBe('SW1A 1AA');
    expect(normalizePostcode(GB, 'M1 1AE')).toBe('M1 1AE');
    expect(normalizePostcode(US, '78701-1234')).toBe('78701-1234');
    expect(normalizePostcode(CA, 'k1a0b1')).toBe('K1A 0B1');
    expect(postcodeProblem(GB, '78701')).toBe('"78701" is not a UK postcode (for example SW1A 1AA).');
    expect(postcodeProblem(US, 'SW1A 1AA')).toBe('"SW1A 1AA" is not a US ZIP code (for example 78701).');
  });

  it('keywords: CANCEL and HELP are keywords in the US, ordinary words in the UK', () => {
    expect(keywordOf(' cancel ', US.sms.keywords)).toBe('stop');
    expect(keywordOf('Cancel', GB.sms.keywords)).toBeNull();
    expect(keywordOf('help', US.sms.keywords)).toBe('help');
    expect(keywordOf('help', GB.sms.keywords)).toBeNull();
    expect(keywordOf('Stop', GB.sms.keywords)).toBe('stop');
    expect(keywordOf('start', GB.sms.keywords)).toBe('start');
  });

  it("the UK window is the shop's hours in its zone; the US one 08–21 in the customer's", () => {
    const shop = { timeZone: 'Europe/London', hours: DEFAULT_HOURS };
    // Friday 4 Dec 2026 18:00 London: closed; the weekend is closed too, so Monday 08:00.
    expect(textingWindow(GB, shop, null, new Date('2026-12-04T18:00:00Z')).opens?.toISOString()).toBe('2026-12-07T08:00:00.000Z');
    expect(textingWindow(GB, shop, null, new Date('2026-12-04T10:00:00Z')).opens).toBeNull();
    // The shop's own texting hours win over opening hours, even outside 08–21.
    expect(textingWindow(GB, { ...shop, smsWindowStart: '07:30', smsWindowEnd: '18:30' }, null, new Date('2026-12-04T07:45:00Z')).opens).toBeNull();
    // A US customer at 18:00 in Chicago may get a text; at 22:00 it waits for 08:00.
    const us = { timeZone: 'America/Chicago', hours: DEFAULT_HOURS };
    expect(textingWindow(US, us, null, new Date('2026-12-05T00:00:00Z')).opens).toBeNull();
    expect(textingWindow(US, us, 'America/New_York', new Date('2026-12-05T03:00:00Z')).opens?.toISOString()).toBe('2026-12-05T13:00:00.000Z');
  });
});
