// The work-provider web app on the relay (issue 19), under /provider: sign-in (password + TOTP,
// from an e-mailed invitation), lookup by claim or plate, the repair page (live), the exception
// list with its CSV, the SLA view, the team page of a provider admin; and GET /providers/directory,
// the list a shop's desk picks a provider from. Every answer about a repair goes through
// ProviderAccess, which checks the shop's live grant on each request.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { isDelayReason } from '../../src-shared/exceptions.js';
import { type Blobs, BlobStore } from '../blobs/blob-store.js';
import { authenticateDevice } from '../pairing.js';
import { RateLimiter } from '../rate-limit.js';
import { isWorkspaceId } from '../storage/common.js';
import type { OpenException, RepairDetail } from './access.js';
import { PasskeyError, ProviderPasskeys, relyingPartyOf } from './passkeys.js';
import { ProviderAuth, ProviderAuthError, randomToken, sameText, sha256 } from './auth.js';
import type { ProviderSession, ProviderUser, SlaTargets, WorkProvider } from './records.js';
import {
  accountPage,
  AGE_FILTERS,
  confirmPage,
  integrationsPage,
  type IntegrationsView,
  codePage,
  exceptionsPage,
  findPage,
  invitePage,
  messagePage,
  page,
  type PageContext,
  PROVIDER_CSS,
  PROVIDER_JS,
  WEBAUTHN_JS,
  repairPage,
  repairSection,
  setupCodePage,
  signInPage,
  slaPage,
  teamPage,
} from './web-render.js';
import { html } from '../portal/html.js';
import multipart, { type Multipart, type MultipartFile } from '@fastify/multipart';
import { IntegrationError, type ProviderIntegrations } from '../provider-api/integrations.js';
import { API_BASE } from '../provider-api/openapi.js';
import { checkLogo, LOGO_MAX_BYTES, ProviderLogoError } from './logo.js';

export interface ProviderWebOptions {
  auth: ProviderAuth;
  /** API keys, webhook endpoints and the delivery log (the admin's "API & webhooks" page). */
  integrations: ProviderIntegrations;
  blobDir?: string;
  /** The sign-in clock (tests move it). */
  now?: () => Date;
  /** The store itself when it is not that folder (a bucket); the folder then holds only scratch files and caches. */
  blobStore?: Blobs;
  /** How often an open repair page's event stream says it is alive. */
  heartbeatMs?: number;
}

export const SESSION_COOKIE = 'bayline_provider';
export const PRE_COOKIE = 'bayline_provider_pre';

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-robots-tag': 'noindex',
};

const RO_ID = /^[A-Za-z0-9:_-]{1,80}$/;

type Signed = { session: ProviderSession; user: ProviderUser; provider: WorkProvider; id: string };

export function readCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    out.set(part.slice(0, i).trim(), decodeURIComponent(part.slice(i + 1).trim()));
  }
  return out;
}

function cookie(name: string, value: string, maxAgeSeconds: number | null, sameSite: 'Lax' | 'Strict' = 'Lax'): string {
  return `${name}=${value}; Path=/provider; HttpOnly; Secure; SameSite=${sameSite}${maxAgeSeconds === null ? '' : `; Max-Age=${maxAgeSeconds}`}`;
}

export const providerWebPlugin: FastifyPluginAsync<ProviderWebOptions> = async (app, options) => {
  const { auth, integrations } = options;
  const access = app.providers.access;
  const records = app.storage.providers;
  const blobs = options.blobStore ?? (options.blobDir ? new BlobStore(options.blobDir) : null);
  const requests = new RateLimiter(600, 60_000);
  const streams = new Map<string, number>();

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
    // A field given more than once (checkboxes of one name) becomes a list.
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of new URLSearchParams(body as string)) {
      const had = out[k];
      out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
    }
    done(null, out);
  });

  // Only the logo form is multipart: one file, the CSRF field, nothing else.
  await app.register(multipart, { limits: { fileSize: LOGO_MAX_BYTES + 1, files: 1, fields: 2, fieldSize: 200, parts: 3 } });

  app.addHook('onRequest', async (req, reply) => {
    reply.headers(SECURITY_HEADERS);
    if (!requests.take(req.ip)) return reply.code(429).type('text/plain').send('Too many requests; wait a minute.');
  });

  const passkeys = new ProviderPasskeys(app.storage, options.now);
  for (const a of [PROVIDER_CSS, PROVIDER_JS, WEBAUTHN_JS]) {
    app.get(a.path, async (_req, reply) => reply.header('cache-control', 'public, max-age=31536000, immutable').type(a.type).send(a.body));
  }

  // ---- helpers -------------------------------------------------------------------------------

  const send = (reply: FastifyReply, ctx: PageContext, title: string, body: ReturnType<typeof html>, code = 200) =>
    reply.code(code).type('text/html; charset=utf-8').send(page(ctx, title, body));

  async function signedIn(req: FastifyRequest): Promise<Signed | null> {
    const id = readCookies(req.headers.cookie).get(SESSION_COOKIE);
    const found = await auth.session(id);
    if (!found || found.session.step !== 'signed-in') return null;
    return { ...found, id: id! };
  }

  /** The signed-in person, or a redirect to the sign-in page (pages) / 401 (fetches). */
  async function requireUser(req: FastifyRequest, reply: FastifyReply): Promise<Signed | null> {
    const who = await signedIn(req);
    if (who) return who;
    if (req.method === 'GET' && !req.url.includes('/live') && !req.url.includes('/events')) await reply.redirect('/provider/sign-in', 303);
    else await reply.code(401).type('text/plain').send('Sign in again.');
    return null;
  }

  /** A state change must carry the session's CSRF token (form field or X-CSRF-Token). */
  function csrfOk(req: FastifyRequest, expected: string): boolean {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const given = typeof body._csrf === 'string' ? body._csrf : typeof req.headers['x-csrf-token'] === 'string' ? req.headers['x-csrf-token'] : '';
    return given.length > 0 && sameText(given, expected);
  }

  async function refuseCsrf(reply: FastifyReply) {
    return reply.code(403).type('text/html; charset=utf-8').send(page({ provider: null, user: null, csrf: null }, 'Refused', messagePage('That form was out of date', 'Nothing was changed. Go back, reload the page and try again.')));
  }

  /** The token of anonymous forms (sign-in, invitation): a cookie the form must repeat (double submit). */
  function preToken(req: FastifyRequest, reply: FastifyReply): string {
    const have = readCookies(req.headers.cookie).get(PRE_COOKIE);
    if (have && /^[A-Za-z0-9_-]{43}$/.test(have)) return have;
    const made = randomToken();
    reply.header('set-cookie', cookie(PRE_COOKIE, made, 3600, 'Strict'));
    return made;
  }

  function preOk(req: FastifyRequest): boolean {
    const have = readCookies(req.headers.cookie).get(PRE_COOKIE);
    return !!have && csrfOk(req, have);
  }

  const userAgent = (req: FastifyRequest) => (typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null);
  const field = (req: FastifyRequest, name: string) => {
    const v = ((req.body ?? {}) as Record<string, unknown>)[name];
    return typeof v === 'string' ? v : '';
  };
  const providerFromQuery = async (req: FastifyRequest) => {
    const p = (req.query as { p?: unknown }).p;
    return typeof p === 'string' && p.length < 60 ? records.findProvider(p) : null;
  };

  // ---- sign-in -------------------------------------------------------------------------------

  app.get('/provider/sign-in', async (req, reply) => {
    const csrf = preToken(req, reply);
    const provider = await providerFromQuery(req);
    return send(reply, { provider, user: null, csrf: null, passkeys: true }, 'Sign in', signInPage({ csrf, provider }));
  });

  app.post('/provider/sign-in', async (req, reply) => {
    if (!preOk(req)) return refuseCsrf(reply);
    const email = field(req, 'email');
    const result = await auth.checkPassword(email, field(req, 'password'), req.ip);
    const again = (error: string, code: number) => send(reply, { provider: null, user: null, csrf: null, passkeys: true }, 'Sign in', signInPage({ csrf: preToken(req, reply), error, email, provider: null }), code);
    if (result.outcome === 'too-many') return again('Too many tries from this address. Wait 15 minutes.', 429);
    if (result.outcome === 'locked') return again('This account is locked after 20 wrong passwords. Ask your administrator to unlock it.', 423);
    if (result.outcome === 'wrong') return again('That e-mail and password do not match.', 401);
    // Whatever session id the browser brought is ignored: every step up gets a new one.
    const step = result.user.totpConfirmedAt ? 'password' : 'setup';
    const started = await auth.startSession(result.user.id, step, { ip: req.ip, userAgent: userAgent(req) });
    reply.header('set-cookie', cookie(SESSION_COOKIE, started.id, null));
    return reply.redirect(step === 'password' ? '/provider/sign-in/code' : '/provider/setup-code', 303);
  });

  async function pendingSession(req: FastifyRequest, step: ProviderSession['step']) {
    const id = readCookies(req.headers.cookie).get(SESSION_COOKIE);
    const found = await auth.session(id);
    return found && found.session.step === step ? { ...found, id: id! } : null;
  }

  async function finishSignIn(req: FastifyRequest, reply: FastifyReply, previousId: string, userId: string) {
    await auth.endSession(previousId);
    const started = await auth.startSession(userId, 'signed-in', { ip: req.ip, userAgent: userAgent(req) });
    reply.header('set-cookie', cookie(SESSION_COOKIE, started.id, 8 * 3600));
    return reply.redirect('/provider', 303);
  }

  app.get('/provider/sign-in/code', async (req, reply) => {
    const pending = await pendingSession(req, 'password');
    if (!pending) return reply.redirect('/provider/sign-in', 303);
    return send(reply, { provider: pending.provider, user: null, csrf: null }, 'Sign-in code', codePage({ csrf: pending.session.csrfToken }));
  });

  app.post('/provider/sign-in/code', async (req, reply) => {
    const pending = await pendingSession(req, 'password');
    if (!pending) return reply.redirect('/provider/sign-in', 303);
    if (!csrfOk(req, pending.session.csrfToken)) return refuseCsrf(reply);
    const result = await auth.checkCode(pending.user, field(req, 'code'), req.ip);
    if (result.outcome === 'ok') return finishSignIn(req, reply, pending.id, pending.user.id);
    if (result.outcome === 'locked') {
      await auth.endSession(pending.id);
      return send(reply, { provider: null, user: null, csrf: null }, 'Locked', messagePage('Account locked', 'Too many wrong passwords and codes. Ask your administrator to unlock it.'), 423);
    }
    return send(reply, { provider: pending.provider, user: null, csrf: null }, 'Sign-in code', codePage({ csrf: pending.session.csrfToken, error: 'That code is not right (or was used already). Try the next one.' }), 401);
  });

  // ---- invitations and code set-up -------------------------------------------------------------

  app.get<{ Params: { token: string } }>('/provider/invite/:token', async (req, reply) => {
    const invitation = await auth.openInvitation(req.params.token);
    if (!invitation) return send(reply, { provider: null, user: null, csrf: null }, 'Invitation', messagePage('This invitation cannot be used', 'It was used already or has expired. Ask for a new one.'), 404);
    const provider = await records.findProvider(invitation.providerId);
    return send(reply, { provider, user: null, csrf: null }, 'Welcome', invitePage({ csrf: preToken(req, reply), name: invitation.name, email: invitation.email, providerName: provider?.name ?? '' }));
  });

  app.post<{ Params: { token: string } }>('/provider/invite/:token', async (req, reply) => {
    if (!preOk(req)) return refuseCsrf(reply);
    const invitation = await auth.openInvitation(req.params.token);
    if (!invitation) return send(reply, { provider: null, user: null, csrf: null }, 'Invitation', messagePage('This invitation cannot be used', 'It was used already or has expired. Ask for a new one.'), 404);
    const provider = await records.findProvider(invitation.providerId);
    const again = (error: string) => send(reply, { provider, user: null, csrf: null }, 'Welcome', invitePage({ csrf: preToken(req, reply), name: invitation.name, email: invitation.email, providerName: provider?.name ?? '', error }), 400);
    const password = field(req, 'password');
    if (password !== field(req, 'again')) return again('The two passwords differ.');
    let user: ProviderUser | null;
    try {
      user = await auth.acceptInvitation(req.params.token, password);
    } catch (err) {
      if (err instanceof ProviderAuthError) return again(err.message);
      throw err;
    }
    if (!user) return send(reply, { provider: null, user: null, csrf: null }, 'Invitation', messagePage('This invitation cannot be used', 'It was used already or has expired. Ask for a new one.'), 404);
    const started = await auth.startSession(user.id, 'setup', { ip: req.ip, userAgent: userAgent(req) });
    reply.header('set-cookie', cookie(SESSION_COOKIE, started.id, null));
    return reply.redirect('/provider/setup-code', 303);
  });

  app.get('/provider/setup-code', async (req, reply) => {
    const pending = await pendingSession(req, 'setup');
    if (!pending) return reply.redirect('/provider/sign-in', 303);
    const uri = await auth.totpUri(pending.user, pending.provider);
    return send(reply, { provider: pending.provider, user: null, csrf: null }, 'Sign-in code', setupCodePage({ csrf: pending.session.csrfToken, secret: (await auth.totpSecretOf(pending.user)) ?? '', qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 200 }) }));
  });

  app.post('/provider/setup-code', async (req, reply) => {
    const pending = await pendingSession(req, 'setup');
    if (!pending) return reply.redirect('/provider/sign-in', 303);
    if (!csrfOk(req, pending.session.csrfToken)) return refuseCsrf(reply);
    const result = await auth.checkCode(pending.user, field(req, 'code'), req.ip);
    if (result.outcome !== 'ok') {
      const uri = await auth.totpUri(pending.user, pending.provider);
      return send(reply, { provider: pending.provider, user: null, csrf: null }, 'Sign-in code', setupCodePage({ csrf: pending.session.csrfToken, secret: (await auth.totpSecretOf(pending.user)) ?? '', qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 200 }), error: 'That code is not right. Check the clock of your phone and try the next one.' }), 401);
    }
    await auth.confirmTotp(pending.user);
    return finishSignIn(req, reply, pending.id, pending.user.id);
  });

  // ---- signing out ---------------------------------------------------------------------------

  app.post('/provider/sign-out', async (req, reply) => {
    const who = await signedIn(req);
    if (who) {
      if (!csrfOk(req, who.session.csrfToken)) return refuseCsrf(reply);
      await auth.endSession(who.id);
    }
    reply.header('set-cookie', cookie(SESSION_COOKIE, '', 0));
    return reply.redirect('/provider/sign-in', 303);
  });

  app.post('/provider/sign-out-everywhere', async (req, reply) => {
    const who = await requireUser(req, reply);
    if (!who) return reply;
    if (!csrfOk(req, who.session.csrfToken)) return refuseCsrf(reply);
    await auth.endEverySession(who.user.id);
    reply.header('set-cookie', cookie(SESSION_COOKIE, '', 0));
    return reply.redirect('/provider/sign-in', 303);
  });

  // ---- finding and reading repairs -------------------------------------------------------------

  const ctxOf = (who: Signed, section?: PageContext['section']): PageContext => ({ provider: who.provider, user: who.user, csrf: who.session.csrfToken, section });

  app.get('/provider', async (req, reply) => {
    const who = await requireUser(req, reply);
    if (!who) return reply;
    const shops = await access.grantedShops(who.provider);
    return send(reply, ctxOf(who, 'find'), 'Find a repair', findPage({ query: '', hits: null, shops }));
  });

  app.get('/provider/find', async (req, reply) => {
    const who = await requireUser(req, reply);
    if (!who) return reply;
    const q = String((req.query as { q?: unknown }).q ?? '').slice(0, 80);
    const [hits, shops] = await Promise.all([access.lookup(who.provider, q), access.grantedShops(who.provider)]);
    // One match: straight to it (and that is a view of the repair, recorded there).
    if (hits.length === 1) return reply.redirect(`/provider/r/${hits[0]!.workspaceId}/${hits[0]!.roId}`, 303);
    return send(reply, ctxOf(who, 'find'), 'Find a repair', findPage({ query: q, hits, shops }));
  });

  type RepairParams = { Params: { ws: string; ro: string } };
  async function visible(req: FastifyRequest<RepairParams>, who: Signed): Promise<RepairDetail | null> {
    const { ws, ro } = req.params;
    if (!isWorkspaceId(ws) || !RO_ID.test(ro)) return null;
    return access.repairDetail(who.provider, ws, ro);
  }
  const notShared = (reply: FastifyReply, who: Signed) =>
    send(reply, ctxOf(who, 'find'), 'Not shared', html`<div class="card"><h1>Not shared with you</h1><p>No repair at this address is shared with ${who.provider.name}. The shop may have stopped sharing it.</p><p><a href="/provider">Find a repair</a></p></div>`, 404);

  app.get<RepairParams>('/provider/r/:ws/:ro', async (req, reply) => {
    const who = await requireUser(req, reply);
    if (!who) return reply;
    const detail = await visible(req, who);
    if (!detail) return notShared(reply, who);
    await access.recordView(who.provider, who.user, detail.workspaceId, detail.roId, detail.roNumber);
    return send(reply, ctxOf(who, 'find'), `Claim ${detail.claimNumber ?? ''}`, repairPage(detail));
  });

  // The page refreshing its own sections (not a new view: nothing is recorded).
  app.get<RepairParams>('/provider/r/:ws/:ro/live', async (req, reply) => {
    const who = await requireUser(req, reply);
    if (!who) return reply;
    const detail = await visible(req, who);
    if (!detail) return reply.code(404).type('text/plain').send('Not shared.');
    return reply.type('text/html; charset=utf-8').send(repairSection(detail).value);
  });

  app.get<RepairParams>('/provider/r/:ws/:ro/events', async (req, reply) => {
    const who = await requireUser(req, reply);
    if (!who) return reply;
    const first = await visible(req, who);
    if (!first) return reply.code(404).type('text/plain').send('Not shared.');
    const open = streams.get(req.ip) ?? 0;
    if (open >= 20) return reply.code(429).type('text/plain').send('Too many open pages.');
    streams.set(req.ip, open + 1);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    res.write(': open\n\n');
    const signature = (d: RepairDetail) => sha256(JSON.stringify(d));
    let last = signature(first);
    let checking = false;
    let again = false;
    let closed = false;
    const check = async () => {
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        do {
          again = false;
          const still = await auth.session(who.id);
          const detail = still && still.session.step === 'signed-in' ? await visible(req, who) : null;
          if (closed) return;
          if (!detail) {
            res.write('event: gone\ndata: 1\n\n');
            res.end();
            return;
          }
          const now = signature(detail);
          if (now !== last) {
            last = now;
            res.write('event: changed\ndata: 1\n\n');
          }
        } while (again && !closed);
      } catch (err) {
        req.log.error({ err }, 'Provider page stream: a check failed');
      } finally {
        checking = false;
      }
    };
    const off = app.storage.onChangesAnnounced(
      (workspaceId) => {
        if (workspaceId === req.params.ws) void check();
      },
      { background: true },
    );
    // A change between the first look and listening would otherwise go unnoticed.
    void check();
    const beat = setInterval(() => res.write(': alive\n\n'), options.heartbeatMs ?? 15_000);
    res.on('close', () => {
      closed = true;
      off();
      clearInterval(beat);
      streams.set(req.ip, Math.max(0, (streams.get(req.ip) ?? 1) - 1));
    });
  });

  app.get<{ Params: { ws: string; ro: string; id: string } }>('/provider/r/:ws/:ro/files/:id', async (req, reply) => {
    const who = await requireUser(req, reply);
    if (!who) return reply;
    const { ws, ro, id } = req.params;
    if (!blobs || !isWorkspaceId(ws) || !RO_ID.test(ro) || !RO_ID.test(id)) return reply.code(404).send();
    const file = await access.sharedFile(who.provider, ws, ro, id);
    const opened = file ? await blobs.open(ws, file.blobHash) : null;
    if (!file || !opened) return reply.code(404).type('text/plain').send('Not shared.');
    const image = /^image\/(jpeg|png|webp)$/.test(file.mimeType ?? '');
    reply.header('content-length', opened.sizeBytes).type(image ? file.mimeType! : file.mimeType === 'application/pdf' ? 'application/pdf' : 'application/octet-stream');
    reply.header('content-disposition', `${image ? 'inline' : 'attachment'}; filename="${(file.fileName ?? 'file').replace(/[^\w. -]/g, '_')}"`);
    return reply.send(opened.stream);
  });

  // ---- exceptions ----------------------------------------------------------------------------

  async function filteredExceptions(req: FastifyRequest, who: Signed) {
    const q = req.query as Record<string, unknown>;
    const reason = typeof q.reason === 'string' && isDelayReason(q.reason) ? q.reason : '';
    const shop = typeof q.shop === 'string' && isWorkspaceId(q.shop) ? q.shop : '';
    const ageNumber = Number(q.age ?? 0);
    const age = (AGE_FILTERS as readonly number[]).includes(ageNumber) ? ageNumber : 0;
    const all = await access.openExceptions(who.provider);
    const rows = all.filter((x) => (!reason || x.reason === reason) && (!shop || x.workspaceId === shop) && x.ageDays >= age);
    const query = new URLSearchParams({ ...(reason ? { reason } : {}), ...(shop ? { shop } : {}), ...(age ? { age: String(age) } : {}) }).toString();
    return { rows, reason, shop, age, query: query ? `?${query}` : '' };
  }

  app.get('/provider/exceptions', async (req, reply) => {
    const who = await requireUser(req, reply);
    if (!who) return reply;
    const f = await filteredExceptions(req, who);
    const shops = (await access.grantedShops(who.provider)).map((s) => ({ id: s.workspaceId, name: s.name }));
    return send(reply, ctxOf(who, 'exceptions'), 'Exceptions', exceptionsPage({ ...f, shops }));
  });

  app.get('/provider/exceptions.csv', async (req, reply) => {
    const who = await requireUser(req, reply);
    if (!who) return reply;
    const { rows } = await filteredExceptions(req, who);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="exceptions-${new Date().toISOString().slice(0, 10)}.csv"`)
      .send(exceptionsCsv(rows));
  });

  // ---- SLA -----------------------------------------------------------------------------------

  app.get('/provider/sla', async (req, reply) => {
    const who = await requireUser(req, reply);
    if (!who) return reply;
    const rows = await access.sla(who.provider);
    return send(reply, ctxOf(who, 'sla'), 'SLA', slaPage({ rows, targets: who.provider.slaTargets, csrf: who.session.csrfToken, admin: who.user.role === 'admin', saved: (req.query as { saved?: string }).saved === '1' }));
  });

  app.post('/provider/sla', async (req, reply) => {
    const who = await requireUser(req, reply);
    if (!who) return reply;
    if (!csrfOk(req, who.session.csrfToken)) return refuseCsrf(reply);
    if (who.user.role !== 'admin') return reply.code(403).type('text/plain').send('Only an administrator sets targets.');
    const targets: SlaTargets = {};
    for (const [key, label, max] of [
      ['firstNoticeToStartDays', 'First notice → start', 365],
      ['cycleDays', 'Cycle time', 365],
      ['overduePercent', 'Past promised', 100],
    ] as const) {
      const raw = field(req, key).trim();
      if (!raw) continue;
      const n = Number(raw);
      if (!Number.isFinite(n) || n < 0 || n > max) {
        const rows = await access.sla(who.provider);
        return send(reply, ctxOf(who, 'sla'), 'SLA', slaPage({ rows, targets: who.provider.slaTargets, csrf: who.session.csrfToken, admin: true, error: `${label}: give a number from 0 to ${max}, not “${raw}”. Nothing was saved.` }), 400);
      }
      targets[key] = n;
    }
    await records.setSlaTargets(who.provider.id, targets);
    return reply.redirect('/provider/sla?saved=1', 303);
  });

  // ---- team and account ----------------------------------------------------------------------

  async function teamView(reply: FastifyReply, who: Signed, extra: { notice?: string; error?: string; link?: string } = {}, code = 200) {
    const users = await records.listUsers(who.provider.id);
    return send(reply, ctxOf(who, 'team'), 'Team', teamPage({ users, me: who.user, provider: who.provider, csrf: who.session.csrfToken, ...extra }), code);
  }

  async function requireAdmin(req: FastifyRequest, reply: FastifyReply, change: boolean, refusal = 'Only an administrator of your company manages its people.'): Promise<Signed | null> {
    const who = await requireUser(req, reply);
    if (!who) return null;
    if (change && !csrfOk(req, who.session.csrfToken)) {
      await refuseCsrf(reply);
      return null;
    }
    if (who.user.role !== 'admin') {
      await reply.code(403).type('text/plain').send(refusal);
      return null;
    }
    return who;
  }

  app.get('/provider/team', async (req, reply) => {
    const who = await requireAdmin(req, reply, false);
    return who ? teamView(reply, who) : reply;
  });

  app.post('/provider/team/invite', async (req, reply) => {
    const who = await requireAdmin(req, reply, true);
    if (!who) return reply;
    const role = field(req, 'role') === 'admin' ? 'admin' : 'member';
    try {
      const sent = await auth.invite({ provider: who.provider, email: field(req, 'email'), name: field(req, 'name'), role, invitedBy: who.user.name, publicUrl: app.publicUrl });
      return teamView(reply, who, sent.mailed ? { notice: `Invitation sent to ${field(req, 'email').trim()}.` } : { notice: `Invitation made for ${field(req, 'email').trim()}.`, link: sent.link });
    } catch (err) {
      if (err instanceof ProviderAuthError) return teamView(reply, who, { error: err.message }, 400);
      throw err;
    }
  });

  app.post<{ Params: { id: string } }>('/provider/team/:id/:action', async (req, reply) => {
    const who = await requireAdmin(req, reply, true);
    if (!who) return reply;
    const { id, action } = req.params as { id: string; action: string };
    const target = await records.findUser(id);
    if (!target || target.providerId !== who.provider.id) return teamView(reply, who, { error: 'There is no such person in your team.' }, 404);
    if (action === 'remove') {
      if (target.id === who.user.id) return teamView(reply, who, { error: 'You cannot remove yourself; ask another administrator.' }, 400);
      await records.removeUser(target.id, new Date().toISOString());
      return teamView(reply, who, { notice: `${target.name} was removed and signed out everywhere.` });
    }
    if (action === 'unlock') {
      await records.unlockUser(target.id);
      return teamView(reply, who, { notice: `${target.name} can sign in again.` });
    }
    return reply.code(404).send();
  });

  // The logo on every page of the provider's team (multipart: the file and the CSRF field).
  app.post('/provider/team/logo', async (req, reply) => {
    const who = await requireUser(req, reply);
    if (!who) return reply;
    if (who.user.role !== 'admin') return reply.code(403).type('text/plain').send('Only an administrator of your company changes its logo.');
    if (!req.isMultipart()) return teamView(reply, who, { error: 'Choose a logo file and press “Upload logo”.' }, 400);
    const fields: Record<string, string> = {};
    let file: { name: string; bytes: Buffer } | null = null;
    try {
      for await (const part of req.parts() as AsyncIterableIterator<Multipart>) {
        if (part.type === 'field') {
          fields[part.fieldname] = String(part.value ?? '');
          continue;
        }
        const f = part as MultipartFile;
        if (f.fieldname !== 'logo' || file) {
          f.file.resume();
          continue;
        }
        file = { name: f.filename || 'The file', bytes: await f.toBuffer() };
      }
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'FST_REQ_FILE_TOO_LARGE') return teamView(reply, who, { error: `That file is over ${LOGO_MAX_BYTES / 1024} KB; a logo may be 200 KB at most. Nothing was changed.` }, 413);
      if (code && code.startsWith('FST_')) return teamView(reply, who, { error: 'That form could not be read; choose one logo file and try again. Nothing was changed.' }, 400);
      throw err;
    }
    if (!(fields._csrf && sameText(fields._csrf, who.session.csrfToken))) return refuseCsrf(reply);
    if (!file || file.bytes.length === 0) return teamView(reply, who, { error: 'No file came with the form: choose a PNG, JPEG or WebP logo.' }, 400);
    try {
      await records.setLogo(who.provider.id, checkLogo(file.bytes, file.name));
    } catch (err) {
      if (err instanceof ProviderLogoError) return teamView(reply, who, { error: err.message }, 400);
      throw err;
    }
    const now = await records.findProvider(who.provider.id);
    return teamView(reply, { ...who, provider: now ?? who.provider }, { notice: 'Logo saved: every page of your team shows it now.' });
  });

  // ---- API keys, webhook endpoints and deliveries (admins) ---------------------------------------

  const NOT_API_ADMIN = 'Only an administrator of your company manages API keys and webhooks.';

  async function integrationsView(req: FastifyRequest, reply: FastifyReply, who: Signed, extra: Partial<IntegrationsView> = {}, code = 200) {
    const statusAsked = (req.query as { status?: unknown }).status;
    const status = typeof statusAsked === 'string' && ['pending', 'delivered', 'failed', 'withheld'].includes(statusAsked) ? statusAsked : '';
    const [keys, endpoints, deliveries] = await Promise.all([
      integrations.listKeys(who.provider.id),
      integrations.listEndpoints(who.provider.id),
      integrations.deliveries(who.provider.id, status, 100),
    ]);
    return send(reply, ctxOf(who, 'api'), 'API & webhooks', integrationsPage({ keys, endpoints, deliveries, status, csrf: who.session.csrfToken, apiUrl: `${app.publicUrl}${API_BASE}`, ...extra }), code);
  }

  /** Runs one change; a refusal shows the page again with its sentence (and what was typed). */
  async function change(req: FastifyRequest, reply: FastifyReply, who: Signed, action: () => Promise<Partial<IntegrationsView> | string>, form?: IntegrationsView['form']) {
    try {
      const done = await action();
      if (typeof done === 'string') return reply.redirect(done, 303);
      return integrationsView(req, reply, who, done);
    } catch (err) {
      if (err instanceof IntegrationError) return integrationsView(req, reply, who, { error: `${err.message} Nothing was changed.`, form }, err.status);
      throw err;
    }
  }

  const NOTICES: Record<string, string> = {
    revoked: 'The key was revoked: the next request with it is refused.',
    removed: 'The endpoint was removed: nothing more is sent to it.',
    retried: 'The delivery is queued again and goes out in a moment.',
  };

  app.get('/provider/api', async (req, reply) => {
    const who = await requireAdmin(req, reply, false, NOT_API_ADMIN);
    if (!who) return reply;
    const done = (req.query as { done?: unknown }).done;
    return integrationsView(req, reply, who, { notice: typeof done === 'string' ? NOTICES[done] : undefined });
  });

  app.post('/provider/api/keys', async (req, reply) => {
    const who = await requireAdmin(req, reply, true, NOT_API_ADMIN);
    if (!who) return reply;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const scopes = Array.isArray(body.scopes) ? (body.scopes as string[]) : typeof body.scopes === 'string' ? [body.scopes] : [];
    return change(req, reply, who, async () => {
      const made = await integrations.createKey(who.provider.id, who.user.name, field(req, 'name'), scopes);
      return { shownOnce: { what: 'key' as const, name: made.record.name, value: made.key }, notice: `Key “${made.record.name}” made.` };
    }, { name: field(req, 'name'), scopes });
  });

  const ID = /^[A-Za-z0-9-]{1,80}$/;

  app.get<{ Params: { id: string } }>('/provider/api/keys/:id/revoke', async (req, reply) => {
    const who = await requireAdmin(req, reply, false, NOT_API_ADMIN);
    if (!who) return reply;
    const key = ID.test(req.params.id) ? (await integrations.listKeys(who.provider.id)).find((k) => k.id === req.params.id && !k.revokedAt) : undefined;
    if (!key) return integrationsView(req, reply, who, { error: 'That key does not exist or was revoked already.' }, 404);
    return send(reply, ctxOf(who, 'api'), 'Revoke key', confirmPage({ title: `Revoke “${key.name}”?`, text: `Every system using ${key.prefix}… is refused from its next request on. This cannot be undone; you can make a new key.`, action: `/provider/api/keys/${key.id}/revoke`, button: 'Revoke key', csrf: who.session.csrfToken }));
  });

  app.post<{ Params: { id: string } }>('/provider/api/keys/:id/revoke', async (req, reply) => {
    const who = await requireAdmin(req, reply, true, NOT_API_ADMIN);
    if (!who) return reply;
    return change(req, reply, who, async () => {
      await integrations.revokeKey(who.provider.id, req.params.id);
      return '/provider/api?done=revoked';
    });
  });

  app.post('/provider/api/webhooks', async (req, reply) => {
    const who = await requireAdmin(req, reply, true, NOT_API_ADMIN);
    if (!who) return reply;
    return change(req, reply, who, async () => {
      const { endpoint, secret } = await integrations.addEndpoint(who.provider.id, who.user.name, field(req, 'url'), field(req, 'description'));
      return { shownOnce: { what: 'secret' as const, name: endpoint.url, value: secret }, notice: `Endpoint ${endpoint.url} added: new events go to it from now on.` };
    }, { url: field(req, 'url'), description: field(req, 'description') });
  });

  app.get<{ Params: { id: string } }>('/provider/api/webhooks/:id/remove', async (req, reply) => {
    const who = await requireAdmin(req, reply, false, NOT_API_ADMIN);
    if (!who) return reply;
    const endpoint = ID.test(req.params.id) ? (await integrations.listEndpoints(who.provider.id)).find((e) => e.id === req.params.id && !e.removedAt) : undefined;
    if (!endpoint) return integrationsView(req, reply, who, { error: 'That endpoint does not exist or was removed already.' }, 404);
    return send(reply, ctxOf(who, 'api'), 'Remove endpoint', confirmPage({ title: 'Remove this endpoint?', text: `Nothing more is sent to ${endpoint.url}, and what is still queued for it is dropped.`, action: `/provider/api/webhooks/${endpoint.id}/remove`, button: 'Remove endpoint', csrf: who.session.csrfToken }));
  });

  app.post<{ Params: { id: string } }>('/provider/api/webhooks/:id/remove', async (req, reply) => {
    const who = await requireAdmin(req, reply, true, NOT_API_ADMIN);
    if (!who) return reply;
    return change(req, reply, who, async () => {
      await integrations.removeEndpoint(who.provider.id, req.params.id);
      return '/provider/api?done=removed';
    });
  });

  app.post<{ Params: { endpointId: string; eventId: string } }>('/provider/api/deliveries/:endpointId/:eventId/retry', async (req, reply) => {
    const who = await requireAdmin(req, reply, true, NOT_API_ADMIN);
    if (!who) return reply;
    return change(req, reply, who, async () => {
      await integrations.retry(who.provider.id, req.params.endpointId, decodeURIComponent(req.params.eventId));
      return '/provider/api?done=retried';
    });
  });

  app.get('/provider/account', async (req, reply) => {
    const who = await requireUser(req, reply);
    if (!who) return reply;
    const q = req.query as { added?: string; removed?: string };
    const notice = q.added === '1' ? 'Passkey added. Next time choose “Sign in with a passkey”.' : q.removed === '1' ? 'Passkey removed.' : undefined;
    return accountView(reply, who, notice);
  });

  async function accountView(reply: FastifyReply, who: Signed, notice?: string, code = 200) {
    const mine = await records.passkeysOf(who.user.id);
    return send(reply, { ...ctxOf(who, 'account'), passkeys: true }, 'Account', accountPage({ user: who.user, csrf: who.session.csrfToken, notice, passkeys: mine, passkeysPossible: relyingPartyOf(app.publicUrl) !== null }), code);
  }

  // ---- passkeys ------------------------------------------------------------------------------

  const noPasskeys = (reply: FastifyReply) =>
    reply.code(409).send({ error: 'no-passkeys', message: 'Passkeys need this site at a named https address (BAYLINE_PUBLIC_URL); ask the operator.' });
  const passkeyRefused = (reply: FastifyReply, err: unknown) => {
    if (err instanceof PasskeyError || err instanceof ProviderAuthError) return reply.code(400).send({ error: 'passkey', message: err.message });
    throw err;
  };

  app.post('/provider/passkeys/options', async (req, reply) => {
    const who = await requireUser(req, reply);
    if (!who) return reply;
    if (!csrfOk(req, who.session.csrfToken)) return reply.code(403).send({ error: 'csrf', message: 'Reload the page and try again.' });
    const rp = relyingPartyOf(app.publicUrl);
    if (!rp) return noPasskeys(reply);
    try {
      return await passkeys.registrationOptions(rp, who.user, who.provider);
    } catch (err) {
      return passkeyRefused(reply, err);
    }
  });

  app.post('/provider/passkeys', async (req, reply) => {
    const who = await requireUser(req, reply);
    if (!who) return reply;
    if (!csrfOk(req, who.session.csrfToken)) return reply.code(403).send({ error: 'csrf', message: 'Reload the page and try again.' });
    const rp = relyingPartyOf(app.publicUrl);
    if (!rp) return noPasskeys(reply);
    const body = (req.body ?? {}) as { challengeId?: unknown; name?: unknown; response?: unknown };
    if (typeof body.challengeId !== 'string' || typeof body.response !== 'object' || !body.response) return reply.code(400).send({ error: 'passkey', message: 'The browser sent no passkey.' });
    try {
      const added = await passkeys.register(rp, who.user, { challengeId: body.challengeId, name: typeof body.name === 'string' ? body.name : '', response: body.response as never });
      return { added };
    } catch (err) {
      return passkeyRefused(reply, err);
    }
  });

  app.post<{ Params: { id: string } }>('/provider/passkeys/:id/remove', async (req, reply) => {
    const who = await requireUser(req, reply);
    if (!who) return reply;
    if (!csrfOk(req, who.session.csrfToken)) return refuseCsrf(reply);
    if (!(await records.removePasskey(req.params.id, who.user.id))) return accountView(reply, who, 'That passkey is not yours or was removed already.', 404);
    return reply.redirect('/provider/account?removed=1', 303);
  });

  app.post('/provider/sign-in/passkey/options', async (req, reply) => {
    if (!preOk(req)) return reply.code(403).send({ error: 'csrf', message: 'Reload the page and try again.' });
    const rp = relyingPartyOf(app.publicUrl);
    if (!rp) return noPasskeys(reply);
    return passkeys.authenticationOptions(rp);
  });

  app.post('/provider/sign-in/passkey', async (req, reply) => {
    if (!preOk(req)) return reply.code(403).send({ error: 'csrf', message: 'Reload the page and try again.' });
    const rp = relyingPartyOf(app.publicUrl);
    if (!rp) return noPasskeys(reply);
    if (!auth.allowTry(req.ip)) return reply.code(429).send({ error: 'too-many', message: 'Too many tries from this address. Wait 15 minutes.' });
    const body = (req.body ?? {}) as { challengeId?: unknown; response?: unknown };
    if (typeof body.challengeId !== 'string' || typeof body.response !== 'object' || !body.response) return reply.code(400).send({ error: 'passkey', message: 'The browser sent no passkey.' });
    try {
      const user = await passkeys.authenticate(rp, { challengeId: body.challengeId, response: body.response as never });
      // A brand-new session, whatever id the browser brought (no fixation).
      const started = await auth.startSession(user.id, 'signed-in', { ip: req.ip, userAgent: userAgent(req) });
      reply.header('set-cookie', cookie(SESSION_COOKIE, started.id, 8 * 3600));
      return { next: '/provider' };
    } catch (err) {
      return passkeyRefused(reply, err);
    }
  });

  // ---- branding and the shops' directory -----------------------------------------------------

  app.get<{ Params: { slug: string } }>('/provider/logo/:slug', async (req, reply) => {
    const provider = await records.findProvider(req.params.slug);
    if (!provider?.logo) return reply.code(404).send();
    return reply.header('cache-control', 'public, max-age=300').type(provider.logo.type).send(Buffer.from(provider.logo.data, 'base64'));
  });

  // The list a shop picks its work providers from (a paired desk's credential).
  app.get('/providers/directory', async (req, reply) => {
    const desk = await authenticateDevice(app.storage, req.headers.authorization);
    if ('error' in desk) return reply.code(desk.error === 'revoked' ? 403 : 401).send({ error: desk.error, message: 'The relay does not know this desk. Pair it again.' });
    return { providers: await records.listProviders() };
  });
};

/** CSV of open exceptions; cells that a spreadsheet would run as a formula are quoted with a leading apostrophe. */
export function exceptionsCsv(rows: OpenException[]): string {
  const cell = (v: string | number | null) => {
    let s = v == null ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [['Shop', 'RO', 'Claim', 'Plate', 'Reason', 'Tag', 'Opened', 'Age (days)'].join(',')];
  for (const x of rows) lines.push([x.shopName, x.roNumber, x.claimNumber, x.plate, x.reasonLabel, x.tag, x.openedAt, x.ageDays].map(cell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
