// The customer-facing routes: the status page /t/<token> (with its live updates, files and the
// conversation), the bay camera /b/<token>, and the public shop page /p/<slug>.
// Every unknown, expired or revoked link gets the same 404 page; misses are counted per address
// and too many of them close the door for a while. Tokens never reach a log line: logged URLs
// are cut (server.ts) and nothing here logs a path or a token.
import { isReferralCode } from '../csi/referrals.js';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import multipart, { type MultipartFile, type Multipart } from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import sharp from 'sharp';
import { MAX_BLOB_BYTES } from '../../src-shared/blob-types.js';
import { normalizePhone } from '../../src-shared/phone.js';
import { automaticReply } from '../sms/automatic-reply.js';
import { customerLinkExpired, hashToken, isPortalSource, newToken, type PortalSource, portalUrl } from '../../src-shared/portal/token.js';
import { type Blobs, BlobStore, formatBytes } from '../blobs/blob-store.js';
import { RateLimiter } from '../rate-limit.js';
import { acceptUpload, type AcceptedUpload, UploadRefused } from '../uploads/intake.js';
import { photoVariant } from '../uploads/variants.js';
import { ASSETS } from './assets.js';
import { type CachedPage, PortalService, type ResolvedToken } from './portal-service.js';
import { findPortalFile, loadPortalView, readCustomerLanguages, readSettings, shopOf } from './portal-view.js';
import { CUSTOMER_LANGUAGES, type CustomerLanguage, customerWords, isCustomerLanguage, languageName } from '../../src-shared/i18n/index.js';

import { cookieLanguage, LANGUAGE_COOKIE } from './language.js';

export { cookieLanguage, LANGUAGE_COOKIE };
import { renderBayPage, renderNotFound, renderShopPage, renderStatusPage, renderTooMany, type RenderedPage } from './render.js';
import { vehicleLine } from './vehicle.js';

export interface PortalPluginOptions {
  /** Folder of blob files; without it, photos and uploads answer 503. */
  blobDir?: string;
  /** The store itself when it is not that folder (a bucket); the folder then holds only scratch files and caches. */
  blobStore?: Blobs;
  /** Largest upload from a phone, bytes (default 25 MiB). */
  maxUploadBytes?: number;
  /** Requests per address per minute on link routes (default 600). */
  requestsPerMinute?: number;
  /** Unknown links per address per 10 minutes before the address waits (default 20). */
  missesPer10Minutes?: number;
  countFlushMs?: number;
  /** The clock the status page is drawn by (whether the promised day has passed); tests set their own. */
  clock?: () => Date;
}

const SECURITY_HEADERS: Record<string, string> = {
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'geolocation=(), microphone=(), camera=(self)',
};

const PRIVATE_HEADERS: Record<string, string> = {
  ...SECURITY_HEADERS,
  'x-robots-tag': 'noindex, nofollow',
  'cache-control': 'no-store',
};

const MAX_FILES_PER_MESSAGE = 5;
const MAX_BAY_PHOTOS = 20;
const MAX_MESSAGE_CHARS = 2000;

declare module 'fastify' {
  interface FastifyInstance {
    portal: PortalService;
  }
}

type TokenRequest = FastifyRequest<{ Params: { token: string }; Querystring: Record<string, string | undefined> }>;

function sendPage(reply: FastifyReply, status: number, page: RenderedPage, headers = PRIVATE_HEADERS) {
  return reply
    .code(status)
    .headers(headers)
    .header('content-security-policy', page.csp)
    .type('text/html; charset=utf-8')
    .send(page.body);
}

/** A cached page's whole header set, built once per page (and encoding), not on every request. */
const headersOfPage = new WeakMap<CachedPage, { gzip: Record<string, string>; plain: Record<string, string> }>();

function pageHeaders(page: CachedPage, gzip: boolean): Record<string, string> {
  let sets = headersOfPage.get(page);
  if (!sets) {
    const plain = { ...PRIVATE_HEADERS, 'content-security-policy': page.csp, 'content-type': 'text/html; charset=utf-8', vary: 'accept-encoding' };
    sets = { plain, gzip: { ...plain, 'content-encoding': 'gzip' } };
    headersOfPage.set(page, sets);
  }
  return gzip ? sets.gzip : sets.plain;
}

function wantsJson(req: FastifyRequest): boolean {
  return (req.headers.accept ?? '').includes('application/json');
}

/** What may be shown of a file name a phone sent: no paths, no control characters, bounded. */
export function cleanFileName(name: string | undefined, mimeType: string): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  let clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  if (mimeType === 'image/jpeg') clean = clean.replace(/\.(heic|heif|png|webp|jpe?g)$/i, '') + '.jpg';
  if (clean === '' || clean === '.jpg') clean = mimeType === 'application/pdf' ? 'document.pdf' : 'photo.jpg';
  return clean;
}

export const portalPlugin: FastifyPluginAsync<PortalPluginOptions> = async (app, options) => {
  const service = new PortalService(app.storage, app.log, { countFlushMs: options.countFlushMs, clock: options.clock });
  app.decorate('portal', service);
  // Open event streams would keep the server from closing: end them first.
  app.addHook('preClose', async () => service.endLive());
  app.addHook('onClose', async () => service.close());
  const blobs = options.blobStore ?? (options.blobDir ? new BlobStore(options.blobDir) : null);
  const derivedDir = options.blobDir ? path.join(options.blobDir, 'derived') : null;
  const maxUpload = options.maxUploadBytes ?? MAX_BLOB_BYTES;
  const requests = new RateLimiter(options.requestsPerMinute ?? 600, 60_000);
  const misses = new RateLimiter(options.missesPer10Minutes ?? 20, 10 * 60_000);
  const tracks = new RateLimiter(10, 15 * 60_000);
  const notFound = renderNotFound();
  const tooMany = renderTooMany();

  await app.register(multipart, {
    limits: { fileSize: maxUpload + 1, files: MAX_BAY_PHOTOS, fields: 10, fieldSize: 16 * 1024, parts: MAX_BAY_PHOTOS + 10 },
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  // ---- assets and robots ---------------------------------------------------------------------

  for (const asset of ASSETS) {
    app.get(asset.path, async (req, reply) => {
      reply.headers(SECURITY_HEADERS).header('cache-control', 'public, max-age=31536000, immutable').header('etag', asset.etag).type(asset.type);
      if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      if (acceptsGzip(req)) return reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding').send(asset.gzip);
      return reply.send(asset.body);
    });
  }
  // Phones ask for it on every new page; an empty answer beats a 404 in their logs.
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).headers(SECURITY_HEADERS).header('cache-control', 'public, max-age=86400').send());
  app.get('/robots.txt', async (_req, reply) => reply.type('text/plain').send('User-agent: *\nDisallow: /t/\nDisallow: /b/\n'));

  // ---- the door: rate limits and the one "not here" answer -------------------------------------

  /** Null when the request may go on; otherwise the reply already sent. */
  function gate(req: FastifyRequest, reply: FastifyReply): FastifyReply | null {
    if (misses.isOver(req.ip) || !requests.take(req.ip)) {
      reply.header('retry-after', '600');
      return sendPage(reply, 429, tooMany);
    }
    return null;
  }

  function missing(req: FastifyRequest, reply: FastifyReply): FastifyReply {
    misses.take(req.ip);
    if (wantsJson(req)) return reply.code(404).headers(PRIVATE_HEADERS).send({ error: 'not-found', message: 'This link does not work any more.' });
    return sendPage(reply, 404, notFound);
  }

  async function customer(req: TokenRequest, reply: FastifyReply): Promise<ResolvedToken | FastifyReply> {
    const refused = gate(req, reply);
    if (refused) return refused;
    const live = await service.resolve(req.params.token, 'customer');
    return live ?? missing(req, reply);
  }

  // ---- the status page -----------------------------------------------------------------------

  app.get('/t/:token', async (req: TokenRequest, reply) => {
    const live = await customer(req, reply);
    if (!('roId' in live)) return live;
    const page = await service.statusPage(req.params.token, live, cookieLanguage(req));
    if (!page) return missing(req, reply);
    // A page asking for its own update is not a visit.
    if (req.headers['x-bayline-live'] !== '1') {
      const source: PortalSource = isPortalSource(req.query.s) ? req.query.s : 'link';
      service.countView(live.workspaceId, live.roId, source);
    }
    const gzip = acceptsGzip(req);
    return reply.code(200).headers(pageHeaders(page, gzip)).send(gzip ? page.gzip : page.body);
  });

  app.get('/t/:token/version', async (req: TokenRequest, reply) => {
    const live = await customer(req, reply);
    if (!('roId' in live)) return live;
    const page = await service.statusPage(req.params.token, live);
    return reply.headers(PRIVATE_HEADERS).type('text/plain').send(page?.version ?? '');
  });

  const streamsPerAddress = new Map<string, number>();
  app.get('/t/:token/events', async (req: TokenRequest, reply) => {
    const live = await customer(req, reply);
    if (!('roId' in live)) return live;
    const open = streamsPerAddress.get(req.ip) ?? 0;
    if (open >= 20) return reply.code(429).headers(PRIVATE_HEADERS).send({ error: 'too-many', message: 'Too many open pages.' });
    const page = await service.statusPage(req.params.token, live);
    streamsPerAddress.set(req.ip, open + 1);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...PRIVATE_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'x-accel-buffering': 'no' });
    res.write(`retry: 5000\nevent: changed\ndata: ${page?.version ?? ''}\n\n`);
    const heartbeat = setInterval(() => res.write(': still here\n\n'), 25_000);
    heartbeat.unref();
    let ended = false;
    const stop = service.listen({
      workspaceId: live.workspaceId,
      tokenHash: live.tokenHash,
      token: req.params.token,
      kind: 'customer',
      roId: live.roId,
      version: page?.version ?? '',
      send: (event, data) => {
        if (!ended) res.write(`event: ${event}\ndata: ${data}\n\n`);
      },
      end: () => res.end(),
    });
    res.on('close', () => {
      ended = true;
      clearInterval(heartbeat);
      stop();
      const n = (streamsPerAddress.get(req.ip) ?? 1) - 1;
      if (n <= 0) streamsPerAddress.delete(req.ip);
      else streamsPerAddress.set(req.ip, n);
    });
  });

  // ---- files: photos (re-encoded, no metadata), documents, the logo ----------------------------

  app.get('/t/:token/files/:id/:variant', async (req: FastifyRequest<{ Params: { token: string; id: string; variant: string } }>, reply) => {
    const live = await customer(req as unknown as TokenRequest, reply);
    if (!('roId' in live)) return live;
    const { id, variant } = req.params;
    const file = await findPortalFile(live.store.db, live.roId, id);
    if (!file || !blobs || !derivedDir) return missing(req, reply);
    if (variant === 'thumb' || variant === 'full') {
      if (file.kind !== 'photo') return missing(req, reply);
      const made = await photoVariant(
        { open: async () => (await blobs.open(live.workspaceId, file.blobHash))?.stream ?? null },
        variant,
        path.join(derivedDir, live.workspaceId, `${file.blobHash}-${variant}.jpg`),
      );
      if (!made) return missing(req, reply);
      return sendFile(reply, made, 'image/jpeg', null);
    }
    if (variant === 'file') {
      const opened = await blobs.open(live.workspaceId, file.blobHash);
      if (!opened) return missing(req, reply);
      const type = file.mimeType === 'application/pdf' ? 'application/pdf' : 'application/octet-stream';
      reply.header('content-length', String(opened.sizeBytes));
      return sendStream(reply, opened.stream, type, file.fileName);
    }
    return missing(req, reply);
  });

  async function logo(reply: FastifyReply, workspaceId: string, logoHash: string | null) {
    if (!logoHash || !blobs || !derivedDir) return null;
    const out = path.join(derivedDir, workspaceId, `${logoHash}-logo.png`);
    if (!fs.existsSync(out)) {
      const opened = await blobs.open(workspaceId, logoHash);
      if (!opened) return null;
      try {
        const png = await opened.stream.pipe(sharp({ limitInputPixels: 50_000_000 }).rotate().resize(480, 480, { fit: 'inside', withoutEnlargement: true }).png()).toBuffer();
        await fsp.mkdir(path.dirname(out), { recursive: true });
        await fsp.writeFile(`${out}.${process.pid}.tmp`, png);
        await fsp.rename(`${out}.${process.pid}.tmp`, out);
      } catch {
        return null;
      }
    }
    return sendFile(reply, out, 'image/png', null);
  }

  app.get('/t/:token/logo', async (req: TokenRequest, reply) => {
    const live = await customer(req, reply);
    if (!('roId' in live)) return live;
    const settings = await readSettings(live.store.db);
    return (await logo(reply, live.workspaceId, settings.logoHash)) ?? missing(req, reply);
  });

  function sendFile(reply: FastifyReply, file: string, type: string, downloadName: string | null) {
    const size = fs.statSync(file).size;
    reply.header('content-length', String(size));
    return sendStream(reply, fs.createReadStream(file), type, downloadName, 'private, max-age=86400');
  }

  function sendStream(reply: FastifyReply, stream: NodeJS.ReadableStream, type: string, downloadName: string | null, cache = 'no-store') {
    reply.headers(SECURITY_HEADERS).header('x-robots-tag', 'noindex, nofollow').header('cache-control', cache).type(type);
    reply.header('content-security-policy', "default-src 'none'; sandbox");
    if (downloadName) reply.header('content-disposition', `attachment; filename="${asciiName(downloadName)}"; filename*=UTF-8''${encodeURIComponent(downloadName)}`);
    return reply.send(stream);
  }

  // ---- uploads from phones -------------------------------------------------------------------

  /** Reads the multipart body: text fields, and each file through the intake into the blob store. */
  async function receive(
    req: FastifyRequest,
    workspaceId: string,
    fileField: string,
    maxFiles: number,
  ): Promise<{ fields: Record<string, string>; files: Array<AcceptedUpload & { fileName: string }> }> {
    if (!blobs) throw new UploadRefused('unsupported-type', 'Photos cannot be received here right now. Please call the shop.', { key: 'upload.notHere' });
    if (!req.isMultipart()) throw new UploadRefused('empty', 'Nothing was sent.', { key: 'upload.nothing' });
    const fields: Record<string, string> = {};
    const files: Array<AcceptedUpload & { fileName: string }> = [];
    try {
      for await (const part of req.parts() as AsyncIterableIterator<Multipart>) {
        if (part.type === 'field') {
          fields[part.fieldname] = String(part.value ?? '');
          continue;
        }
        const filePart = part as MultipartFile;
        if (filePart.fieldname !== fileField || !filePart.filename) {
          filePart.file.resume();
          continue;
        }
        if (files.length >= maxFiles) throw new UploadRefused('too-large', `Please send at most ${maxFiles} files at a time.`, { key: 'upload.atMost', values: { max: maxFiles } });
        const accepted = await acceptUpload(filePart.file, {
          maxBytes: maxUpload,
          allow: fileField === 'photos' ? ['image'] : ['image', 'pdf'],
          tempDir: path.join(blobs.incomingDir, 'phone'),
        });
        files.push({ ...accepted, fileName: cleanFileName(filePart.filename, accepted.mimeType) });
      }
      for (const f of files) {
        await blobs.put(workspaceId, f.sha256, fs.createReadStream(f.file), maxUpload);
        await app.storage.recordBlob({
          workspaceId,
          hash: f.sha256,
          sizeBytes: f.sizeBytes,
          mimeType: f.mimeType,
          createdAt: new Date().toISOString(),
        });
      }
      return { fields, files };
    } finally {
      await Promise.all(files.map((f) => fsp.rm(f.file, { force: true })));
    }
  }

  /** Why an upload was refused: `message` for the staff's bay page, `said` for a customer in their language. */
  function refusal(err: unknown): { status: number; message: string; said: Said } | null {
    if (err instanceof UploadRefused) return { status: err.code === 'too-large' ? 413 : 415, message: err.message, said: err.say ?? err.message };
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') return { status: 413, message: `That file is larger than ${formatBytes(maxUpload)}. Please send a smaller one.`, said: { key: 'upload.tooLarge', values: { size: formatBytes(maxUpload) } } };
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') return { status: 413, message: 'Too many files at once. Please send fewer.', said: { key: 'upload.tooManyFiles' } };
    if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return { status: 400, message: 'Nothing was sent.', said: { key: 'upload.nothing' } };
    return null;
  }

  app.post('/t/:token/messages', async (req: TokenRequest, reply) => {
    const live = await customer(req, reply);
    if (!('roId' in live)) return live;
    let received;
    try {
      received = await receive(req, live.workspaceId, 'files', MAX_FILES_PER_MESSAGE);
    } catch (err) {
      const r = refusal(err);
      if (!r) throw err;
      reply.header('connection', 'close');
      return answer(req, reply, live, r.status, { error: r.said });
    }
    const body = (received.fields.body ?? '').replace(/\r\n/g, '\n').trim();
    if (body.length > MAX_MESSAGE_CHARS) {
      return answer(req, reply, live, 400, { error: { key: 'portal.tooLong', values: { max: MAX_MESSAGE_CHARS } }, draft: body });
    }
      const cleanBody = body.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
    if (cleanBody === '' && received.files.length === 0) return answer(req, reply, live, 400, { error: { key: 'portal.writeFirst' } });
    await service.write(
      live.workspaceId,
      { actor: 'customer', action: 'portal-message', summary: 'The customer wrote on the portal', roId: live.roId },
      async (tx) => {
        const ro = await tx.get('repair_orders', live.roId);
        const customerRow = ro?.customer_id ? await tx.get('customers', ro.customer_id) : undefined;
        const now = new Date().toISOString();
        const messageId = await tx.insert('messages', {
          ro_id: live.roId,
          customer_id: ro?.customer_id ?? null,
          channel: 'portal',
          direction: 'in',
          body: cleanBody,
          at: now,
          author: customerRow?.first_name ?? null,
        });
        for (const f of received.files) {
          await tx.insert('attachments', {
            ro_id: live.roId,
            kind: f.mimeType === 'application/pdf' ? 'document' : 'photo',
            blob_hash: f.sha256,
            file_name: f.fileName,
            mime_type: f.mimeType,
            size_bytes: f.sizeBytes,
            published: 0,
            source: 'customer',
            added_at: now,
            message_id: messageId,
          });
        }
      },
    );
    return answer(req, reply, live, 200, { notice: { key: 'portal.sent' } });
  });

  /** A sentence for the customer: a catalogue key (said in their language) or text already written. */
  type Said = string | { key: string; values?: Record<string, unknown> };

  async function answer(req: TokenRequest, reply: FastifyReply, live: ResolvedToken, status: number, outcome: { notice?: Said; error?: Said; draft?: string }) {
    const view = await loadPortalView(live.store.db, live.roId, undefined, service.now());
    if (!view) return missing(req, reply);
    const words = customerWords(view.country, cookieLanguage(req) ?? view.language);
    const say = (s: Said | undefined) => (s === undefined ? undefined : typeof s === 'string' ? s : words.t(s.key, s.values));
    if (wantsJson(req)) {
      return reply.code(status).headers(PRIVATE_HEADERS).send(status < 300 ? { ok: true, message: say(outcome.notice) } : { error: 'refused', message: say(outcome.error) });
    }
    if (status < 300) return reply.code(303).headers(PRIVATE_HEADERS).header('location', `/t/${req.params.token}#conversation`).send();
    // Without JavaScript: the page again, with the sentence and what the customer had typed.
    return sendPage(reply, status, renderStatusPage(view, { token: req.params.token, version: '', error: say(outcome.error), draft: outcome.draft, words, languages: view.languages }));
  }

  // ---- the customer's language ---------------------------------------------------------------

  /**
   * The customer picks their language on the page. The choice is written to customers.language
   * the way every customer-made change is (WorkspaceStore.write, actor customer), so it reaches
   * the desk and decides which wording texts and mail use; a cookie keeps the page in that
   * language on this phone meanwhile (and on the shop page, which knows no customer).
   */
  app.post('/t/:token/language', async (req: TokenRequest, reply) => {
    const live = await customer(req, reply);
    if (!('roId' in live)) return live;
    const wanted = String((req.body as Record<string, unknown> | undefined)?.language ?? '');
    if (!isCustomerLanguage(wanted)) {
      return reply.code(400).headers(PRIVATE_HEADERS).send({ error: 'bad-language', message: `"${wanted.slice(0, 20)}" is not a language this page offers (${CUSTOMER_LANGUAGES.join(', ')}).` });
    }
    await service.write(
      live.workspaceId,
      { actor: 'customer', action: 'customer-language', summary: `The customer chose ${languageName(wanted)} on the portal`, roId: live.roId },
      async (tx) => {
        const ro = await tx.get('repair_orders', live.roId);
        const row = ro?.customer_id ? await tx.get('customers', ro.customer_id) : undefined;
        if (ro?.customer_id && row && row.language !== wanted) await tx.update('customers', ro.customer_id, { language: wanted });
      },
    );
    const secure = req.protocol === 'https' ? '; Secure' : '';
    reply.header('set-cookie', `${LANGUAGE_COOKIE}=${wanted}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly${secure}`);
    if (wantsJson(req)) return reply.code(200).headers(PRIVATE_HEADERS).send({ ok: true, language: wanted });
    // A page of this repair with its own switch (choosing an appointment time) comes back to itself.
    const back = String((req.body as Record<string, unknown> | undefined)?.back ?? '');
    const here = /^\/t\/[A-Za-z0-9_-]+\/appointments\/[A-Za-z0-9_-]{1,80}$/.test(back) && back.startsWith(`/t/${req.params.token}/`) ? back : `/t/${req.params.token}`;
    return reply.code(303).headers(PRIVATE_HEADERS).header('location', here).send();
  });

  // ---- the bay camera ------------------------------------------------------------------------

  async function bay(req: TokenRequest, reply: FastifyReply): Promise<ResolvedToken | FastifyReply> {
    const refused = gate(req, reply);
    if (refused) return refused;
    const live = await service.resolve(req.params.token, 'bay');
    return live ?? missing(req, reply);
  }

  async function bayPage(req: TokenRequest, reply: FastifyReply, live: ResolvedToken, status: number, outcome: { notice?: string; error?: string }) {
    const db = live.store.db;
    const settings = await readSettings(db);
    const ro = await db.selectFrom('repair_orders').select(['ro_number', 'vehicle_id']).where('id', '=', live.roId).executeTakeFirst();
    const vehicle = ro?.vehicle_id ? await db.selectFrom('vehicles').selectAll().where('id', '=', ro.vehicle_id).executeTakeFirst() : undefined;
    const photos = await db
      .selectFrom('attachments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('ro_id', '=', live.roId)
      .where('kind', '=', 'photo')
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    return sendPage(
      reply,
      status,
      renderBayPage({
        token: req.params.token,
        shop: shopOf(settings),
        roNumber: ro?.ro_number ?? 0,
        vehicle: vehicleLine(vehicle),
        plate: vehicle?.plate ?? null,
        photoCount: Number(photos?.n ?? 0),
        publishedByDefault: settings.bayPhotosPublished,
        notice: outcome.notice,
        error: outcome.error,
      }),
    );
  }

  app.get('/b/:token', async (req: TokenRequest, reply) => {
    const live = await bay(req, reply);
    if (!('roId' in live)) return live;
    const done = Number(req.query.done);
    return bayPage(req, reply, live, 200, Number.isInteger(done) && done > 0 ? { notice: done === 1 ? '1 photo uploaded.' : `${done} photos uploaded.` } : {});
  });

  app.post('/b/:token/photos', async (req: TokenRequest, reply) => {
    const live = await bay(req, reply);
    if (!('roId' in live)) return live;
    let received;
    try {
      received = await receive(req, live.workspaceId, 'photos', MAX_BAY_PHOTOS);
    } catch (err) {
      const r = refusal(err);
      if (!r) throw err;
      reply.header('connection', 'close');
      if (wantsJson(req)) return reply.code(r.status).headers(PRIVATE_HEADERS).send({ error: 'refused', message: r.message });
      return bayPage(req, reply, live, r.status, { error: r.message });
    }
    if (received.files.length === 0) {
      if (wantsJson(req)) return reply.code(400).headers(PRIVATE_HEADERS).send({ error: 'refused', message: 'Take or choose a photo first.' });
      return bayPage(req, reply, live, 400, { error: 'Take or choose a photo first.' });
    }
    const internal = received.fields.internal === '1' || received.fields.internal === 'on';
    const n = received.files.length;
    await service.write(
      live.workspaceId,
      { actor: 'bay', action: 'bay-photos', summary: `${n === 1 ? '1 photo' : `${n} photos`} from the bay camera${internal ? ' (internal)' : ''}`, roId: live.roId },
      async (tx) => {
        const now = new Date().toISOString();
        for (const f of received.files) {
          await tx.insert('attachments', {
            ro_id: live.roId,
            kind: 'photo',
            blob_hash: f.sha256,
            file_name: f.fileName,
            mime_type: f.mimeType,
            size_bytes: f.sizeBytes,
            published: internal ? 0 : 1,
            source: 'bay',
            added_at: now,
          });
        }
      },
    );
    const message = n === 1 ? '1 photo uploaded.' : `${n} photos uploaded.`;
    if (wantsJson(req)) return reply.code(200).headers(PRIVATE_HEADERS).send({ ok: true, message });
    return reply.code(303).headers(PRIVATE_HEADERS).header('location', `/b/${req.params.token}?done=${n}`).send();
  });

  // ---- the public shop page and "track my repair" ----------------------------------------------

  type SlugRequest = FastifyRequest<{ Params: { slug: string }; Body: Record<string, string> | undefined }>;

  async function shopBySlug(slug: string) {
    if (!/^[a-z0-9-]{1,48}$/.test(slug)) return null;
    const workspace = await app.storage.findWorkspace(slug);
    if (!workspace || workspace.slug !== slug) return null;
    const store = await app.storage.workspaceStore(workspace.id);
    return { workspace, store, settings: await readSettings(store.db) };
  }

  const PUBLIC_HEADERS = { ...SECURITY_HEADERS, 'cache-control': 'no-cache' };

  app.get('/p/:slug', async (req: SlugRequest, reply) => {
    const shop = await shopBySlug(req.params.slug);
    if (!shop) return sendPage(reply, 404, notFound, PRIVATE_HEADERS);
    const booking = await shop.store.db.selectFrom('appointment_availability').select('id').where('kind', '=', 'estimate').where('active', '=', 1).executeTakeFirst();
    const ref = (req.query as Record<string, string | undefined> | undefined)?.ref;
    const referral = typeof ref === 'string' && isReferralCode(ref) ? ref : null;
    const words = customerWords((await readCustomerLanguages(shop.store.db)).country, cookieLanguage(req));
    return sendPage(reply, 200, renderShopPage({ slug: shop.workspace.slug, shop: shopOf(shop.settings), booking: !!booking, referral, words }), { ...(referral ? PRIVATE_HEADERS : PUBLIC_HEADERS), vary: 'cookie' });
  });

  app.get('/p/:slug/logo', async (req: SlugRequest, reply) => {
    const shop = await shopBySlug(req.params.slug);
    if (!shop) return sendPage(reply, 404, notFound, PRIVATE_HEADERS);
    return (await logo(reply, shop.workspace.id, shop.settings.logoHash)) ?? sendPage(reply, 404, notFound, PRIVATE_HEADERS);
  });

  app.post('/p/:slug/track', async (req: SlugRequest, reply) => {
    const shop = await shopBySlug(req.params.slug);
    if (!shop) return sendPage(reply, 404, notFound, PRIVATE_HEADERS);
    const words = customerWords((await readCustomerLanguages(shop.store.db)).country, cookieLanguage(req));
    const page = (status: number, outcome: { notice?: string; error?: string }) =>
      sendPage(reply, status, renderShopPage({ slug: shop.workspace.slug, shop: shopOf(shop.settings), ...outcome, words }), PRIVATE_HEADERS);
    if (!tracks.take(req.ip)) return page(429, { error: words.t('shopPage.trackTooMany') });
    const roText = String(req.body?.ro ?? '').replace(/\D/g, '');
    const last4 = String(req.body?.last4 ?? '').replace(/\D/g, '');
    if (roText === '' || roText.length > 10) return page(400, { error: words.t('shopPage.trackNoRo') });
    if (last4.length !== 4) return page(400, { error: words.t('shopPage.trackNoLast4') });
    // The same answer whether or not anything matched; the desk sees a request only when it did.
    void recordTrackRequest(shop.workspace.id, Number(roText), last4).catch((err: unknown) =>
      app.log.warn({ err: (err as Error).message }, 'could not record a track request'),
    );
    return page(200, { notice: words.t('shopPage.trackSent') });
  });

  async function recordTrackRequest(workspaceId: string, roNumber: number, last4: string): Promise<void> {
    const store = await app.storage.workspaceStore(workspaceId);
    const ro = await store.db
      .selectFrom('repair_orders as r')
      .leftJoin('customers as c', 'c.id', 'r.customer_id')
      .select(['r.id', 'r.customer_id', 'r.ro_number', 'r.closed_at', 'c.mobile', 'c.email', 'c.preferred_channel', 'c.sms_opt_out'])
      .where('r.ro_number', '=', roNumber)
      .executeTakeFirst();
    if (!ro || !ro.mobile || ro.mobile.slice(-4) !== last4) return;
    const settings = await readSettings(store.db);
    if (customerLinkExpired(ro.closed_at, settings.portalDaysAfterDelivery)) return;
    const channel = ro.preferred_channel === 'email' && ro.email ? 'email' : 'sms';
    // With a texting number the link goes out at once; otherwise (or to a customer who replied
    // STOP) the request waits for the desk, which reaches the customer another way.
    const mobile = normalizePhone(ro.mobile);
    const texting =
      channel === 'sms' &&
      mobile !== null &&
      ro.sms_opt_out !== 1 &&
      (await app.storage.sms.numberOfWorkspace(workspaceId)) !== null &&
      !(await app.storage.sms.isOptedOut(workspaceId, mobile));
    const now = new Date().toISOString();
    await service.write(workspaceId, { actor: 'customer', action: 'track-request', summary: 'Portal link asked for on the shop page', roId: ro.id }, async (tx) => {
      await tx.insert('track_requests', {
        ro_id: ro.id,
        at: now,
        channel,
        destination: channel === 'email' ? ro.email : ro.mobile,
        handled_at: texting ? now : null,
      });
      if (!texting) return;
      // A link of its own for this request: the relay keeps only its hash, the link itself is in
      // the text alone. The text is sent once by the texting service, like any approved text
      // (refused there if the customer replied STOP), and shows in the desk's conversation.
      const token = newToken(workspaceId);
      await tx.insert('portal_tokens', { ro_id: ro.id, kind: 'customer', token_hash: hashToken(token), issued_at: now, issued_by: null, expires_at: null });
      await tx.insert(
        'messages',
        automaticReply({
          roId: ro.id,
          customerId: ro.customer_id,
          to: mobile,
          body: `${settings.name}: here is the link to follow your repair (RO ${ro.ro_number}): ${portalUrl(app.publicUrl, token, 'sms')}`,
          templateId: 'track-link',
          now,
        }),
      );
    });
  }
};

function acceptsGzip(req: FastifyRequest): boolean {
  return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
}

function asciiName(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
}
