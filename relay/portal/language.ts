// Which language a customer page speaks, the one rule every customer page follows (status page,
// signing, survey, booking, account): the language this phone chose on a switch (the bayline_lang
// cookie), else the customer's stored language (customers.language), else the shop's; the shop's
// country (workspace_settings.country) gives the English variant, dates and money.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { WorkspaceDatabase } from '../../src-shared/sync/rows.js';
import { type CustomerLanguage, type CustomerWords, customerWords, isCustomerLanguage } from '../../src-shared/i18n/index.js';
import { readCustomerLanguages } from './portal-view.js';

/** The cookie that remembers the language a customer chose on this phone. */
export const LANGUAGE_COOKIE = 'bayline_lang';

/** The language this phone chose (its cookie), if any. */
export function cookieLanguage(req: FastifyRequest): CustomerLanguage | null {
  const header = req.headers.cookie ?? '';
  const m = /(?:^|;\s*)bayline_lang=([a-z-]{2,10})/.exec(header);
  return m && isCustomerLanguage(m[1]) ? m[1] : null;
}

/**
 * The words for a page shown to this phone about this customer (null when the page knows no
 * customer yet, e.g. booking): the phone's choice, else the customer's stored language, else the
 * shop's, in the shop's country.
 */
export async function readerWords(req: FastifyRequest, db: Kysely<WorkspaceDatabase>, customerId: string | null | undefined): Promise<CustomerWords> {
  const { country } = await readCustomerLanguages(db);
  const chosen = cookieLanguage(req);
  if (chosen) return customerWords(country, chosen);
  const stored = customerId ? await db.selectFrom('customers').select('language').where('id', '=', customerId).executeTakeFirst() : undefined;
  return customerWords(country, stored?.language ?? null);
}
