// The shop's country (workspace_settings.country; null = 'US'): what changes between a US, a UK
// and a Canadian shop for staff screens, paper, postcodes, phone numbers and the texting rules.
// Dates, times and money are always formatted by Intl with the profile's locale tag, never by hand.
import { type ShopCountry, shopCountry } from '../phone.js';
import type { OpeningHours } from '../domain.js';
import { type KeywordSet, US_KEYWORDS } from '../sms/keywords.js';
import { localParts, minutes, nextSendTime, sendWindow, type SendWindow, zonedInstant } from '../sms/quiet-hours.js';

export type { ShopCountry };

export interface SmsRules {
  keywords: KeywordSet;
  /**
   * 'customer-day': automated texts only 08:00–21:00 in the customer's own zone (narrowed by the
   * shop's texting hours). 'shop-hours': the shop's own texting hours, else its opening hours, in
   * the shop's zone.
   */
  window: 'customer-day' | 'shop-hours';
  /** US carriers block A2P texts from a 10-digit number without an active 10DLC campaign. */
  tenDlc: boolean;
  /** How the rules are named to staff. */
  summary: string;
}

export interface CountryProfile {
  code: ShopCountry;
  name: string;
  /** The locale tag for the desk's staff screens and printed staff documents. */
  locale: 'en-US' | 'en-GB' | 'en-CA';
  currency: 'USD' | 'GBP' | 'CAD';
  /** The paper a full-page document prints on unless the PC chose otherwise. */
  paper: 'letter' | 'a4';
  phoneRegion: ShopCountry;
  postcode: { label: string; example: string; pattern: RegExp };
  sms: SmsRules;
  /** The IANA zones a shop in the country is in, the usual one first (offered when the country is chosen). */
  timeZones: readonly string[];
}

const US_SMS: SmsRules = {
  keywords: US_KEYWORDS,
  window: 'customer-day',
  tenDlc: true,
  summary: 'US rules: STOP, UNSUBSCRIBE, CANCEL, END, QUIT, STOPALL, REVOKE and OPTOUT stop texts, HELP and INFO get an answer, START restarts; automated texts only 8 am–9 pm in the customer’s time; the number needs 10DLC registration.',
};

/** UK: STOP (and its plain synonyms) stops texts; "cancel", "end" or "help" are ordinary words for the shop to read. */
const UK_SMS: SmsRules = {
  keywords: { stop: ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'OPT OUT', 'OPTOUT'], start: ['START'], help: [] },
  window: 'shop-hours',
  tenDlc: false,
  summary: 'UK rules: STOP (or UNSUBSCRIBE) stops texts and START restarts; other words reach the shop; automated texts go only in the shop’s own hours; no 10DLC.',
};

export const COUNTRIES: Record<ShopCountry, CountryProfile> = {
  US: {
    code: 'US',
    name: 'United States',
    locale: 'en-US',
    currency: 'USD',
    paper: 'letter',
    phoneRegion: 'US',
    postcode: { label: 'ZIP code', example: '78701', pattern: /^\d{5}(-\d{4})?$/ },
    sms: US_SMS,
    timeZones: ['America/Chicago', 'America/New_York', 'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Anchorage', 'Pacific/Honolulu'],
  },
  GB: {
    code: 'GB',
    name: 'United Kingdom',
    locale: 'en-GB',
    currency: 'GBP',
    paper: 'a4',
    phoneRegion: 'GB',
    postcode: { label: 'Postcode', example: 'SW1A 1AA', pattern: /^(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})$/ },
    sms: UK_SMS,
    timeZones: ['Europe/London'],
  },
  CA: {
    code: 'CA',
    name: 'Canada',
    locale: 'en-CA',
    currency: 'CAD',
    paper: 'letter',
    phoneRegion: 'CA',
    postcode: { label: 'Postal code', example: 'K1A 0B1', pattern: /^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$/ },
    sms: { ...US_SMS, tenDlc: false, summary: 'Canadian rules: the same keywords and 8 am–9 pm customer hours as the US; no 10DLC.' },
    timeZones: ['America/Toronto', 'America/Vancouver', 'America/Edmonton', 'America/Winnipeg', 'America/Regina', 'America/Halifax', 'America/St_Johns'],
  },
};

export const COUNTRY_CODES = Object.keys(COUNTRIES) as ShopCountry[];

/** The profile for a stored workspace_settings.country (null or anything unknown: the US). */
export function countryProfile(country: string | null | undefined): CountryProfile {
  return COUNTRIES[shopCountry(country)];
}

// ---- dates, times, money (Intl with the profile's locale) -------------------------------------

/** 'DMY', 'MDY' or 'YMD': the order Intl writes a numeric date in for this country. */
export function dateOrder(profile: CountryProfile): 'DMY' | 'MDY' | 'YMD' {
  const parts = new Intl.DateTimeFormat(profile.locale, { year: 'numeric', month: 'numeric', day: 'numeric', timeZone: 'UTC' }).formatToParts(new Date(Date.UTC(2026, 10, 23)));
  const order = parts.filter((p) => p.type === 'day' || p.type === 'month' || p.type === 'year').map((p) => p.type[0]!.toUpperCase()).join('');
  return order === 'DMY' || order === 'YMD' ? order : 'MDY';
}

/** True where the country's clock reads 1 pm rather than 13:00 (as Intl decides for its locale). */
export function uses12HourClock(profile: CountryProfile): boolean {
  const cycle = new Intl.DateTimeFormat(profile.locale, { hour: 'numeric' }).resolvedOptions().hourCycle;
  return cycle === 'h12' || cycle === 'h11';
}

export function formatMoneyIn(profile: CountryProfile, cents: number): string {
  return new Intl.NumberFormat(profile.locale, { style: 'currency', currency: profile.currency }).format(cents / 100);
}

/** "SW1A1AA" → "SW1A 1AA", "78701" → "78701"; null when it is not a postcode of the country. */
export function normalizePostcode(profile: CountryProfile, input: string): string | null {
  const compact = input.trim().toUpperCase().replace(/\s+/g, '');
  if (profile.code === 'US') return profile.postcode.pattern.test(compact) ? compact : null;
  const spaced = compact.length > 3 ? `${compact.slice(0, -3)} ${compact.slice(-3)}` : compact;
  return profile.postcode.pattern.test(spaced) ? spaced : null;
}

export function postcodeProblem(profile: CountryProfile, input: string): string | null {
  const where = profile.code === 'US' ? 'US' : profile.code === 'GB' ? 'UK' : 'Canadian';
  const label = profile.code === 'US' ? profile.postcode.label : profile.postcode.label.toLowerCase();
  return normalizePostcode(profile, input) ? null : `"${input.trim()}" is not a ${where} ${label} (for example ${profile.postcode.example}).`;
}

// ---- when an automated text may go -----------------------------------------------------------

export interface TextingShop {
  timeZone: string;
  smsWindowStart?: string | null;
  smsWindowEnd?: string | null;
  hours: OpeningHours;
}

export interface TextingWindow {
  /** The zone the window is read in: the customer's (US, Canada) or the shop's (UK). */
  zone: string;
  /** Null when a text may go now; else the instant the window next opens. */
  opens: Date | null;
  /** "08:00–21:00 in the customer's time", "the shop's hours (Mon 08:00–17:30)". */
  describe: string;
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The shop's own texting window for one weekday: its set texting hours, else that day's opening hours; null when closed. */
function shopWindowOn(shop: TextingShop, weekday: number): SendWindow | null {
  if (shop.smsWindowStart && shop.smsWindowEnd && HHMM.test(shop.smsWindowStart) && HHMM.test(shop.smsWindowEnd) && shop.smsWindowStart < shop.smsWindowEnd) {
    return { start: shop.smsWindowStart, end: shop.smsWindowEnd };
  }
  const day = shop.hours[WEEKDAYS[weekday]!];
  if (!day || !HHMM.test(day.open) || !HHMM.test(day.close) || day.open >= day.close) return null;
  return { start: day.open, end: day.close };
}

/** When an automated text may go under the country's rules, for a customer in `customerZone` (or the shop's zone). */
export function textingWindow(profile: CountryProfile, shop: TextingShop, customerZone: string | null, now: Date): TextingWindow {
  if (profile.sms.window === 'customer-day') {
    const zone = customerZone ?? shop.timeZone;
    const window = sendWindow(shop.smsWindowStart, shop.smsWindowEnd);
    return { zone, opens: nextSendTime(now, zone, window), describe: `${window.start}–${window.end} in the customer's time` };
  }
  const zone = shop.timeZone;
  const local = localParts(now, zone);
  for (let offset = 0; offset < 8; offset++) {
    const day = new Date(Date.UTC(local.year, local.month - 1, local.day + offset));
    const window = shopWindowOn(shop, day.getUTCDay());
    if (!window) continue;
    if (offset === 0 && local.minutes >= minutes(window.start) && local.minutes < minutes(window.end)) {
      return { zone, opens: null, describe: `the shop's hours today (${window.start}–${window.end})` };
    }
    if (offset === 0 && local.minutes >= minutes(window.start)) continue;
    const opens = zonedInstant(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), minutes(window.start), zone);
    const today = shopWindowOn(shop, new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay());
    return { zone, opens, describe: today ? `the shop's hours today (${today.start}–${today.end})` : "the shop's hours (closed today)" };
  }
  // A shop with no open day at all: nothing automated would ever go, so the legal day stands in.
  const window = sendWindow(null, null);
  return { zone, opens: nextSendTime(now, zone, window), describe: `${window.start}–${window.end} (the shop has no opening hours set)` };
}
