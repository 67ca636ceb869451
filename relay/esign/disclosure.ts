// The consumer disclosure a customer agrees to before signing electronically for a shop (US ESIGN
// Act §101(c), UETA): the right to paper, withdrawal and what it means, scope, keeping contact
// details current, and what a phone needs. Its version string is kept with every consent and every
// signature; a change to the words gets a new version.

import { formatPhone, shopCountry } from '../../src-shared/phone.js';
import { type CustomerWords, customerWords } from '../../src-shared/i18n/index.js';

export const DISCLOSURE_VERSION = 'bayline-esign-disclosure-2026-12';

export interface DisclosureSection {
  heading: string;
  text: string;
}

const US = customerWords('US', 'en');

/**
 * The disclosure's version as agreed in one language: the American English words are the base
 * version; any other catalogue's words are recorded with the catalogue after it, so the evidence
 * names the exact text the customer read.
 */
export function disclosureVersion(words: CustomerWords = US): string {
  return words.locale.catalogue === 'en-US' ? DISCLOSURE_VERSION : `${DISCLOSURE_VERSION}/${words.locale.catalogue}`;
}

export function disclosure(shop: { name: string; phone: string; email: string; address: string }, words: CustomerWords = US): DisclosureSection[] {
  const t = words.t;
  const reach = [shop.phone && t('esign.reachCall', { phone: shop.phone }), shop.email && t('esign.reachEmail', { email: shop.email }), shop.address && t('esign.reachVisit', { address: shop.address })]
    .filter(Boolean)
    .join(', ');
  const contact = reach || t('esign.reachDesk');
  return [
    { heading: t('esign.paperHeading'), text: t('esign.paperText', { contact }) },
    { heading: t('esign.withdrawHeading'), text: t('esign.withdrawText', { shop: shop.name }) },
    { heading: t('esign.scopeHeading'), text: t('esign.scopeText', { shop: shop.name }) },
    { heading: t('esign.contactHeading'), text: t('esign.contactText', { shop: shop.name, contact }) },
    { heading: t('esign.needHeading'), text: t('esign.needText') },
  ];
}

/** The words the customer ticks for one document: "I agree to sign this repair authorization electronically". */
export function intentText(kind: string, title: string, words: CustomerWords = US): string {
  const t = words.t;
  switch (kind) {
    case 'authorization':
      return t('esign.intentAuthorization');
    case 'betterment':
      return t('esign.intentBetterment');
    case 'supplement':
      return t('esign.intentSupplement');
    case 'pickup':
      return t('esign.intentPickup');
    default:
      return t('esign.intentOther', { title });
  }
}

/** The document as a text names it: "the repair authorization" / "la autorización de reparación" / the shop's own title. */
export function documentName(kind: string | null, title: string | null, words: CustomerWords = US): string {
  const t = words.t;
  switch (kind) {
    case 'authorization':
      return t('esign.docAuthorization');
    case 'betterment':
      return t('esign.docBetterment');
    case 'supplement':
      return t('esign.docSupplement');
    case 'pickup':
      return t('esign.docPickup');
    default:
      return t('esign.docOther', { title: title ?? '' });
  }
}

const KIND_KEYS: Record<string, string> = {
  authorization: 'signDoc.kindAuthorization',
  betterment: 'signDoc.kindBetterment',
  supplement: 'signDoc.kindSupplement',
  pickup: 'signDoc.kindPickup',
};

/**
 * A document's name as a heading in the reader's words: "Autorización de reparación",
 * "Aprobación de suplemento 2" (supplements carry their version). The shop's own PDF keeps the
 * title the shop gave it. The stored `title` is the desk's (staff) name and is not shown to a
 * customer for the desk's own kinds.
 */
export function documentTitle(kind: string | null, version: number | null, title: string | null, words: CustomerWords = US): string {
  const key = kind ? KIND_KEYS[kind] : undefined;
  if (!key) return title ?? words.t('common.document');
  const name = words.t(key);
  return kind === 'supplement' ? words.t('signDoc.numbered', { kind: name, version: version ?? 1 }) : name;
}

/** The language a signed request's words are in: its document's (recorded when the desk drew it), else null. */
export function documentLanguage(detail: string | null): { language: string | null; locale: string | null } {
  try {
    const parsed = JSON.parse(detail ?? 'null') as { language?: unknown; locale?: unknown } | null;
    return {
      language: typeof parsed?.language === 'string' ? parsed.language : null,
      locale: typeof parsed?.locale === 'string' ? parsed.locale : null,
    };
  } catch {
    return { language: null, locale: null };
  }
}

/**
 * A phone number as the customer may see where the code went, written the way the shop's country
 * writes it, with everything between its first group (area code, UK mobile prefix) and its last
 * four digits hidden: "(512) ***-0147", "07700 **0123".
 */
export function maskPhone(e164: string, country: string | null | undefined = 'US'): string {
  const national = formatPhone(e164, shopCountry(country));
  const total = national.replace(/\D/g, '').length;
  if (total < 8) return '***';
  const first = /\d+/.exec(national.replace(/^\+\d+\s*/, ''))?.[0].length ?? 0;
  const prefix = national.length - national.replace(/^\+\d+\s*/, '').length;
  const countryDigits = national.slice(0, prefix).replace(/\D/g, '').length;
  let seen = 0;
  return national.replace(/\d/g, (d) => {
    seen += 1;
    return seen <= countryDigits + first || seen > total - 4 ? d : '*';
  });
}
