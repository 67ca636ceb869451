// The customer's optional account (issue 18), on top of the token portal: at /p/<slug>/account a
// customer proves their mobile number with a texted one-time code and sees every repair of this
// shop under that number, each still opened through a portal token of its own. No password.
//   - Codes: 6 digits, only a salted hash kept (operator database), single use, 10 minutes. The
//     answer to "text me a code" is the same whether or not the number is known; a code is only
//     texted to a number with a repair or an appointment here (and not to one that replied STOP).
//   - Limits: per address (codes and tries, in memory per process), per number (one code per
//     30 s, five per hour, in the database), and ten wrong codes lock the number for 30 minutes.
//   - Sessions: a random id in an HttpOnly, SameSite=Lax cookie (Secure when the relay's public
//     address is https), stored as its SHA-256; 30 days. "Sign out everywhere" ends them all.
//   - CSRF: every form carries a token derived from the cookie's secret (the session id, or
//     before sign-in a visit id), checked on every POST. See ARCHITECTURE.md for why not Origin.
// Opening a repair issues a fresh customer token for it (a synced `portal_tokens` row, hash only,
// issued_by `account:<account>:<session>`); the session's earlier link to that repair is revoked,
// and signing out revokes the links the session opened.
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { formatPhone } from '../../src-shared/phone.js';
import { hashToken, newToken } from '../../src-shared/portal/token.js';
import { readCustomerLanguages, readSettings, shopOf } from '../portal/portal-view.js';
import { readerWords } from '../portal/language.js';
import type { PageLanguage } from '../scheduling/pages.js';
import { refusalWords } from '../scheduling/pages.js';
import type { RenderedPage } from '../portal/render.js';
import { renderNotFound } from '../portal/render.js';
import { RateLimiter } from '../rate-limit.js';
import { BookingRefused, validMobile } from '../scheduling/booking.js';
import type { SmsService } from '../sms/sms-service.js';
import type { AccountSession } from '../storage/customer-account-records.js';
import type { WriteIntent, WriteTx } from '../../src-shared/sync/store.js';
import { renderAccountMessage, renderAccountPage, renderCodePage, renderNumberPage, deviceName } from './account-pages.js';
import { accountAppointment, accountRepair, loadAccountView, numberIsKnown } from './account-view.js';

export interface AccountsPluginOptions {
  /** Texting; without it (or without a shop number) nobody can sign in and the page says so. */
  sms: SmsService | null;
  /** The clock codes, locks and sessions are judged by (tests move it). */
  clock?: () => Date;
  /** How long a code works (default 10 minutes). */
  codeTtlMs?: number;
  /** Wrong codes per number before it is locked (default 10), and for how long (default 30 minutes). */
  maxWrongCodes?: number;
  lockMs?: number;
  /** The shortest wait between two codes to one number (default 30 s) and codes per number per hour (default 5). */
  codeGapMs?: number;
  codesPerNumberPerHour?: number;
  /** Per address per 15 minutes: code requests (default 10) and code tries (default 30). */
  codesPerAddress?: number;
  triesPerAddress?: number;
  /** How long a session lasts (default 30 days). */
  sessionDays?: number;
  /** Secure cookies; by default when the relay's public address is https. */
  secureCookies?: boolean;
}

const SESSION_COOKIE = 'bayline_account';
const VISIT_COOKIE = 'bayline_account_visit';

const HEADERS: Record<string, string> = {
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'x-robots-tag': 'noindex, nofollow',
  'cache-control': 'no-store',
};

type Fields = Record<string, string | undefined>;
type SlugRequest = FastifyRequest<{ Params: { slug: string; id?: string }; Body: Fields | undefined }>;

function send(reply: FastifyReply, status: number, page: RenderedPage) {
  return reply.code(status).headers(HEADERS).header('content-security-policy', page.csp).type('text/html; charset=utf-8').send(page.body);
}

export function readCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

/** The form token for a cookie secret: whoever can read it could read the cookie anyway. */
export function csrfOf(secret: string): string {
  return createHash('sha256').update(`account-csrf:${secret}`).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

export const accountsPlugin: FastifyPluginAsync<AccountsPluginOptions> = async (app, options) => {
  const clock = options.clock ?? (() => new Date());
  const codeTtlMs = options.codeTtlMs ?? 10 * 60_000;
  const maxWrong = options.maxWrongCodes ?? 10;
  const lockMs = options.lockMs ?? 30 * 60_000;
  const codeGapMs = options.codeGapMs ?? 30_000;
  const perHour = options.codesPerNumberPerHour ?? 5;
  const sessionMs = (options.sessionDays ?? 30) * 86_400_000;
  const codeRequests = new RateLimiter(options.codesPerAddress ?? 10, 15 * 60_000);
  const tries = new RateLimiter(options.triesPerAddress ?? 30, 15 * 60_000);
  const notFound = renderNotFound();
  const records = app.storage.accounts;

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  /** One write of the shop's synced store (an audited event of the RO), then every relay process hears of it. */
  async function write(shop: Shop, intent: WriteIntent, fn: (tx: WriteTx) => Promise<void>): Promise<void> {
    await shop.store.write(intent, fn);
    await app.storage.announceChanges(shop.workspace.id);
  }

  const secure = () => options.secureCookies ?? app.publicUrl.startsWith('https:');

  function cookie(slug: string, name: string, value: string, maxAgeSeconds: number): string {
    return `${name}=${value}; Path=/p/${slug}/account; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure() ? '; Secure' : ''}`;
  }

  async function shopOfSlug(slug: string) {
    if (!/^[a-z0-9-]{1,48}$/.test(slug)) return null;
    const workspace = await app.storage.findWorkspace(slug);
    if (!workspace || workspace.slug !== slug) return null;
    const store = await app.storage.workspaceStore(workspace.id);
    const settings = await readSettings(store.db);
    return { workspace, store, settings, shop: shopOf(settings), slug };
  }
  type Shop = NonNullable<Awaited<ReturnType<typeof shopOfSlug>>>;

  /**
   * The reader's words (the one rule: this phone's choice, else the customer's stored language —
   * the customer behind the number when it is known — else the shop's) and the page's switch,
   * which keeps the choice on this phone and comes back to the account page.
   */
  async function langOf(req: FastifyRequest, shop: Shop, mobile?: string | null): Promise<PageLanguage> {
    const customer = mobile ? await shop.store.db.selectFrom('customers').select('id').where('mobile', '=', mobile).orderBy('id').executeTakeFirst() : undefined;
    const { offered } = await readCustomerLanguages(shop.store.db);
    return { words: await readerWords(req, shop.store.db, customer?.id), offered, action: `/p/${shop.slug}/language`, back: `/p/${shop.slug}/account` };
  }

  /** The request's live session in this shop (with its raw id, for the form token), or null. */
  async function sessionOf(req: FastifyRequest, shop: Shop): Promise<{ id: string; session: AccountSession } | null> {
    const id = readCookies(req.headers.cookie).get(SESSION_COOKIE);
    if (!id || !COOKIE_VALUE.test(id)) return null;
    const session = await records.session(shop.workspace.id, id, clock().toISOString());
    return session ? { id, session } : null;
  }

  /** The visit's secret for forms before sign-in: the cookie's, or a new one set on this reply. */
  function visitOf(req: FastifyRequest, slug: string): { secret: string; setCookie: string | null } {
    const existing = readCookies(req.headers.cookie).get(VISIT_COOKIE);
    if (existing && COOKIE_VALUE.test(existing)) return { secret: existing, setCookie: null };
    const fresh = randomBytes(32).toString('base64url');
    return { secret: fresh, setCookie: cookie(slug, VISIT_COOKIE, fresh, 86_400) };
  }

  /** Whether a POST's form token matches the cookie secret it should come from. */
  function formIsOurs(req: SlugRequest, secret: string | null): boolean {
    const given = String(req.body?.csrf ?? '');
    return secret !== null && given !== '' && sameText(given, csrfOf(secret));
  }

  async function foreignForm(req: FastifyRequest, reply: FastifyReply, shop: Shop) {
    const lang = await langOf(req, shop);
    return send(reply, 403, renderAccountMessage({ slug: shop.slug, shop: shop.shop, heading: lang.words.t('account.startAgain'), lines: [lang.words.t('account.formExpired')], lang }));
  }

  async function signedOut(req: FastifyRequest, reply: FastifyReply, shop: Shop) {
    reply.header('set-cookie', cookie(shop.slug, SESSION_COOKIE, '', 0));
    const lang = await langOf(req, shop);
    return send(reply, 401, renderAccountMessage({ slug: shop.slug, shop: shop.shop, heading: lang.words.t('account.signedOutHeading'), lines: [lang.words.t('account.signInAgain')], lang }));
  }

  /** A message page about this account (not found, page closed), in the reader's words. */
  async function message(req: FastifyRequest, reply: FastifyReply, status: number, shop: Shop, mobile: string, heading: string, line: string) {
    const lang = await langOf(req, shop, mobile);
    return send(reply, status, renderAccountMessage({ slug: shop.slug, shop: shop.shop, heading: lang.words.t(heading), lines: [lang.words.t(line)], lang }));
  }

  function lockWords(until: string, shop: Shop, lang: PageLanguage): string {
    const minutes = Math.max(1, Math.ceil((Date.parse(until) - clock().getTime()) / 60_000));
    return lang.words.t('account.locked', { when: lang.words.when(until, shop.shop.timeZone), count: minutes });
  }

  // ---- the account page (signed in) or the mobile number (signed out) --------------------------

  app.get('/p/:slug/account', async (req: SlugRequest, reply) => {
    const shop = await shopOfSlug(req.params.slug);
    if (!shop) return send(reply, 404, notFound);
    const signedIn = await sessionOf(req, shop);
    if (!signedIn) {
      const hadSession = readCookies(req.headers.cookie).has(SESSION_COOKIE);
      const visit = visitOf(req, shop.slug);
      // A cookie whose session ended (signed out elsewhere, expired) is dropped, and the page says so.
      const cookies = [visit.setCookie, hadSession ? cookie(shop.slug, SESSION_COOKIE, '', 0) : null].filter((c): c is string => c !== null);
      if (cookies.length) reply.header('set-cookie', cookies);
      const out = (req.query as Fields).out;
      const lang = await langOf(req, shop);
      const { t } = lang.words;
      const notice = out === 'everywhere' ? t('account.outEverywhere') : out === '1' ? t('account.outHere') : hadSession ? t('account.outEnded') : null;
      return send(reply, 200, renderNumberPage({ slug: shop.slug, shop: shop.shop, csrf: csrfOf(visit.secret), notice, lang, country: shop.settings.country }));
    }
    const lang = await langOf(req, shop, signedIn.session.mobile);
    const now = clock();
    const { session } = signedIn;
    const view = await loadAccountView(shop.store.db, session.mobile, now.getTime());
    const devices = (await records.sessions(session.accountId, now.toISOString())).map((s) => ({
      current: s.idHash === session.idHash,
      createdAt: s.createdAt,
      lastSeenAt: s.idHash === session.idHash ? now.toISOString() : s.lastSeenAt,
      device: deviceName(s.userAgent, lang.words),
    }));
    return send(reply, 200, renderAccountPage({ slug: shop.slug, shop: shop.shop, csrf: csrfOf(signedIn.id), mobile: session.mobile, view, devices, lang, country: shop.settings.country }));
  });

  // ---- step one: text me a code ----------------------------------------------------------------

  app.post('/p/:slug/account/code', async (req: SlugRequest, reply) => {
    const shop = await shopOfSlug(req.params.slug);
    if (!shop) return send(reply, 404, notFound);
    const visit = readCookies(req.headers.cookie).get(VISIT_COOKIE) ?? null;
    if (!formIsOurs(req, visit)) return foreignForm(req, reply, shop);
    let lang = await langOf(req, shop);
    const base = { slug: shop.slug, shop: shop.shop, csrf: csrfOf(visit!), country: shop.settings.country };
    let mobile: string;
    try {
      mobile = validMobile(String(req.body?.mobile ?? ''), shop.settings.country);
    } catch (err) {
      if (!(err instanceof BookingRefused)) throw err;
      return send(reply, 400, renderNumberPage({ ...base, lang, mobile: String(req.body?.mobile ?? '').slice(0, 24), error: refusalWords(err, lang.words) }));
    }
    lang = await langOf(req, shop, mobile);
    const { t } = lang.words;
    const from = await app.storage.sms.numberOfWorkspace(shop.workspace.id);
    if (!options.sms || !from) {
      return send(reply, 503, renderNumberPage({ ...base, mobile: formatPhone(mobile, shop.settings.country), lang, error: t('account.noTexting', { shop: shop.shop.name }) }));
    }
    if (!codeRequests.take(req.ip)) {
      return send(reply, 429, renderNumberPage({ ...base, mobile: formatPhone(mobile, shop.settings.country), lang, error: t('account.tooManyCodes') }));
    }
    const now = clock();
    const locked = await records.lockedUntil(shop.workspace.id, mobile, now.toISOString());
    if (locked) return send(reply, 429, renderNumberPage({ ...base, mobile: formatPhone(mobile, shop.settings.country), lang, error: lockWords(locked, shop, lang) }));
    // The same limits for every number, known or not: a code row is kept for each, texted or not.
    const recent = await records.sendsSince(shop.workspace.id, mobile, new Date(now.getTime() - 3600_000).toISOString());
    if (recent.lastSentAt && Date.parse(recent.lastSentAt) > now.getTime() - codeGapMs) {
      return send(reply, 429, renderCodePage({ ...base, lang, mobile, error: t('account.codeMoments') }));
    }
    if (recent.count >= perHour) {
      return send(reply, 429, renderNumberPage({ ...base, mobile: formatPhone(mobile, shop.settings.country), lang, error: t('account.tooManyHour') }));
    }
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await records.putCode({ workspaceId: shop.workspace.id, mobile, code, now: now.toISOString(), expiresAt: new Date(now.getTime() + codeTtlMs).toISOString() });
    // Texted in the background, so the answer takes as long whether the number is known or not.
    const sms = options.sms;
    void (async () => {
      const customer = await shop.store.db.selectFrom('customers').select('sms_opt_out').where('mobile', '=', mobile).where('sms_opt_out', '=', 1).executeTakeFirst();
      if (customer || (await app.storage.sms.isOptedOut(shop.workspace.id, mobile))) return;
      if (!(await numberIsKnown(shop.store.db, mobile))) return;
      await sms.client.messages.send({
        from,
        to: mobile,
        // In the reader's language (this phone's choice, else the customer's, else the shop's).
        text: t('account.codeText', { shop: shop.settings.name, code, minutes: Math.round(codeTtlMs / 60_000) }),
      });
    })().catch((err: unknown) => app.log.warn({ err: (err as Error).message }, 'an account code could not be texted'));
    return send(reply, 200, renderCodePage({ ...base, lang, mobile }));
  });

  // ---- step two: the code signs in ---------------------------------------------------------------

  app.post('/p/:slug/account/verify', async (req: SlugRequest, reply) => {
    const shop = await shopOfSlug(req.params.slug);
    if (!shop) return send(reply, 404, notFound);
    const visit = readCookies(req.headers.cookie).get(VISIT_COOKIE) ?? null;
    if (!formIsOurs(req, visit)) return foreignForm(req, reply, shop);
    const base = { slug: shop.slug, shop: shop.shop, csrf: csrfOf(visit!), country: shop.settings.country };
    let mobile: string;
    try {
      mobile = validMobile(String(req.body?.mobile ?? ''), shop.settings.country);
    } catch (err) {
      if (!(err instanceof BookingRefused)) throw err;
      const lang = await langOf(req, shop);
      return send(reply, 400, renderNumberPage({ ...base, lang, error: refusalWords(err, lang.words) }));
    }
    const lang = await langOf(req, shop, mobile);
    const { t } = lang.words;
    if (!tries.take(req.ip)) return send(reply, 429, renderCodePage({ ...base, lang, mobile, error: t('account.tooManyTries') }));
    const code = String(req.body?.code ?? '').replace(/\D/g, '');
    if (code.length !== 6) return send(reply, 400, renderCodePage({ ...base, lang, mobile, error: t('account.sixDigits') }));
    const now = clock();
    const check = await records.checkCode({ workspaceId: shop.workspace.id, mobile, code, now: now.toISOString(), maxWrong, lockMs });
    if (check.outcome === 'locked') return send(reply, 429, renderCodePage({ ...base, lang, mobile, locked: true, error: lockWords(check.until, shop, lang) }));
    if (check.outcome === 'wrong') {
      const left = check.attemptsLeft;
      return send(reply, 400, renderCodePage({
        ...base,
        lang,
        mobile,
        error: t('account.wrongCode', { count: left, minutes: Math.round(lockMs / 60_000) }),
      }));
    }
    const sessionId = randomBytes(32).toString('base64url');
    await records.startSession({
      workspaceId: shop.workspace.id,
      mobile,
      sessionId,
      now: now.toISOString(),
      expiresAt: new Date(now.getTime() + sessionMs).toISOString(),
      userAgent: req.headers['user-agent'] ?? null,
    });
    reply.header('set-cookie', [cookie(shop.slug, SESSION_COOKIE, sessionId, Math.floor(sessionMs / 1000)), cookie(shop.slug, VISIT_COOKIE, '', 0)]);
    return reply.code(303).headers(HEADERS).header('location', `/p/${shop.slug}/account`).send();
  });

  // ---- signed in: open a repair, a signed copy, an appointment -----------------------------------

  /** The session behind a POST whose form token matches it; otherwise the reply already sent. */
  async function signedInPost(req: SlugRequest, reply: FastifyReply): Promise<{ shop: Shop; id: string; session: AccountSession } | FastifyReply> {
    const shop = await shopOfSlug(req.params.slug);
    if (!shop) return send(reply, 404, notFound);
    const signedIn = await sessionOf(req, shop);
    if (!signedIn) return signedOut(req, reply, shop);
    if (!formIsOurs(req, signedIn.id)) return foreignForm(req, reply, shop);
    return { shop, ...signedIn };
  }

  const issuerOf = (session: AccountSession) => `account:${session.accountId}:${session.idHash.slice(0, 16)}`;

  /** A fresh customer link for the repair, for this session; its earlier one for the repair stops working. */
  async function linkFor(shop: Shop, session: AccountSession, roId: string): Promise<string> {
    const token = newToken(shop.workspace.id);
    const issuer = issuerOf(session);
    await write(shop, { actor: 'customer', action: 'account-open-repair', summary: 'The customer opened the repair from their account', roId }, async (tx) => {
      const now = clock().toISOString();
      const earlier = await tx.trx.selectFrom('portal_tokens').select('id').where('ro_id', '=', roId).where('issued_by', '=', issuer).where('revoked_at', 'is', null).execute();
      for (const t of earlier) await tx.update('portal_tokens', t.id, { revoked_at: now });
      await tx.insert('portal_tokens', { ro_id: roId, kind: 'customer', token_hash: hashToken(token), issued_at: now, issued_by: issuer, expires_at: null });
    });
    return token;
  }

  function notYours(req: FastifyRequest, reply: FastifyReply, shop: Shop, mobile: string) {
    return message(req, reply, 404, shop, mobile, 'account.notFound', 'account.notYourRepair');
  }

  app.post('/p/:slug/account/open', async (req: SlugRequest, reply) => {
    const found = await signedInPost(req, reply);
    if (!('session' in found)) return found;
    const { shop, session } = found;
    const roId = String(req.body?.ro ?? '');
    const ro = roId ? await accountRepair(shop.store.db, session.mobile, roId) : undefined;
    if (!ro) return notYours(req, reply, shop, session.mobile);
    const view = await loadAccountView(shop.store.db, session.mobile, clock().getTime());
    const repair = view.repairs.find((r) => r.id === roId);
    if (!repair?.pageOpen) {
      return message(req, reply, 410, shop, session.mobile, 'account.pageClosedHeading', 'account.pageClosedCall');
    }
    const to = String(req.body?.to ?? '');
    const documentId = to.startsWith('signed:') ? to.slice('signed:'.length) : null;
    if (documentId && !repair.documents.some((d) => d.id === documentId)) return notYours(req, reply, shop, session.mobile);
    const token = await linkFor(shop, session, roId);
    return reply.code(303).headers(HEADERS).header('location', documentId ? `/t/${token}/sign/${documentId}/signed.pdf` : `/t/${token}`).send();
  });

  app.post('/p/:slug/account/appointments/:id', async (req: SlugRequest, reply) => {
    const found = await signedInPost(req, reply);
    if (!('session' in found)) return found;
    const { shop, session } = found;
    const row = await accountAppointment(shop.store.db, session.mobile, String(req.params.id ?? ''));
    if (!row) return message(req, reply, 404, shop, session.mobile, 'account.notFound', 'account.notYourAppointment');
    if (row.state === 'invited' && row.ro_id && (await accountRepair(shop.store.db, session.mobile, row.ro_id))) {
      const token = await linkFor(shop, session, row.ro_id);
      return reply.code(303).headers(HEADERS).header('location', `/t/${token}/appointments/${row.id}`).send();
    }
    if (!['requested', 'confirmed', 'proposed'].includes(row.state ?? '')) {
      return message(req, reply, 409, shop, session.mobile, 'account.appointment', 'account.cannotChange');
    }
    // A new manage link, as the relay makes for each outcome it texts: the older one stops working.
    const token = newToken(shop.workspace.id);
    await write(shop, { actor: 'customer', action: 'account-manage-appointment', summary: 'The customer opened an appointment from their account', roId: row.ro_id }, async (tx) => {
      await tx.update('appointments', row.id, { manage_token_hash: hashToken(token) });
    });
    return reply.code(303).headers(HEADERS).header('location', `/a/${token}`).send();
  });

  // ---- signing out -------------------------------------------------------------------------------

  /** Revokes the customer links opened by one session, or (with `everywhere`) by every session of the account. */
  async function revokeLinks(shop: Shop, session: AccountSession, everywhere: boolean): Promise<void> {
    const db = shop.store.db;
    const prefix = everywhere ? `account:${session.accountId}:` : issuerOf(session);
    const live = await db
      .selectFrom('portal_tokens')
      .select('id')
      .where('issued_by', everywhere ? 'like' : '=', everywhere ? `${prefix}%` : prefix)
      .where('revoked_at', 'is', null)
      .execute();
    if (live.length === 0) return;
    await write(shop, { actor: 'customer', action: 'account-sign-out', summary: 'The customer signed out; the repair pages opened from their account closed' }, async (tx) => {
      const now = clock().toISOString();
      for (const t of live) await tx.update('portal_tokens', t.id, { revoked_at: now });
    });
  }

  app.post('/p/:slug/account/sign-out', async (req: SlugRequest, reply) => {
    const found = await signedInPost(req, reply);
    if (!('session' in found)) return found;
    await records.endSession(found.session.idHash, clock().toISOString());
    await revokeLinks(found.shop, found.session, false);
    reply.header('set-cookie', cookie(found.shop.slug, SESSION_COOKIE, '', 0));
    return reply.code(303).headers(HEADERS).header('location', `/p/${found.shop.slug}/account?out=1`).send();
  });

  app.post('/p/:slug/account/sign-out-everywhere', async (req: SlugRequest, reply) => {
    const found = await signedInPost(req, reply);
    if (!('session' in found)) return found;
    await records.endAllSessions(found.session.accountId, clock().toISOString());
    await revokeLinks(found.shop, found.session, true);
    reply.header('set-cookie', cookie(found.shop.slug, SESSION_COOKIE, '', 0));
    return reply.code(303).headers(HEADERS).header('location', `/p/${found.shop.slug}/account?out=everywhere`).send();
  });
};

