// Phone numbers as typed at the desk or on the portal, read with libphonenumber-js in the shop's
// country and kept as E.164 so texts, search and the relay's matching agree on one form.
//
// The `max` metadata is used on purpose: only it knows which ranges are mobile and which are
// landline (the `min` set knows lengths and formats, not types). Its cost in the renderer's
// bundle is written down in ARCHITECTURE.md, "Countries and phone numbers".
import { type CountryCode, getCountryCallingCode, isValidPhoneNumber, type NumberType, type PhoneNumber, parsePhoneNumberWithError, ParseError, validatePhoneNumberLength } from 'libphonenumber-js/max';

/** The countries a shop can be in (workspace_settings.country; null means 'US'). */
export type ShopCountry = 'US' | 'GB' | 'CA';

/** What the metadata says a number can do: texts reach 'mobile' and (in North America) 'either'. */
export type MobileKind = 'mobile' | 'landline' | 'either' | 'unknown';

export interface PhoneNumberRead {
  ok: true;
  e164: string;
  kind: MobileKind;
  /** "07400 123456" for a number of the shop's own country, "+44 7400 123456" otherwise. */
  display: string;
  /** A sentence when texts cannot reach this number ("… is a landline: it cannot receive texts."); null otherwise. */
  noTexts: string | null;
}

export interface PhoneNumberProblem {
  ok: false;
  /** The sentence for the person who typed it, naming what is wrong. */
  problem: string;
}

const COUNTRY_WORD: Record<ShopCountry, string> = { US: 'US', GB: 'UK', CA: 'Canadian' };
const LENGTH_HINT: Record<ShopCountry, string> = {
  US: 'a US number has 10 digits with its area code',
  GB: 'a UK number has 11 digits starting with 0, such as 07400 123456',
  CA: 'a Canadian number has 10 digits with its area code',
};

const LANDLINE_TYPES: Partial<Record<NumberType & string, string>> = {
  FIXED_LINE: 'a landline',
  TOLL_FREE: 'a toll-free number',
  PREMIUM_RATE: 'a premium-rate number',
  SHARED_COST: 'a shared-cost number',
  UAN: 'a business line',
  VOICEMAIL: 'a voicemail number',
};

export function shopCountry(value: string | null | undefined): ShopCountry {
  return value === 'GB' || value === 'CA' ? value : 'US';
}

function kindOf(type: NumberType): MobileKind {
  if (type === 'MOBILE') return 'mobile';
  if (type === 'FIXED_LINE_OR_MOBILE') return 'either';
  if (type && LANDLINE_TYPES[type]) return 'landline';
  return 'unknown';
}

/** Reads what a person typed; `00` before a country code counts as `+` in every shop's country. */
function read(input: string, country: ShopCountry): PhoneNumber {
  const compact = input.trim().replace(/[\s().-]/g, '');
  return parsePhoneNumberWithError(/^00[1-9]/.test(compact) ? `+${compact.slice(2)}` : input.trim(), country);
}

/** Reads a typed number in the shop's country: E.164, the mobile/landline answer, or what is wrong with it. */
export function parsePhone(input: string, country: ShopCountry = 'US'): PhoneNumberRead | PhoneNumberProblem {
  const typed = input.trim();
  const where = COUNTRY_WORD[country];
  if (typed === '') return { ok: false, problem: 'No phone number was given.' };
  let parsed: PhoneNumber;
  try {
    parsed = read(typed, country);
  } catch (err) {
    const code = err instanceof ParseError ? err.message : '';
    if (code === 'TOO_SHORT') return { ok: false, problem: `"${typed}" is too short to be a phone number (${LENGTH_HINT[country]}).` };
    if (code === 'TOO_LONG') return { ok: false, problem: `"${typed}" is too long to be a phone number.` };
    if (code === 'INVALID_COUNTRY') return { ok: false, problem: `"${typed}" starts with a country code no country has.` };
    return { ok: false, problem: `"${typed}" is not a phone number: it needs digits, such as ${country === 'GB' ? '07400 123456' : '(512) 555-0134'}.` };
  }
  const own = parsed.countryCallingCode === getCountryCallingCode(country);
  if (!parsed.isPossible()) {
    const length = validatePhoneNumberLength(parsed.number);
    const size = length === 'TOO_SHORT' ? 'too short' : length === 'TOO_LONG' ? 'too long' : 'the wrong length';
    if (own) return { ok: false, problem: `"${typed}" is ${size} for a ${where} phone number (${LENGTH_HINT[country]}). For another country's number, start with + and its country code.` };
    return { ok: false, problem: `"${typed}" has the wrong number of digits for a number in +${parsed.countryCallingCode}.` };
  }
  if (!parsed.isValid()) {
    // A digit missing or one too many reads better than "no such range".
    if (own && [...'0123456789'].some((d) => isValidPhoneNumber(`${parsed.number}${d}`))) {
      return { ok: false, problem: `"${typed}" is too short for a ${where} phone number (${LENGTH_HINT[country]}).` };
    }
    if (own && isValidPhoneNumber(parsed.number.slice(0, -1))) {
      return { ok: false, problem: `"${typed}" is too long for a ${where} phone number (${LENGTH_HINT[country]}).` };
    }
    return {
      ok: false,
      problem: own
        ? `"${typed}" cannot be a ${where} phone number: no ${where} number starts ${country === 'GB' ? 'with those digits' : 'with that area code'}.`
        : `"${typed}" cannot be a phone number in +${parsed.countryCallingCode}: no number there starts with those digits.`,
    };
  }
  const type = parsed.getType();
  const kind = kindOf(type);
  const display = own ? parsed.formatNational() : parsed.formatInternational();
  const landlineWord = type ? LANDLINE_TYPES[type] : undefined;
  const noTexts = kind === 'landline' ? `${display} is ${landlineWord ?? 'a landline'}: it cannot receive texts.` : null;
  return { ok: true, e164: parsed.number, kind, display, noTexts };
}

/**
 * E.164 for a number of the right length for its country, else null. Lenient on purpose: it is
 * also used on numbers already stored or sent by Telnyx, where a range too new for the metadata
 * must still match and still be texted. Typed input is checked with `parsePhone`.
 */
export function normalizePhone(input: string, country: ShopCountry = 'US'): string | null {
  if (!input || input.trim() === '') return null;
  try {
    const parsed = read(input, country);
    return parsed.isPossible() ? parsed.number : null;
  } catch {
    return null;
  }
}

/** The mobile/landline answer for a stored E.164 number ('unknown' when the metadata cannot tell). */
export function mobileKindOf(e164: string | null | undefined): MobileKind | null {
  if (!e164) return null;
  try {
    const parsed = parsePhoneNumberWithError(e164);
    return parsed.isValid() ? kindOf(parsed.getType()) : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The forms a person may type when looking a number up: full international digits, national digits (with the trunk 0 in the UK), last seven, last four. */
export function phoneSearchForms(e164: string): string[] {
  const digits = e164.replace(/\D/g, '');
  const forms = new Set<string>([digits]);
  try {
    const parsed = parsePhoneNumberWithError(e164);
    forms.add(parsed.nationalNumber);
    if (parsed.countryCallingCode === '44') forms.add(`0${parsed.nationalNumber}`);
  } catch {
    if (digits.startsWith('1') && digits.length === 11) forms.add(digits.slice(1));
  }
  if (digits.length > 7) forms.add(digits.slice(-7));
  if (digits.length > 4) forms.add(digits.slice(-4));
  return [...forms];
}

/** National format for a number of the shop's own country ("(512) 555-0134", "07400 123456"), international for others; what was stored when it cannot be read. */
export function formatPhone(e164: string | null | undefined, country: ShopCountry = 'US'): string {
  if (!e164) return '';
  try {
    const parsed = parsePhoneNumberWithError(e164, country);
    if (!parsed.isPossible()) return e164;
    return parsed.countryCallingCode === getCountryCallingCode(country) ? parsed.formatNational() : parsed.formatInternational();
  } catch {
    return e164;
  }
}

export type { CountryCode };
