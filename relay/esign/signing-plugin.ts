// The portal's signing routes, under the customer's link: /t/<token>/sign/<id> (the page), its
// consent, code, sign and decline POSTs, the document and the sealed copy, and withdrawal of
// consent. A link opens only the requests of its own repair; anything else is the portal's one
// "not here" answer. Forms work without JavaScript (typed signature); with it, the page draws the
// PDF's pages (pdf.js) and a signature (signature_pad) and posts JSON. Nothing here logs a token,
// a code or a signature.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { RateLimiter } from '../rate-limit.js';
import { hashToken, tokenWorkspace } from '../../src-shared/portal/token.js';
import type { ResolvedToken } from '../portal/portal-service.js';
import { findLiveToken, readSettings, shopOf } from '../portal/portal-view.js';
import { renderNotFound, renderTooMany, type RenderedPage } from '../portal/render.js';
import { type Blobs, BlobStore } from '../blobs/blob-store.js';
import { readerWords } from '../portal/language.js';
import type { CustomerWords } from '../../src-shared/i18n/index.js';
import { disclosureVersion, documentLanguage, documentName, documentTitle, intentText } from './disclosure.js';
import { SIGN_ASSETS } from './sign-assets.js';
import { renderConsentPage, renderSignPage, renderWithdrawnPage, type SignPageInput } from './sign-render.js';
import { type Caller, type EsignService, type SignRequestRow, SigningRefused } from './signing-service.js';

export interface SigningPluginOptions {
  service: EsignService;
  blobDir?: string;
  /** The store itself when it is not that folder (a bucket); the folder then holds only scratch files and caches. */
  blobStore?: Blobs;
}

const HEADERS: Record<string, string> = {
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-robots-tag': 'noindex, nofollow',
  'cache-control': 'no-store',
};

type Req = FastifyRequest<{ Params: { token: string; id: string }; Querystring: Record<string, string | undefined>; Body: unknown }>;

function wantsJson(req: FastifyRequest): boolean {
  return (req.headers.accept ?? '').includes('application/json');
}

function field(body: unknown, name: string): string {
  if (!body || typeof body !== 'object') return '';
  const v = (body as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : '';
}

/** The sentence after a form's redirect (?done=…), by catalogue key. */
const NOTICES: Record<string, string> = {
  consented: 'esign.consented',
  'code-sent': 'esign.codeSentNotice',
  declined: 'esign.declined',
};

/** The document's language named in the reader's ("Spanish", "inglés") when it is not the reader's own; else null. */
function otherLanguage(language: string | null, words: CustomerWords): string | null {
  if (!language || language === words.locale.language) return null;
  try {
    return new Intl.DisplayNames([words.locale.intl], { type: 'language' }).of(language) ?? null;
  } catch {
    return null;
  }
}

export const signingPlugin: FastifyPluginAsync<SigningPluginOptions> = async (app, options) => {
  const service = options.service;
  const blobs = options.blobStore ?? (options.blobDir ? new BlobStore(options.blobDir) : null);
  const requests = new RateLimiter(300, 60_000);
  const misses = new RateLimiter(20, 10 * 60_000);
  const notFound = renderNotFound();
  const tooMany = renderTooMany();

  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
  }

  for (const asset of SIGN_ASSETS) {
    app.get(asset.path, async (req, reply) => {
      reply.headers({ 'x-content-type-options': 'nosniff', 'cross-origin-resource-policy': 'same-origin' }).header('cache-control', 'public, max-age=31536000, immutable').header('etag', asset.etag).type(asset.type);
      if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding').send(asset.gzip);
      return reply.send(asset.body);
    });
  }

  /** The customer link's repair (the portal's own rules: right kind, not revoked, within its time). */
  async function resolve(token: string): Promise<ResolvedToken | null> {
    const workspaceId = tokenWorkspace(token);
    if (!workspaceId || !(await app.storage.findWorkspace(workspaceId))) return null;
    const store = await app.storage.workspaceStore(workspaceId);
    const hit = await findLiveToken(store.db, token, 'customer');
    return hit ? { ...hit, workspaceId, tokenHash: hashToken(token), store } : null;
  }

  function send(reply: FastifyReply, status: number, page: RenderedPage) {
    return reply.code(status).headers(HEADERS).header('content-security-policy', page.csp).type('text/html; charset=utf-8').send(page.body);
  }

  function missing(req: FastifyRequest, reply: FastifyReply) {
    misses.take(req.ip);
    if (wantsJson(req)) return reply.code(404).headers(HEADERS).send({ ok: false, error: 'not-found', message: 'This link does not work any more.' });
    return send(reply, 404, notFound);
  }

  /** The link's repair and the request, or the reply already sent. */
  async function open(req: Req, reply: FastifyReply): Promise<{ live: ResolvedToken; request: SignRequestRow } | FastifyReply> {
    if (misses.isOver(req.ip) || !requests.take(req.ip)) return send(reply.header('retry-after', '600'), 429, tooMany);
    const live = await resolve(req.params.token);
    if (!live) return missing(req, reply);
    const request = await service.requestFor(live.store, live.roId, req.params.id);
    if (!request) return missing(req, reply);
    return { live, request };
  }

  function caller(req: FastifyRequest): Caller {
    return { ip: req.ip, userAgent: String(req.headers['user-agent'] ?? '').slice(0, 500) };
  }

  /** The words of the link's customer, by the portal's rule (this phone's choice, the customer's language, the shop's). */
  async function wordsOf(req: FastifyRequest, live: ResolvedToken): Promise<CustomerWords> {
    const ro = await live.store.db.selectFrom('repair_orders').select('customer_id').where('id', '=', live.roId).executeTakeFirst();
    return readerWords(req, live.store.db, ro?.customer_id);
  }

  /** A refusal in the reader's words (its catalogue sentence when it has one). */
  function refusalText(err: SigningRefused, words: CustomerWords): string {
    return err.say ? words.t(err.say.key, err.say.values) : err.message;
  }

  async function pageInput(req: Req, live: ResolvedToken, r: SignRequestRow, outcome: { error?: string | null; notice?: string | null }): Promise<SignPageInput> {
    const db = live.store.db;
    const settings = await readSettings(db);
    const ro = await db.selectFrom('repair_orders').select(['ro_number', 'customer_id']).where('id', '=', live.roId).executeTakeFirst();
    const words = await readerWords(req, db, ro?.customer_id);
    const customer = r.customer_id ? await db.selectFrom('customers').select(['first_name', 'last_name']).where('id', '=', r.customer_id).executeTakeFirst() : undefined;
    return {
      token: req.params.token,
      shop: shopOf(settings),
      roNumber: ro?.ro_number ?? 0,
      request: {
        id: r.id,
        // The desk's kinds by their name in the reader's words; the shop's own PDF by its title.
        title: documentTitle(r.kind, r.version, r.title, words),
        name: documentName(r.kind, r.title, words),
        state: r.state ?? '',
        version: Number(r.version ?? 1),
        needsCode: r.needs_code === 1,
        pages: r.document_pages,
        sha256: r.document_sha256 ?? '',
        signedAt: r.signed_at,
        signerName: r.signer_name,
        sealed: r.sealed_blob_hash !== null,
        declineReason: r.decline_reason,
        codeSentTo: r.code_sent_to,
      },
      consented: (await service.consentOf(live.store, r.customer_id)) !== null,
      documentLanguage: otherLanguage(documentLanguage(r.document_detail).language, words),
      intent: intentText(r.kind ?? '', r.title ?? '', words),
      name: [customer?.first_name, customer?.last_name].filter(Boolean).join(' '),
      ...outcome,
      words,
    };
  }

  async function showPage(req: Req, reply: FastifyReply, live: ResolvedToken, r: SignRequestRow, status: number, outcome: { error?: string | null; notice?: string | null }) {
    const input = await pageInput(req, live, r, outcome);
    const open = r.state === 'sent' || r.state === 'opened';
    return send(reply, status, open && !input.consented ? renderConsentPage(input) : renderSignPage(input));
  }

  /** After a POST: JSON for the page's script, a redirect (or the page with the sentence) for forms. */
  async function answer(req: Req, reply: FastifyReply, live: ResolvedToken, done: { notice: string; message: string; next?: string } | SigningRefused) {
    const base = `/t/${req.params.token}/sign/${req.params.id}`;
    if (done instanceof SigningRefused) {
      const said = refusalText(done, await wordsOf(req, live));
      if (wantsJson(req)) return reply.code(done.status).headers(HEADERS).send({ ok: false, error: done.code, message: said });
      const fresh = await service.requestFor(live.store, live.roId, req.params.id);
      if (!fresh) return missing(req, reply);
      return showPage(req, reply, live, fresh, done.status, { error: said });
    }
    const next = done.next ?? `${base}?done=${done.notice}`;
    if (wantsJson(req)) return reply.code(200).headers(HEADERS).send({ ok: true, message: done.message, next });
    return reply.code(303).headers(HEADERS).header('location', next).send();
  }

  async function attempt(req: Req, reply: FastifyReply, live: ResolvedToken, work: () => Promise<{ notice: string; message: string; next?: string }>) {
    try {
      return await answer(req, reply, live, await work());
    } catch (err) {
      if (err instanceof SigningRefused) return answer(req, reply, live, err);
      throw err;
    }
  }

  app.get('/t/:token/sign/:id', async (req: Req, reply) => {
    const found = await open(req, reply);
    if (!('live' in found)) return found;
    const { live, request } = found;
    const consented = (await service.consentOf(live.store, request.customer_id)) !== null;
    if (consented && request.state === 'sent') await service.opened(live.workspaceId, live.store, request, caller(req));
    const done = req.query.done;
    const noticeKey = done ? NOTICES[done] : undefined;
    const notice = noticeKey ? (await wordsOf(req, live)).t(noticeKey) : null;
    return showPage(req, reply, live, consented ? ((await service.requestFor(live.store, live.roId, request.id)) ?? request) : request, 200, { notice });
  });

  app.post('/t/:token/sign/:id/consent', async (req: Req, reply) => {
    const found = await open(req, reply);
    if (!('live' in found)) return found;
    const { live, request } = found;
    return attempt(req, reply, live, async () => {
      const words = await wordsOf(req, live);
      await service.consent(live.workspaceId, live.store, live.roId, request.customer_id, caller(req), disclosureVersion(words));
      return { notice: 'consented', message: words.t('esign.consented') };
    });
  });

  app.post('/t/:token/sign/:id/code', async (req: Req, reply) => {
    const found = await open(req, reply);
    if (!('live' in found)) return found;
    const { live, request } = found;
    return attempt(req, reply, live, async () => {
      if (!(await service.consentOf(live.store, request.customer_id))) {
        throw new SigningRefused(403, 'no-consent', 'Please read and agree to sign electronically first.', { key: 'esign.noConsent' });
      }
      const to = await service.sendCode(live.workspaceId, live.store, request);
      return { notice: 'code-sent', message: (await wordsOf(req, live)).t('esign.codeSentTo', { to: to.replace(/^text to /, '') }) };
    });
  });

  app.post('/t/:token/sign/:id/sign', { bodyLimit: 512 * 1024 }, async (req: Req, reply) => {
    const found = await open(req, reply);
    if (!('live' in found)) return found;
    const { live, request } = found;
    return attempt(req, reply, live, async () => {
      const method = field(req.body, 'method') === 'drawn' ? 'drawn' : 'typed';
      const dataUrl = field(req.body, 'signature');
      const words = await wordsOf(req, live);
      const png = method === 'drawn' && dataUrl.startsWith('data:image/png;base64,') ? Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64') : null;
      await service.sign(
        live.workspaceId,
        live.store,
        request,
        { intent: field(req.body, 'intent'), code: field(req.body, 'code'), signerName: field(req.body, 'signerName'), method, signaturePng: png, words },
        caller(req),
      );
      return { notice: 'signed', message: words.t('esign.signed'), next: `/t/${req.params.token}/sign/${req.params.id}` };
    });
  });

  app.post('/t/:token/sign/:id/decline', async (req: Req, reply) => {
    const found = await open(req, reply);
    if (!('live' in found)) return found;
    const { live, request } = found;
    return attempt(req, reply, live, async () => {
      await service.decline(live.workspaceId, live.store, request, field(req.body, 'reason'), caller(req));
      return { notice: 'declined', message: (await wordsOf(req, live)).t('esign.declined') };
    });
  });

  async function sendPdf(req: Req, reply: FastifyReply, workspaceId: string, hash: string | null, name: string) {
    if (!blobs || !hash) return missing(req, reply);
    const opened = await blobs.open(workspaceId, hash);
    if (!opened) return missing(req, reply);
    reply.headers(HEADERS).header('content-security-policy', "default-src 'none'; sandbox").header('content-length', String(opened.sizeBytes)).type('application/pdf');
    reply.header('content-disposition', `inline; filename="${name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')}"`);
    return reply.send(opened.stream);
  }

  app.get('/t/:token/sign/:id/document.pdf', async (req: Req, reply) => {
    const found = await open(req, reply);
    if (!('live' in found)) return found;
    return sendPdf(req, reply, found.live.workspaceId, found.request.document_blob_hash, `${found.request.title ?? 'document'}.pdf`);
  });

  app.get('/t/:token/sign/:id/signed.pdf', async (req: Req, reply) => {
    const found = await open(req, reply);
    if (!('live' in found)) return found;
    return sendPdf(req, reply, found.live.workspaceId, found.request.sealed_blob_hash, `${found.request.title ?? 'document'} (signed).pdf`);
  });

  app.post('/t/:token/esign/withdraw', async (req: FastifyRequest<{ Params: { token: string } }>, reply) => {
    if (misses.isOver(req.ip) || !requests.take(req.ip)) return send(reply, 429, tooMany);
    const live = await resolve(req.params.token);
    if (!live) return missing(req, reply);
    const ro = await live.store.db.selectFrom('repair_orders').select('customer_id').where('id', '=', live.roId).executeTakeFirst();
    const withdrawn = await service.withdraw(live.workspaceId, live.store, live.roId, ro?.customer_id ?? null, caller(req));
    if (wantsJson(req)) return reply.code(200).headers(HEADERS).send({ ok: true, withdrawn });
    const words = await readerWords(req, live.store.db, ro?.customer_id);
    return send(reply, 200, renderWithdrawnPage({ token: req.params.token, shop: shopOf(await readSettings(live.store.db)), words }));
  });
};
