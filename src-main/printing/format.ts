// Dates, times and money as they read on paper in the shop's own time zone, written by Intl in
// the shop's country's locale (en-US, en-GB, en-CA; src-shared/locale/country.ts), or in the
// customer's (`intl`, e.g. es-US) on the parts of a paper the customer reads.
import { countryProfile } from '../../src-shared/locale/country.js';
import { dateFormat, numberFormat } from '../../src-shared/locale/intl-formats.js';

/** 2026-12-04 → "Fri, Dec 4, 2026" (a date without a time zone: it is the same everywhere). */
export function printedDate(date: string | null | undefined, country?: string | null, intl?: string): string | null {
  if (!date) return null;
  const parsed = new Date(`${date}T12:00:00Z`);
  if (Number.isNaN(parsed.getTime())) return date;
  return dateFormat(intl ?? countryProfile(country).locale, { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' }).format(parsed);
}

/** An instant → "Dec 1, 2026, 3:45 PM" where the shop is. */
export function printedDateTime(iso: string | null | undefined, timeZone: string, country?: string | null, intl?: string): string | null {
  if (!iso) return null;
  const parsed = new Date(iso);
  if (Number.isNaN(parsed.getTime())) return null;
  const locale = intl ?? countryProfile(country).locale;
  // A 24-hour reader writes the hour with two digits ("07:53"); a 12-hour one does not ("7:53 AM").
  const cycle = dateFormat(locale, { hour: 'numeric' }).resolvedOptions().hourCycle;
  return dateFormat(locale, {
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    hour: cycle === 'h23' || cycle === 'h24' ? '2-digit' : 'numeric',
    minute: '2-digit',
    timeZone,
  }).format(parsed);
}

export function printedMoney(cents: number | null | undefined, country?: string | null, intl?: string): string | null {
  if (cents === null || cents === undefined) return null;
  const profile = countryProfile(country);
  // The narrow sign (£, $), so a Spanish reader of a UK shop reads "500,00 £", not "500,00 GBP".
  return numberFormat(intl ?? profile.locale, { style: 'currency', currency: profile.currency, currencyDisplay: 'narrowSymbol' }).format(cents / 100);
}

/** The address a person can type: without "https://" and without the scan marker. */
export function typedUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.host}${parsed.pathname}`;
}
