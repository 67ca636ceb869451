// The relay's group routes (issue 20, multi-location):
//   GET /g/:slug        the group's public page (relay/groups/group-page.ts), 404 for no such group
//   GET /g/:slug/logo   the group's logo, as the operator gave it
//   the group admin's pages (./group-admin-page.ts), sessions bound to that one group:
//   GET|POST /g/:slug/admin/sign-in        ask for a mailed sign-in link
//   GET|POST /g/:slug/admin/link/:token    use it (a button: mail scanners that open links use nothing)
//   GET /g/:slug/admin[?from&to]           every location's figures side by side, the group's total
//   GET /g/:slug/admin/report.csv?from&to  the same as CSV
//   POST /g/:slug/admin/sign-out
// Forms carry a CSRF token: the session's, or before sign-in a cookie the form repeats.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { readCustomerLanguages, readSettings, shopOf } from '../portal/portal-view.js';
import { cookieLanguage, LANGUAGE_COOKIE } from '../portal/language.js';
import { CUSTOMER_LANGUAGES, customerWords, isCustomerLanguage } from '../../src-shared/i18n/index.js';
import { renderNotFound, type RenderedPage } from '../portal/render.js';
import type { ProviderMailConfig } from '../providers/auth.js';
import { randomToken, sameText } from '../providers/auth.js';
import { readCookies } from '../providers/web-plugin.js';
import { RateLimiter } from '../rate-limit.js';
import { ADMIN_CSS, linkPage, messagePage, reportPage, signInPage } from './group-admin-page.js';
import { GroupAuth } from './group-auth.js';
import { GROUP_SLUG, type GroupRecord } from './group-records.js';
import { groupCsv, groupPeriod, groupReport, GroupReportError } from './group-reports.js';
import { type GroupLocation, renderGroupPage } from './group-page.js';

export interface GroupsPluginOptions {
  /** Where sign-in links are mailed (the work providers' SMTP settings); none: the link is logged. */
  mail?: ProviderMailConfig | null;
  now?: () => Date;
}

const SESSION_COOKIE = 'bayline_group';
const PRE_COOKIE = 'bayline_group_pre';

const HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
};

function send(reply: FastifyReply, status: number, page: RenderedPage) {
  return reply.code(status).headers(HEADERS).header('content-security-policy', page.csp).type('text/html; charset=utf-8').send(page.body);
}

export const groupsPlugin: FastifyPluginAsync<GroupsPluginOptions> = async (app, options) => {
  const notFound = renderNotFound();
  const groupOf = async (slug: string) => (GROUP_SLUG.test(slug) ? app.storage.groups.find(slug) : null);
  const auth = new GroupAuth(app.storage, { mail: options.mail ?? null, log: app.log, now: options.now });
  const requests = new RateLimiter(300, 60_000);
  const now = () => options.now?.() ?? new Date();

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const cookie = (slug: string, name: string, value: string, maxAgeSeconds: number, sameSite: 'Lax' | 'Strict') =>
    `${name}=${value}; Path=/g/${slug}/admin; HttpOnly; Secure; SameSite=${sameSite}; Max-Age=${maxAgeSeconds}`;
  const field = (req: FastifyRequest, name: string) => {
    const v = ((req.body ?? {}) as Record<string, unknown>)[name];
    return typeof v === 'string' ? v : '';
  };
  const csrfOk = (req: FastifyRequest, expected: string | undefined) => {
    const given = field(req, '_csrf');
    return !!expected && given.length > 0 && sameText(given, expected);
  };
  /** The anonymous forms' token: a cookie the form repeats (double submit). */
  const preToken = (req: FastifyRequest, reply: FastifyReply, slug: string) => {
    const have = readCookies(req.headers.cookie).get(PRE_COOKIE);
    if (have && /^[A-Za-z0-9_-]{43}$/.test(have)) return have;
    const made = randomToken();
    reply.header('set-cookie', cookie(slug, PRE_COOKIE, made, 3600, 'Strict'));
    return made;
  };
  const admin = { ...HEADERS, 'cache-control': 'no-store', 'x-robots-tag': 'noindex', 'referrer-policy': 'same-origin' };
  const sendAdmin = (reply: FastifyReply, status: number, p: RenderedPage) =>
    reply.code(status).headers(admin).header('content-security-policy', p.csp).type('text/html; charset=utf-8').send(p.body);
  const signedIn = async (req: FastifyRequest, group: GroupRecord) => {
    const id = readCookies(req.headers.cookie).get(SESSION_COOKIE);
    const found = await auth.session(group, id);
    return found ? { ...found, id: id! } : null;
  };
  const publicUrl = (req: FastifyRequest) => app.publicUrl || `${req.protocol}://${req.host}`;
  const today = () => now().toISOString().slice(0, 10);

  app.addHook('onRequest', async (req, reply) => {
    if (req.url.includes('/admin') && !requests.take(req.ip)) return reply.code(429).type('text/plain').send('Too many requests; wait a minute.');
  });

  app.get<{ Params: { slug: string } }>('/g/:slug/admin/style.css', async (req, reply) => {
    if (!GROUP_SLUG.test(req.params.slug)) return send(reply, 404, notFound);
    return reply.code(200).headers({ ...HEADERS, 'cache-control': 'public, max-age=3600' }).type('text/css; charset=utf-8').send(ADMIN_CSS);
  });

  app.get<{ Params: { slug: string } }>('/g/:slug/admin/sign-in', async (req, reply) => {
    const group = await groupOf(req.params.slug);
    if (!group) return send(reply, 404, notFound);
    return sendAdmin(reply, 200, signInPage(group, preToken(req, reply, group.slug)));
  });

  app.post<{ Params: { slug: string } }>('/g/:slug/admin/sign-in', async (req, reply) => {
    const group = await groupOf(req.params.slug);
    if (!group) return send(reply, 404, notFound);
    const pre = preToken(req, reply, group.slug);
    if (!csrfOk(req, readCookies(req.headers.cookie).get(PRE_COOKIE))) {
      return sendAdmin(reply, 403, signInPage(group, pre, { kind: 'error', text: 'That form was out of date. Nothing was sent; try again.' }));
    }
    const asked = await auth.requestLink(group, field(req, 'email'), req.ip, publicUrl(req));
    if (asked.outcome === 'bad-address') return sendAdmin(reply, 400, signInPage(group, pre, { kind: 'error', text: `"${field(req, 'email').slice(0, 80)}" is not an e-mail address. Check it and try again.` }));
    if (asked.outcome === 'too-many') return sendAdmin(reply, 429, signInPage(group, pre, { kind: 'error', text: 'Too many links asked for. Wait a quarter of an hour, or use the last link you were sent.' }));
    return sendAdmin(reply, 200, signInPage(group, pre, { kind: 'sent', text: `If ${field(req, 'email').trim().slice(0, 254)} is an admin of ${group.name}, a sign-in link is on its way. It works once, for 30 minutes.` }));
  });

  app.get<{ Params: { slug: string; token: string } }>('/g/:slug/admin/link/:token', async (req, reply) => {
    const group = await groupOf(req.params.slug);
    if (!group || !/^[A-Za-z0-9_-]{43}$/.test(req.params.token)) return send(reply, 404, notFound);
    return sendAdmin(reply, 200, linkPage(group, req.params.token, preToken(req, reply, group.slug)));
  });

  app.post<{ Params: { slug: string; token: string } }>('/g/:slug/admin/link/:token', async (req, reply) => {
    const group = await groupOf(req.params.slug);
    if (!group) return send(reply, 404, notFound);
    if (!csrfOk(req, readCookies(req.headers.cookie).get(PRE_COOKIE))) return sendAdmin(reply, 403, linkPage(group, req.params.token, preToken(req, reply, group.slug)));
    const started = await auth.useLink(group, req.params.token);
    if (!started) return sendAdmin(reply, 410, messagePage(group, 'That link has been used or has expired', 'Each sign-in link works once, for 30 minutes. Ask for a new one.', true));
    reply.header('set-cookie', [cookie(group.slug, SESSION_COOKIE, started.id, 8 * 3600, 'Lax'), cookie(group.slug, PRE_COOKIE, '', 0, 'Strict')]);
    return reply.code(303).headers(admin).header('location', `/g/${group.slug}/admin`).send();
  });

  app.get<{ Params: { slug: string }; Querystring: { from?: string; to?: string } }>('/g/:slug/admin', async (req, reply) => {
    const group = await groupOf(req.params.slug);
    if (!group) return send(reply, 404, notFound);
    const who = await signedIn(req, group);
    if (!who) return reply.code(303).headers(admin).header('location', `/g/${group.slug}/admin/sign-in`).send();
    const q = req.query ?? {};
    try {
      const period = groupPeriod({ from: q.from, to: q.to }, today());
      const report = await groupReport(app.storage, group, period);
      return sendAdmin(reply, 200, reportPage({ group, report, period, error: null, csrf: who.session.csrfToken, who: `${who.person.name} (${who.person.email})` }));
    } catch (e) {
      if (!(e instanceof GroupReportError)) throw e;
      const period = groupPeriod({}, today());
      return sendAdmin(reply, 400, reportPage({ group, report: null, period: { from: typeof q.from === 'string' ? q.from.slice(0, 10) : period.from, to: typeof q.to === 'string' ? q.to.slice(0, 10) : period.to }, error: e.message, csrf: who.session.csrfToken, who: `${who.person.name} (${who.person.email})` }));
    }
  });

  app.get<{ Params: { slug: string }; Querystring: { from?: string; to?: string } }>('/g/:slug/admin/report.csv', async (req, reply) => {
    const group = await groupOf(req.params.slug);
    if (!group) return send(reply, 404, notFound);
    const who = await signedIn(req, group);
    if (!who) return reply.code(401).headers(admin).type('text/plain; charset=utf-8').send('Sign in again.');
    let period: { from: string; to: string };
    try {
      period = groupPeriod({ from: req.query?.from, to: req.query?.to }, today());
    } catch (e) {
      if (e instanceof GroupReportError) return reply.code(400).headers(admin).type('text/plain; charset=utf-8').send(e.message);
      throw e;
    }
    const report = await groupReport(app.storage, group, period);
    return reply
      .code(200)
      .headers(admin)
      .header('content-disposition', `attachment; filename="${group.slug}-locations-${period.from}-to-${period.to}.csv"`)
      .type('text/csv; charset=utf-8')
      .send(groupCsv(group.name, report));
  });

  app.post<{ Params: { slug: string } }>('/g/:slug/admin/sign-out', async (req, reply) => {
    const group = await groupOf(req.params.slug);
    if (!group) return send(reply, 404, notFound);
    const who = await signedIn(req, group);
    if (who && !csrfOk(req, who.session.csrfToken)) return sendAdmin(reply, 403, messagePage(group, 'That form was out of date', 'You are still signed in. Go back, reload the page and try again.', false));
    if (who) await auth.endSession(who.id);
    reply.header('set-cookie', cookie(group.slug, SESSION_COOKIE, '', 0, 'Lax'));
    return reply.code(303).headers(admin).header('location', `/g/${group.slug}/admin/sign-in`).send();
  });

  app.get<{ Params: { slug: string } }>('/g/:slug', async (req, reply) => {
    const group = await groupOf(req.params.slug);
    if (!group) return send(reply, 404, notFound);
    const locations: GroupLocation[] = [];
    const offered = new Set<string>();
    let country: string | null | undefined;
    for (const id of group.members) {
      const workspace = await app.storage.findWorkspace(id);
      if (!workspace) continue;
      const store = await app.storage.workspaceStore(workspace.id);
      const settings = await readSettings(store.db);
      const languages = await readCustomerLanguages(store.db);
      if (country === undefined) country = languages.country;
      for (const l of languages.offered) offered.add(l);
      const booking = await store.db.selectFrom('appointment_availability').select('id').where('kind', '=', 'estimate').where('active', '=', 1).executeTakeFirst();
      locations.push({ slug: workspace.slug, shop: shopOf(settings), booking: !!booking });
    }
    const words = customerWords(country, cookieLanguage(req));
    return send(reply, 200, renderGroupPage({ slug: group.slug, name: group.name, colorPrimary: group.colorPrimary, colorAccent: group.colorAccent, hasLogo: group.logo !== null, locations, words, offered: [...offered] }));
  });

  /** The page's language switch: the choice is kept on this phone, in the cookie every customer page reads. */
  app.post<{ Params: { slug: string } }>('/g/:slug/language', async (req, reply) => {
    const group = await groupOf(req.params.slug);
    if (!group) return send(reply, 404, notFound);
    const wanted = field(req, 'language');
    if (!isCustomerLanguage(wanted)) {
      return reply.code(400).send({ error: 'bad-language', message: `"${wanted.slice(0, 20)}" is not a language this page offers (${CUSTOMER_LANGUAGES.join(', ')}).` });
    }
    const secure = req.protocol === 'https' ? '; Secure' : '';
    reply.header('set-cookie', `${LANGUAGE_COOKIE}=${wanted}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly${secure}`);
    return reply.code(303).header('location', `/g/${group.slug}`).send();
  });

  app.get<{ Params: { slug: string } }>('/g/:slug/logo', async (req, reply) => {
    const group = await groupOf(req.params.slug);
    if (!group?.logo) return send(reply, 404, notFound);
    return reply.code(200).headers({ ...HEADERS, 'cache-control': 'public, max-age=3600' }).type(group.logo.type).send(group.logo.bytes);
  });
};
