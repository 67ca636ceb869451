// The customer's words (i18next) and formats (Intl) for one customer locale. Every string a
// customer reads comes from a catalogue here, by key; dates, times, money and lists are made by
// Intl in the customer's locale and handed to the sentence as values, never glued on.
import i18next, { type TFunction } from 'i18next';
import { enGB } from './catalogues/en-GB.js';
import { enUS, type Catalogue } from './catalogues/en-US.js';
import { es } from './catalogues/es.js';
import { pseudoCatalogue } from './pseudo.js';
import { type CatalogueLocale, type CustomerLocale, customerLocale } from './customer-locale.js';

export * from './customer-locale.js';
export type { Catalogue };

export const CATALOGUES: Record<CatalogueLocale, Catalogue> = {
  'en-US': enUS,
  'en-GB': enGB,
  es,
  'en-XA': pseudoCatalogue(enUS),
};

const i18n = i18next.createInstance();
void i18n.init({
  initAsync: false,
  resources: Object.fromEntries(Object.entries(CATALOGUES).map(([lng, c]) => [lng, { translation: c }])),
  // A key missing at run time reads in American English rather than as a key; the catalogue test
  // fails long before a customer could see that.
  fallbackLng: 'en-US',
  supportedLngs: [...Object.keys(CATALOGUES)],
  // Values are escaped by the page's html template, which sees the whole sentence (see `markup`).
  interpolation: { escapeValue: false },
  returnNull: false,
  showSupportNotice: false,
} as Parameters<typeof i18n.init>[0]);

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type WeekdayKey = (typeof WEEKDAYS)[number];

export interface CustomerWords {
  locale: CustomerLocale;
  /** A plain sentence (the page escapes it). */
  t: TFunction;
  /** A sentence whose catalogue text carries markup (<strong>): values escaped here, the rest trusted. */
  markup(key: string, values: Record<string, string>): string;
  /** An instant in the shop's time zone: "Tue, Dec 1, 2:15 PM" / "Tue 1 Dec, 14:15" / "mar, 1 de dic, 2:15 p.m.". */
  when(iso: string, timeZone: string): string;
  /** A calendar day (YYYY-MM-DD) written out: "Friday, December 4, 2026" / "Friday 4 December 2026". */
  day(date: string): string;
  /** A calendar day in a sentence, weekday and month written out, no year: "Thursday, December 3" / "Thursday 3 December" / "jueves, 3 de diciembre". */
  date(date: string): string;
  /** A clock time "17:30" as the customer reads it: "5:30 PM" / "17:30". */
  clock(hhmm: string): string;
  /** Money in the shop's currency, with the narrow sign: "$1,234.50" / "£1,234.50" / "1234,50 £". */
  money(amount: number): string;
  /** "a, b and c" / "a, b y c". */
  list(items: readonly string[]): string;
  /** The weekday's name for an opening-hours line. */
  weekday(key: WeekdayKey): string;
}

const cache = new Map<string, CustomerWords>();

/** The words and formats for a shop country and customer language (cached; cheap to call per page). */
export function customerWords(country: string | null | undefined, language: string | null | undefined, options: { pseudo?: boolean } = {}): CustomerWords {
  // BAYLINE_PSEUDO_LOCALE=1 (tests, layout checks) puts English readers on the long-strings catalogue.
  const pseudo = options.pseudo ?? (typeof process !== 'undefined' && process.env?.BAYLINE_PSEUDO_LOCALE === '1');
  const locale = customerLocale(country, language, { pseudo });
  const key = `${locale.catalogue}|${locale.intl}|${locale.currency}`;
  let words = cache.get(key);
  if (!words) {
    words = makeWords(locale);
    cache.set(key, words);
  }
  return words;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function makeWords(locale: CustomerLocale): CustomerWords {
  const t = i18n.getFixedT(locale.catalogue);
  const whenFormats = new Map<string, Intl.DateTimeFormat>();
  const dayFormat = new Intl.DateTimeFormat(locale.intl, { timeZone: 'UTC', weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });
  const dateFormat = new Intl.DateTimeFormat(locale.intl, { timeZone: 'UTC', weekday: 'long', month: 'long', day: 'numeric' });
  // British clocks read "08:00"; American ones "8:00 AM".
  const hour = locale.intl === 'en-GB' ? '2-digit' : 'numeric';
  const clockFormat = new Intl.DateTimeFormat(locale.intl, { timeZone: 'UTC', hour, minute: '2-digit' });
  const weekdayFormat = new Intl.DateTimeFormat(locale.intl, { timeZone: 'UTC', weekday: 'long' });
  // The narrow sign: a Spanish reader of a UK shop reads "500,00 £", not "500,00 GBP" (as printing does).
  const moneyFormat = new Intl.NumberFormat(locale.intl, { style: 'currency', currency: locale.currency, currencyDisplay: 'narrowSymbol' });
  const listFormat = new Intl.ListFormat(locale.intl, { style: 'long', type: 'conjunction' });
  const capital = (s: string) => s.charAt(0).toLocaleUpperCase(locale.intl) + s.slice(1);
  return {
    locale,
    t,
    markup(key, values) {
      const escaped = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, escape(v)]));
      return t(key, escaped);
    },
    when(iso, timeZone) {
      const ms = Date.parse(iso);
      if (Number.isNaN(ms)) return '';
      let f = whenFormats.get(timeZone);
      if (!f) {
        f = new Intl.DateTimeFormat(locale.intl, { timeZone, weekday: 'short', month: 'short', day: 'numeric', hour, minute: '2-digit' });
        whenFormats.set(timeZone, f);
      }
      return f.format(ms);
    },
    day(date) {
      const ms = Date.parse(`${date}T12:00:00Z`);
      return Number.isNaN(ms) ? date : dayFormat.format(ms);
    },
    date(date) {
      const ms = Date.parse(`${date}T12:00:00Z`);
      return Number.isNaN(ms) ? date : dateFormat.format(ms);
    },
    clock(hhmm) {
      const [h, m] = hhmm.split(':').map(Number) as [number, number];
      if (!Number.isInteger(h) || !Number.isInteger(m)) return hhmm;
      // 24:00 (closing at midnight) reads as midnight.
      return clockFormat.format(Date.UTC(2000, 0, 3, h % 24, m));
    },
    money: (amount) => moneyFormat.format(amount),
    list: (items) => listFormat.format(items),
    // 2024-01-01 was a Monday.
    weekday: (key) => capital(weekdayFormat.format(Date.UTC(2024, 0, 1 + WEEKDAYS.indexOf(key), 12))),
  };
}

/** The English words of a stage or delay, to tell a shop's own rewording from the default. */
export const ENGLISH = enUS;
