// The staff's words that change with the shop's country (issue 22): the desk's staff language
// follows workspace_settings.country — en-US (and en-CA, which keeps the American words) or
// en-GB, where a bodyshop says "registration", "work provider", "engineer", "excess" and spells
// "colour" (a US shop reads "color"). The rest
// of the desk's staff screens are written in English in the components; these are the words that
// differ. Customers' words are the catalogues' (src-shared/i18n/catalogues).
import { shopCountry } from '../phone.js';

const US = {
  plate: 'Plate',
  insurer: 'Insurer',
  adjuster: 'Adjuster',
  adjusterPhone: 'Adjuster phone',
  adjusterEmail: 'Adjuster email',
  deductible: 'Deductible',
  insuranceAndDates: 'Insurance and dates',
  color: 'Color',
  colors: 'colors',
};

export type StaffWords = typeof US;

const GB: StaffWords = {
  plate: 'Registration',
  insurer: 'Work provider',
  adjuster: 'Engineer',
  adjusterPhone: 'Engineer’s phone',
  adjusterEmail: 'Engineer’s email',
  deductible: 'Excess',
  insuranceAndDates: 'Work provider and dates',
  color: 'Colour',
  colors: 'colours',
};

/** The staff language's tag for a shop country: en-GB for a UK shop, else en-US (Canada included). */
export function staffLanguage(country: string | null | undefined): 'en-US' | 'en-GB' {
  return shopCountry(country) === 'GB' ? 'en-GB' : 'en-US';
}

export function staffWords(country: string | null | undefined): StaffWords {
  return staffLanguage(country) === 'en-GB' ? GB : US;
}

/** The standard templates' names a UK bodyshop reads in its template lists (the others need no change). */
const GB_TEMPLATE_NAMES: Readonly<Record<string, string>> = {
  'tpl:ready-for-pickup': 'Ready for collection',
  'etpl:photos-adjuster': 'Photos for the engineer',
};

/**
 * A standard template's name in the staff's language: the shop's own name when it renamed the
 * template; else, for a UK shop, the British name; else the code's.
 */
export function standardTemplateName(id: string, codeName: string, saved: string | null | undefined, country: string | null | undefined): string {
  if (saved && saved !== codeName) return saved;
  return (staffLanguage(country) === 'en-GB' ? GB_TEMPLATE_NAMES[id] : undefined) ?? codeName;
}
