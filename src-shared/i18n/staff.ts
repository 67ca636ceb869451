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
