// Which words and formats a customer reads: the customer's language (customers.language, null =
// the shop's) and the shop's country (workspace_settings.country, null = US). English customers
// of a UK shop read en-GB; of a Canadian shop en-CA (American words, Canadian dates and dollars);
// Spanish customers read the one Spanish catalogue with their shop country's dates and money.
// The shop's country profile (src-shared/locale/country.ts) gives the currency; this is the customer side.
import { countryProfile } from '../locale/country.js';
import { type ShopCountry, shopCountry } from '../phone.js';

export { type ShopCountry, shopCountry };

export const CUSTOMER_LANGUAGES = ['en', 'es'] as const;
export type CustomerLanguage = (typeof CUSTOMER_LANGUAGES)[number];

/** The catalogues there are. en-XA is the long-strings pseudo-locale (tests, layout checks). */
export const CATALOGUE_LOCALES = ['en-US', 'en-GB', 'es', 'en-XA'] as const;
export type CatalogueLocale = (typeof CATALOGUE_LOCALES)[number];

export interface CustomerLocale {
  language: CustomerLanguage;
  /** The catalogue the words come from. */
  catalogue: CatalogueLocale;
  /** The locale handed to Intl for dates, times, numbers and lists, and to <html lang>. */
  intl: string;
  currency: 'USD' | 'GBP' | 'CAD';
  country: ShopCountry;
  /** Which way the language's script runs, for <html dir> (every page's layout uses logical sides). */
  direction: 'ltr' | 'rtl';
}

/** Languages written right to left (Arabic, Hebrew, Persian, Urdu, …), by their language subtag. */
const RIGHT_TO_LEFT = new Set(['ar', 'he', 'fa', 'ur', 'ps', 'sd', 'ug', 'yi', 'dv', 'ckb']);

/** The direction of a locale's script: right to left for the languages above, else left to right. */
export function textDirection(locale: string): 'ltr' | 'rtl' {
  return RIGHT_TO_LEFT.has(locale.toLowerCase().split(/[-_]/)[0] ?? '') ? 'rtl' : 'ltr';
}

export function isCustomerLanguage(value: unknown): value is CustomerLanguage {
  return typeof value === 'string' && (CUSTOMER_LANGUAGES as readonly string[]).includes(value);
}

/**
 * The languages a shop offers its customers when it never chose (workspace_settings
 * .customer_languages null): the country's own. Many US (and Canadian) collision customers read
 * Spanish first, so a US shop offers English and Spanish; a UK shop offers English until it turns
 * Spanish on in Settings.
 */
export function countryLanguages(country: string | null | undefined): CustomerLanguage[] {
  return shopCountry(country) === 'GB' ? ['en'] : ['en', 'es'];
}

/**
 * The languages the shop offers, from the stored JSON list and the country: the known languages
 * of the list, English always first and always there (staff and the shop's own wording are
 * English); null or unreadable reads as the country's own (`countryLanguages`).
 */
export function offeredLanguages(stored: string | null | undefined, country: string | null | undefined): CustomerLanguage[] {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(stored ?? 'null');
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed)) return countryLanguages(country);
  const known = CUSTOMER_LANGUAGES.filter((l) => l === 'en' || parsed.includes(l));
  return known;
}


/**
 * The customer's locale from the shop's country and the customer's language. An unknown language
 * reads as the shop's (English); `pseudo` swaps English for the long-strings catalogue.
 */
export function customerLocale(country: string | null | undefined, language: string | null | undefined, options: { pseudo?: boolean } = {}): CustomerLocale {
  const c = shopCountry(country);
  const currency = countryProfile(c).currency;
  if (language === 'es') return { language: 'es', catalogue: 'es', intl: c === 'US' ? 'es-US' : c === 'CA' ? 'es-419' : 'es-ES', currency, country: c, direction: 'ltr' };
  const catalogue: CatalogueLocale = options.pseudo ? 'en-XA' : c === 'GB' ? 'en-GB' : 'en-US';
  return { language: 'en', catalogue, intl: `en-${c}`, currency, country: c, direction: 'ltr' };
}

/** Each language as its own speakers write it (the portal's switch): "English", "Español". */
export function languageName(language: CustomerLanguage): string {
  const name = new Intl.DisplayNames([language], { type: 'language' }).of(language) ?? language;
  return name.charAt(0).toLocaleUpperCase(language) + name.slice(1);
}
