// The words a customer texts to stop, restart or ask for help (CTIA and carrier rules): the
// whole message, in any case, with spaces around it.

export const STOP_WORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPT OUT', 'OPTOUT'] as const;
export const START_WORDS = ['START', 'UNSTOP'] as const;
export const HELP_WORDS = ['HELP', 'INFO'] as const;

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

/** The answer to HELP: the shop's own sentence if it wrote one, else its name, contact and how to stop. */
export function helpText(shop: { name: string; phone: string; helpText?: string | null }): string {
  if (shop.helpText && shop.helpText.trim() !== '') return shop.helpText.trim();
  const contact = shop.phone ? ` Call us at ${shop.phone}.` : '';
  return `${shop.name}: texts about your repair.${contact} Reply STOP to stop texts, START to get them again. Msg & data rates may apply.`;
}
