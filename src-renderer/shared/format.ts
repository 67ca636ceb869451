// How dates, money, phone numbers and errors read on the desk's screens: by the shop's country
// (en-US, en-GB, en-CA through Intl), which the app shell sets as soon as it has the settings.
import { ApiError } from '../../src-shared/api/errors.js';
import { type CountryProfile, countryProfile } from '../../src-shared/locale/country.js';
import { dateFormat as cachedDateFormat, numberFormat as cachedNumberFormat } from '../../src-shared/locale/intl-formats.js';
import { formatPhone as formatPhoneIn } from '../../src-shared/phone.js';
import { type StaffWords, staffWords } from '../../src-shared/i18n/staff.js';
import { shopToday } from '../../src-shared/shop-day.js';

let desk: CountryProfile = countryProfile(null);
/** The shop's IANA zone (workspace settings): every moment on the desk reads in it, not the PC's zone. */
let deskZone: string | undefined;

function knownZone(zone: string | null | undefined): string | undefined {
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

// Formatters come from one cache per locale and options (src-shared/locale/intl-formats.ts).
const dateFormat = (options: Intl.DateTimeFormatOptions) => cachedDateFormat(desk.locale, options);
const numberFormat = (options: Intl.NumberFormatOptions) => cachedNumberFormat(desk.locale, options);

/** Called by the app shell whenever the shop's settings arrive or change. */
export function setDeskCountry(country: string | null | undefined, timeZone?: string | null): void {
  desk = countryProfile(country);
  deskZone = knownZone(timeZone);
}

/** The shop's time zone ("America/Chicago"), or undefined before the settings arrive (then the PC's). */
export function deskTimeZone(): string | undefined {
  return deskZone;
}

/** The shop's country profile, for a screen that needs more than the formatters below. */
export function deskCountry(): CountryProfile {
  return desk;
}

/** The staff words that differ by country: "Plate" / "Registration", "Insurer" / "Work provider", "Deductible" / "Excess". */
export function deskWords(): StaffWords {
  return staffWords(desk.code);
}

/** "(512) 555-0134" at a US shop, "07400 123456" at a UK one; other countries' numbers in international form. */
export function formatPhone(e164: string | null | undefined): string {
  return formatPhoneIn(e164, desk.code);
}

/** "2025-10-14" → "Tue, Oct 14" (US), "Tue 14 Oct" (UK): a calendar day, read in UTC so it never shifts by a day. */
export function formatDay(isoDay: string | null, withYear = false): string {
  if (!isoDay) return '';
  const date = new Date(`${isoDay}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return isoDay;
  return dateFormat({ weekday: 'short', month: 'short', day: 'numeric', ...(withYear ? { year: 'numeric' } : {}), timeZone: 'UTC' }).format(date);
}

/** "Nov 30 – Dec 6, 2026" (US), "30 Nov – 6 Dec 2026" (UK): calendar days, one day alone in full. */
export function formatDayRange(from: string, to: string): string {
  const a = new Date(`${from}T00:00:00Z`);
  const b = new Date(`${to}T00:00:00Z`);
  if (Number.isNaN(a.getTime()) || Number.isNaN(b.getTime())) return `${from} – ${to}`;
  if (from === to) return dateFormat({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(a);
  return dateFormat({ day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).formatRange(a, b);
}

/** A wall-clock "14:30" on the shop's clock, written the country's way: "2:30 PM" (US), "14:30" (UK). */
export function formatClock(hhmm: string | null | undefined): string {
  const m = /^(\d{1,2}):(\d{2})/.exec(hhmm ?? '');
  if (!m) return hhmm ?? '';
  return dateFormat({ hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }).format(new Date(Date.UTC(2000, 0, 1, Number(m[1]), Number(m[2]))));
}

/** A moment, in the shop's time zone: "Oct 14, 2:05 PM" (US), "14 Oct, 14:05" (UK). */
export function formatMoment(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateFormat({ month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: deskZone }).format(date);
}

/** A moment's date only, in the shop's time zone: "Oct 14, 2025" (US), "14 Oct 2025" (UK). */
export function formatMomentDay(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateFormat({ month: 'short', day: 'numeric', year: 'numeric', timeZone: deskZone }).format(date);
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateFormat({ hour: 'numeric', minute: '2-digit', timeZone: deskZone }).format(date);
}

export function formatMoney(cents: number | null): string {
  if (cents === null) return '';
  return numberFormat({ style: 'currency', currency: desk.currency }).format(cents / 100);
}

/** "$" at a US shop, "£" at a UK one: the symbol Intl writes for the country's currency. */
export function currencySymbol(): string {
  return numberFormat({ style: 'currency', currency: desk.currency }).formatToParts(0).find((p) => p.type === 'currency')?.value ?? desk.currency;
}

/** "$500", "£500" or "500.00" → 50000; null for empty; NaN for anything else. */
export function parseMoney(text: string): number | null {
  const clean = text.replace(/[$£,\s]/g, '').replace(/^CA/, '');
  if (clean === '') return null;
  if (!/^\d+(\.\d{1,2})?$/.test(clean)) return Number.NaN;
  return Math.round(Number(clean) * 100);
}

/** Today as YYYY-MM-DD where the shop is (the PC's own day before the settings arrive). */
export function today(now = new Date()): string {
  return deskZone ? shopToday(deskZone, now) : isoDay(now);
}

export function isoDay(date: Date): string {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, '0');
  const d = String(date.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T12:00:00`);
  date.setDate(date.getDate() + days);
  return isoDay(date);
}

/** The sentence to show for a failed call: the desk's own words when it gave some. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong. Try again.';
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
