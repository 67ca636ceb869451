// Phone numbers as people type them in US, UK and Canadian shops: the E.164 form stored, the
// mobile/landline answer, how the desk shows it, and the sentence for an impossible one.
import { describe, expect, it } from 'vitest';
import { formatPhone, mobileKindOf, normalizePhone, parsePhone, phoneSearchForms, type ShopCountry } from './phone.js';

const TYPED: Array<[ShopCountry, string, string, 'mobile' | 'landline' | 'either']> = [
  // A US shop: ten digits in every punctuation, with and without the 1.
  ['US', '(512) 555-0134', '+15125550134', 'either'],
  ['US', '512.555.0134', '+15125550134', 'either'],
  ['US', '512 555 0134', '+15125550134', 'either'],
  ['US', '5125550134', '+15125550134', 'either'],
  ['US', '1-512-555-0134', '+15125550134', 'either'],
  ['US', '+1 (512) 555-0134', '+15125550134', 'either'],
  ['US', '1-800-555-0199', '+18005550199', 'landline'],
  ['US', '800.555.0199', '+18005550199', 'landline'],
  // A UK customer's number typed at a US shop: only the international forms can say so.
  ['US', '+44 7400 123456', '+447400123456', 'mobile'],
  ['US', '0044 7400 123456', '+447400123456', 'mobile'],
  ['US', '011 44 7400 123456', '+447400123456', 'mobile'],
  ['US', '+44 (0)20 7946 0018', '+442079460018', 'landline'],
  // A UK shop: 07… mobiles, 0… landlines, and the international ways of writing both.
  ['GB', '07400 123456', '+447400123456', 'mobile'],
  ['GB', '07400123456', '+447400123456', 'mobile'],
  ['GB', '07400-123-456', '+447400123456', 'mobile'],
  ['GB', '+44 7400 123456', '+447400123456', 'mobile'],
  ['GB', '+44 (0)7400 123456', '+447400123456', 'mobile'],
  ['GB', '+44 (0) 7400 123 456', '+447400123456', 'mobile'],
  ['GB', '0044 7400 123456', '+447400123456', 'mobile'],
  ['GB', '0044 (0)7400 123456', '+447400123456', 'mobile'],
  ['GB', '(07400) 123456', '+447400123456', 'mobile'],
  ['GB', '07400.123.456', '+447400123456', 'mobile'],
  ['GB', '020 7946 0018', '+442079460018', 'landline'],
  ['GB', '(020) 7946 0018', '+442079460018', 'landline'],
  ['GB', '+44 (0)20 7946 0018', '+442079460018', 'landline'],
  ['GB', '0161 496 0000', '+441614960000', 'landline'],
  ['GB', '0800 123 4567', '+448001234567', 'landline'],
  ['GB', '+1 512 555 0134', '+15125550134', 'either'],
  // A Canadian shop: North American numbers, with its own area codes.
  ['CA', '(416) 555-0123', '+14165550123', 'either'],
  ['CA', '604.555.0123', '+16045550123', 'either'],
  ['CA', '1 514 555 0188', '+15145550188', 'either'],
  ['CA', '1-800-555-0199', '+18005550199', 'landline'],
  ['CA', '+44 7400 123456', '+447400123456', 'mobile'],
];

describe('phone numbers typed in US, UK and Canadian shops', () => {
  it.each(TYPED)('%s shop: "%s" is %s (%s)', (country, typed, e164, kind) => {
    const read = parsePhone(typed, country);
    expect(read).toMatchObject({ ok: true, e164, kind });
    expect(normalizePhone(typed, country)).toBe(e164);
    expect(mobileKindOf(e164)).toBe(kind);
  });

  it('a landline says it cannot receive texts; a mobile says nothing', () => {
    expect(parsePhone('020 7946 0018', 'GB')).toMatchObject({ noTexts: '020 7946 0018 is a landline: it cannot receive texts.' });
    expect(parsePhone('1-800-555-0199', 'US')).toMatchObject({ noTexts: '(800) 555-0199 is a toll-free number: it cannot receive texts.' });
    expect(parsePhone('07400 123456', 'GB')).toMatchObject({ noTexts: null });
    expect(parsePhone('(512) 555-0134', 'US')).toMatchObject({ noTexts: null });
  });

  it('shows the shop’s own numbers in national form and others internationally', () => {
    expect(formatPhone('+447400123456', 'GB')).toBe('07400 123456');
    expect(formatPhone('+442079460018', 'GB')).toBe('020 7946 0018');
    expect(formatPhone('+15125550134', 'GB')).toBe('+1 512 555 0134');
    expect(formatPhone('+15125550134', 'US')).toBe('(512) 555-0134');
    expect(formatPhone('+14165550123', 'CA')).toBe('(416) 555-0123');
    expect(formatPhone('+447400123456', 'US')).toBe('+44 7400 123456');
    expect(formatPhone('+15125550134')).toBe('(512) 555-0134');
    expect(formatPhone('not stored right')).toBe('not stored right');
  });

  it('search finds a UK number by the way a person in the UK types it', () => {
    expect(phoneSearchForms('+447400123456')).toEqual(expect.arrayContaining(['447400123456', '7400123456', '07400123456', '0123456', '3456']));
    expect(phoneSearchForms('+15125550134')).toEqual(expect.arrayContaining(['15125550134', '5125550134', '5550134', '0134']));
  });
});

describe('impossible numbers are refused with the problem named', () => {
  const REFUSED: Array<[ShopCountry, string, RegExp]> = [
    ['US', '555-01', /^"555-01" is too short for a US phone number \(a US number has 10 digits with its area code\)/],
    ['US', '12', /^"12" is too short for a US phone number \(a US number has 10 digits with its area code\)/],
    ['US', '512 555 01345', /^"512 555 01345" is too long for a US phone number/],
    ['US', '07400 123456', /^"07400 123456" is too long for a US phone number .*For another country's number, start with \+ and its country code\.$/],
    ['US', '(999) 555-0100', /^"\(999\) 555-0100" cannot be a US phone number: no US number starts with that area code\.$/],
    ['GB', '07400 12345', /^"07400 12345" is too short for a UK phone number \(a UK number has 11 digits starting with 0, such as 07400 123456\)/],
    ['GB', '07400 1234567', /^"07400 1234567" is too long for a UK phone number/],
    ['GB', '+44 7400 12345678', /too long for a UK phone number/],
    ['CA', '416 555 012', /^"416 555 012" is too short for a Canadian phone number/],
    ['US', 'call me maybe', /^"call me maybe" is not a phone number: it needs digits/],
    ['GB', 'none', /^"none" is not a phone number: it needs digits, such as 07400 123456\.$/],
    ['US', '   ', /^No phone number was given\.$/],
  ];
  it.each(REFUSED)('%s shop: "%s"', (country, typed, problem) => {
    const read = parsePhone(typed, country);
    expect(read.ok).toBe(false);
    expect(read.ok ? '' : read.problem).toMatch(problem);
  });

  it('normalizePhone keeps a stored number of the right length even in a range the metadata does not know', () => {
    expect(normalizePhone('+15555550123')).toBe('+15555550123');
    expect(normalizePhone('555-01')).toBeNull();
    expect(normalizePhone('')).toBeNull();
  });
});
