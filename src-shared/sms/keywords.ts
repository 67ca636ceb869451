// The words a customer texts to stop, restart or ask for help (CTIA and carrier rules): the
// whole message, in any case, with spaces around it. US and Canadian customers who read Spanish
// also stop with PARAR, ALTO, DETENER, CANCELAR or BAJA and ask for help with AYUDA.

export const SPANISH_STOP_WORDS = ['PARAR', 'ALTO', 'DETENER', 'CANCELAR', 'BAJA'] as const;
export const SPANISH_HELP_WORDS = ['AYUDA'] as const;
export const STOP_WORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPT OUT', 'OPTOUT', ...SPANISH_STOP_WORDS] as const;
export const START_WORDS = ['START', 'UNSTOP'] as const;
export const HELP_WORDS = ['HELP', 'INFO', ...SPANISH_HELP_WORDS] as const;

export type SmsKeyword = 'stop' | 'start' | 'help';

/** The words one country's rules treat as keywords (src-shared/locale/country.ts holds each country's set). */
export interface KeywordSet {
  stop: readonly string[];
  start: readonly string[];
  /** Empty where the rules ask for no automatic HELP answer: the text reaches the shop like any other. */
  help: readonly string[];
}

/** The US set (FCC/CTIA), used when no country is given. */
export const US_KEYWORDS: KeywordSet = { stop: STOP_WORDS, start: START_WORDS, help: HELP_WORDS };

export function keywordOf(body: string, words: KeywordSet = US_KEYWORDS): SmsKeyword | null {
  const word = body.trim().replace(/\s+/g, ' ').toUpperCase();
  if (words.stop.includes(word)) return 'stop';
  if (words.start.includes(word)) return 'start';
  if (words.help.includes(word)) return 'help';
  return null;
}

/** 'es' when the keyword texted is a Spanish one (AYUDA, PARAR…): the answer is then in Spanish. */
export function keywordLanguage(body: string): 'es' | null {
  const word = body.trim().replace(/\s+/g, ' ').toUpperCase();
  return (SPANISH_STOP_WORDS as readonly string[]).includes(word) || (SPANISH_HELP_WORDS as readonly string[]).includes(word) ? 'es' : null;
}

/**
 * The answer to HELP: the shop's own sentence if it wrote one, else its name, contact and how to
 * stop, in the words of the reader (`words`: src-shared/i18n customerWords for the shop's country
 * and the customer's language; typed by shape so this module stays below i18n, which reads it).
 */
export function helpText(shop: { name: string; phone: string; helpText?: string | null }, words: { t(key: string, values?: Record<string, string>): string }): string {
  if (shop.helpText && shop.helpText.trim() !== '') return shop.helpText.trim();
  return shop.phone ? words.t('sms.helpWithPhone', { shop: shop.name, phone: shop.phone }) : words.t('sms.help', { shop: shop.name });
}
