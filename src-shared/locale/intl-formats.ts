// Intl formatters kept per locale and options. Building an Intl.DateTimeFormat or NumberFormat
// costs about a hundred times formatting with one, and `toLocaleDateString(locale, options)`
// builds one on every call: a board of 500 cards, or an insurer's list of repairs, formats a few
// values per row. Locales and option shapes are few (a country's, a zone's), so the maps stay small.
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const numberFormats = new Map<string, Intl.NumberFormat>();

export function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = dateFormats.get(key);
  if (!format) dateFormats.set(key, (format = new Intl.DateTimeFormat(locale, options)));
  return format;
}

export function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (!format) numberFormats.set(key, (format = new Intl.NumberFormat(locale, options)));
  return format;
}
