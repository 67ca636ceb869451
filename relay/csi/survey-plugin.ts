// The survey's routes under the customer's link (issue 18): /t/<token>/survey (one question per
// screen, the thank-you page, amending within 24 hours) and /t/<token>/review/<site>, which counts
// the click in `review_clicks` and sends the phone on to the site the shop configured — only
// those: any other site is the portal's "not here". Forms only; no script on these pages.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { configuredSites, readCsiSettings, readReviewSettings, responseId, reviewClickId, type Answers } from '../../src-shared/csi/settings.js';
import { hashToken, tokenWorkspace } from '../../src-shared/portal/token.js';
import { SETTINGS_ID, toSettings } from '../../src-shared/settings.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import { RateLimiter } from '../rate-limit.js';
import type { ResolvedToken } from '../portal/portal-service.js';
import { findLiveToken, shopOf } from '../portal/portal-view.js';
import { readerWords } from '../portal/language.js';
import { formatWhen, renderNotFound, renderTooMany, type RenderedPage } from '../portal/render.js';
import { amendUntil, answersOf, questionsOf, readAnswers, saveResponse, SurveyRefused } from './answers.js';
import { renderSurveyClosed, renderSurveyScreen, renderSurveyThanks, SURVEY_CSS } from './survey-render.js';

export interface SurveyPluginOptions {
  /** The clock amending is judged by (tests set their own). */
  clock?: () => Date;
}

const HEADERS: Record<string, string> = {
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-robots-tag': 'noindex, nofollow',
  'cache-control': 'no-store',
};

type Req = FastifyRequest<{ Params: { token: string; site?: string }; Querystring: Record<string, string | undefined>; Body: unknown }>;

export const surveyPlugin: FastifyPluginAsync<SurveyPluginOptions> = async (app, options) => {
  const now = options.clock ?? (() => new Date());
  const requests = new RateLimiter(300, 60_000);
  const misses = new RateLimiter(20, 10 * 60_000);
  const notFound = renderNotFound();
  const tooMany = renderTooMany();

  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
  }

  app.get(SURVEY_CSS.path, async (req, reply) => {
    reply.headers({ 'x-content-type-options': 'nosniff', 'cross-origin-resource-policy': 'same-origin' }).header('cache-control', 'public, max-age=31536000, immutable').header('etag', SURVEY_CSS.etag).type(SURVEY_CSS.type);
    if (req.headers['if-none-match'] === SURVEY_CSS.etag) return reply.code(304).send();
    return reply.send(SURVEY_CSS.body);
  });

  function send(reply: FastifyReply, status: number, page: RenderedPage) {
    return reply.code(status).headers(HEADERS).header('content-security-policy', page.csp).type('text/html; charset=utf-8').send(page.body);
  }

  async function open(req: Req, reply: FastifyReply): Promise<ResolvedToken | FastifyReply> {
    if (misses.isOver(req.ip) || !requests.take(req.ip)) return send(reply.header('retry-after', '600'), 429, tooMany);
    const workspaceId = tokenWorkspace(req.params.token);
    const found = workspaceId ? await app.storage.findWorkspace(workspaceId) : null;
    if (!workspaceId || !found) return missing(req, reply);
    const store = await app.storage.workspaceStore(workspaceId);
    const hit = await findLiveToken(store.db, req.params.token, 'customer');
    if (!hit) return missing(req, reply);
    return { ...hit, workspaceId, tokenHash: hashToken(req.params.token), store };
  }

  function missing(req: FastifyRequest, reply: FastifyReply) {
    misses.take(req.ip);
    return send(reply, 404, notFound);
  }

  async function context(store: WorkspaceStore, roId: string) {
    const row = await store.db.selectFrom('workspace_settings').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirst();
    const settings = toSettings(row);
    const ro = await store.db.selectFrom('repair_orders').select(['ro_number', 'stage', 'customer_id']).where('id', '=', roId).executeTakeFirst();
    const response = await store.db.selectFrom('csi_responses').selectAll().where('id', '=', responseId(roId)).executeTakeFirst();
    return { settings, shop: shopOf(settings), csi: readCsiSettings(row?.csi_settings), review: readReviewSettings(row?.review_settings), ro, response };
  }

  async function thanks(req: Req, reply: FastifyReply, live: ResolvedToken, notice: string | { key: string } | null, status = 200) {
    const c = await context(live.store, live.roId);
    const words = await readerWords(req, live.store.db, c.ro?.customer_id);
    const until = amendUntil(c.response);
    const open = until !== null && now().getTime() <= until;
    const customer = c.ro?.customer_id ? await live.store.db.selectFrom('customers').select(['referral_code']).where('id', '=', c.ro.customer_id).executeTakeFirst() : undefined;
    const referralUrl = customer?.referral_code && c.settings.slug ? `${app.publicUrl.replace(/\/+$/, '')}/p/${c.settings.slug}?ref=${customer.referral_code}` : null;
    return send(
      reply,
      status,
      renderSurveyThanks({
        token: req.params.token,
        shop: c.shop,
        roNumber: c.ro?.ro_number ?? 0,
        questions: questionsOf(c.response, c.csi.questions),
        answers: answersOf(c.response),
        review: c.review,
        referralUrl,
        amendUntil: open ? new Date(until!).toISOString() : null,
        amendUntilWords: open ? formatWhen(new Date(until!).toISOString(), c.shop.timeZone, words) : null,
        notice: notice === null ? null : typeof notice === 'string' ? notice : words.t(notice.key),
        words,
      }),
    );
  }

  app.get('/t/:token/survey', async (req: Req, reply) => {
    const live = await open(req, reply);
    if (!('roId' in live)) return live;
    const c = await context(live.store, live.roId);
    const words = await readerWords(req, live.store.db, c.ro?.customer_id);
    if (c.ro?.stage !== 'delivered') return send(reply, 200, renderSurveyClosed(c.shop, words.t('survey.notYet'), words.t('survey.opensAfter'), words));
    const amending = req.query.amend === '1';
    if (c.response?.submitted_at && !amending) return thanks(req, reply, live, req.query.changed === '1' ? { key: 'survey.changesSaved' } : null);
    if (c.response?.submitted_at && now().getTime() > amendUntil(c.response)!) return thanks(req, reply, live, { key: 'survey.amendOver' });
    const questions = questionsOf(c.response, c.csi.questions);
    return send(reply, 200, renderSurveyScreen({ token: req.params.token, shop: c.shop, roNumber: c.ro.ro_number ?? 0, questions, index: 0, answers: answersOf(c.response), amending, words }));
  });

  app.post('/t/:token/survey', async (req: Req, reply) => {
    const live = await open(req, reply);
    if (!('roId' in live)) return live;
    const c = await context(live.store, live.roId);
    const words = await readerWords(req, live.store.db, c.ro?.customer_id);
    if (c.ro?.stage !== 'delivered') return send(reply, 409, renderSurveyClosed(c.shop, words.t('survey.notYet'), words.t('survey.opensAfter'), words));
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const amending = body.amend === '1';
    const questions = questionsOf(c.response, c.csi.questions);
    const screen = (index: number, answers: Answers, status = 200, error: string | null = null) =>
      send(reply, status, renderSurveyScreen({ token: req.params.token, shop: c.shop, roNumber: c.ro?.ro_number ?? 0, questions, index, answers, amending, error, words }));
    const at = Math.min(Math.max(Number(body.q) || 0, 0), questions.length - 1);
    // A refusal in the reader's words (numbers as their locale writes them).
    const said = (err: SurveyRefused) => {
      if (!err.say) return err.message;
      const number = new Intl.NumberFormat(words.locale.intl);
      return words.t(err.say.key, Object.fromEntries(Object.entries(err.say.values ?? {}).map(([k, v]) => [k, number.format(v)])));
    };
    let answers: Answers;
    try {
      answers = readAnswers(questions, body);
    } catch (err) {
      if (!(err instanceof SurveyRefused)) throw err;
      return screen(err.index ?? at, {}, 400, said(err));
    }
    const go = body.go === 'back' ? 'back' : body.go === 'next' ? 'next' : 'send';
    if (go === 'back') return screen(Math.max(at - 1, 0), answers);
    const here = questions[at]!;
    if (go === 'next') {
      if (here.kind !== 'text' && answers[here.id] === undefined) return screen(at, answers, 400, words.t(here.kind === 'scale5' ? 'survey.choose5' : 'survey.choose10'));
      return screen(at + 1, answers);
    }
    try {
      await saveResponse(live.store, { roId: live.roId, answers, amending, current: c.csi.questions, now: now() });
    } catch (err) {
      if (!(err instanceof SurveyRefused)) throw err;
      if (err.problem === 'missing' || err.problem === 'invalid') return screen(err.index ?? at, answers, 400, said(err));
      if (err.problem === 'too-late') return thanks(req, reply, live, { key: 'survey.amendOver' }, 409);
      if (err.problem === 'answered') return thanks(req, reply, live, said(err), 409);
      return send(reply, 409, renderSurveyClosed(c.shop, words.t('survey.notYet'), said(err), words));
    }
    await app.storage.announceChanges(live.workspaceId);
    // After a POST the thank-you page is a GET of its own, so a reload does not post again.
    return reply.code(303).header('location', `/t/${req.params.token}/survey${amending ? '?changed=1' : ''}`).send();
  });

  app.get('/t/:token/review/:site', async (req: Req, reply) => {
    const live = await open(req, reply);
    if (!('roId' in live)) return live;
    const c = await context(live.store, live.roId);
    const site = configuredSites(c.review).find((s) => s.site === req.params.site);
    if (!site) return missing(req, reply);
    const id = reviewClickId(live.roId, site.site);
    const at = now().toISOString();
    await live.store.write({ actor: 'customer', action: 'review-click', summary: `Review invitation opened: ${site.label}`, roId: live.roId, audit: false }, async (tx) => {
      const row = await tx.get('review_clicks', id);
      if (row) await tx.update('review_clicks', id, { clicks: (row.clicks ?? 0) + 1, last_at: at });
      else await tx.insert('review_clicks', { id, ro_id: live.roId, response_id: c.response ? c.response.id : null, site: site.site, clicks: 1, last_at: at });
    });
    await app.storage.announceChanges(live.workspaceId);
    return reply.code(302).headers({ 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' }).header('location', site.url).send();
  });
};
