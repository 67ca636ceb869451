// The booking routes (issue 17): "Book an estimate" on the public shop page, "Choose a drop-off /
// pickup time" from a repair's status page when the shop asked for it, the manage link sent with
// a decision (reschedule, cancel, accept a proposed time), the appointment's .ics, and the
// shop's private calendar feed. Plain HTML forms; a refusal is the same form again with the
// reason. Tokens never reach a log line (server.ts cuts /a/ and /c/ paths).
import { creditReferral, isReferralCode } from '../csi/referrals.js';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import multipart, { type Multipart, type MultipartFile } from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { MAX_BLOB_BYTES } from '../../src-shared/blob-types.js';
import { hashToken, tokenWorkspace } from '../../src-shared/portal/token.js';
import type { AppointmentKind, Slot } from '../../src-shared/scheduling/types.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import { type Blobs, BlobStore, formatBytes } from '../blobs/blob-store.js';
import { RateLimiter } from '../rate-limit.js';
import { cleanFileName } from '../portal/portal-plugin.js';
import { findLiveToken, readCustomerLanguages, readSettings, shopOf, type PortalShop } from '../portal/portal-view.js';
import { cookieLanguage, LANGUAGE_COOKIE, readerWords } from '../portal/language.js';
import { customerWords, CUSTOMER_LANGUAGES, type CustomerWords, isCustomerLanguage, languageName } from '../../src-shared/i18n/index.js';
import { renderNotFound, type RenderedPage } from '../portal/render.js';
import { acceptUpload, type AcceptedUpload, UploadRefused } from '../uploads/intake.js';
import { answerInvitation, BookingRefused, cancelByCustomer, isKind, loadSchedule, requestEstimate, reschedule, slotsOf, validateLead } from './booking.js';
import { calendarIcs, type CalendarEvent } from './ics.js';
import { KIND_KEYS, KIND_WORDS, marked, type PageLanguage, refusalWords, renderBookEstimate, renderChooseTime, renderMessage } from './pages.js';
import { html } from '../portal/html.js';

export interface SchedulingPluginOptions {
  blobDir?: string;
  /** The store itself when it is not that folder (a bucket); the folder then holds only scratch files and caches. */
  blobStore?: Blobs;
  /** The clock slots are offered and checked by (tests set their own). */
  clock?: () => Date;
  /** Booking requests per address per 15 minutes (default BAYLINE_BOOKINGS_PER_15_MINUTES, else 20). */
  bookingsPer15Minutes?: number;
  maxUploadBytes?: number;
}

const HEADERS: Record<string, string> = {
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-robots-tag': 'noindex, nofollow',
  'cache-control': 'no-store',
};

const MAX_PHOTOS = 5;
/** The longest text field read from a booking form; longer ones are refused, not cut. */
const FIELD_BYTES = 8 * 1024;

function send(reply: FastifyReply, status: number, page: RenderedPage) {
  return reply.code(status).headers(HEADERS).header('content-security-policy', page.csp).type('text/html; charset=utf-8').send(page.body);
}

type Fields = Record<string, string | undefined>;

export const schedulingPlugin: FastifyPluginAsync<SchedulingPluginOptions> = async (app, options) => {
  const now = options.clock ?? (() => new Date());
  const blobs = options.blobStore ?? (options.blobDir ? new BlobStore(options.blobDir) : null);
  const maxUpload = options.maxUploadBytes ?? MAX_BLOB_BYTES;
  const bookings = new RateLimiter(options.bookingsPer15Minutes ?? (Number(process.env.BAYLINE_BOOKINGS_PER_15_MINUTES) || 20), 15 * 60_000);
  const misses = new RateLimiter(20, 10 * 60_000);
  const notFound = renderNotFound();

  await app.register(multipart, { limits: { fileSize: maxUpload + 1, files: MAX_PHOTOS, fields: 12, fieldSize: FIELD_BYTES, parts: MAX_PHOTOS + 12 } });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  function missing(req: FastifyRequest, reply: FastifyReply) {
    misses.take(req.ip);
    return send(reply, 404, notFound);
  }

  async function shopBySlug(slug: string) {
    if (!/^[a-z0-9-]{1,48}$/.test(slug)) return null;
    const workspace = await app.storage.findWorkspace(slug);
    if (!workspace || workspace.slug !== slug) return null;
    const store = await app.storage.workspaceStore(workspace.id);
    return { workspace, store, settings: await readSettings(store.db) };
  }

  async function freeSlots(store: WorkspaceStore, kind: AppointmentKind, timeZone: string) {
    const schedule = await loadSchedule(store.db, kind, timeZone, now());
    return { active: schedule.availability.active, slots: slotsOf(schedule, now()) };
  }

  /** A write of the relay's own that every desk and page then hears of. */
  async function write<T>(workspaceId: string, store: WorkspaceStore, summary: string, roId: string | null, fn: Parameters<WorkspaceStore['write']>[1]): Promise<T> {
    const result = (await store.write({ actor: 'customer', action: 'appointment-request', summary, roId: roId ?? undefined }, fn)) as T;
    await app.storage.announceChanges(workspaceId);
    return result;
  }

  /** Reads a multipart booking form: fields (too long → refused), photos through the upload intake. */
  async function receive(req: FastifyRequest, workspaceId: string): Promise<{ fields: Fields; files: Array<AcceptedUpload & { fileName: string }> }> {
    if (!req.isMultipart()) {
      const body = (req.body ?? {}) as Fields;
      return { fields: body, files: [] };
    }
    const fields: Fields = {};
    const files: Array<AcceptedUpload & { fileName: string }> = [];
    try {
      for await (const part of req.parts() as AsyncIterableIterator<Multipart>) {
        if (part.type === 'field') {
          if (part.valueTruncated) {
            const known = ['name', 'mobile', 'email', 'vehicle', 'description', 'insurer', 'claim'].includes(part.fieldname);
            throw new BookingRefused('field', part.fieldname === 'description' ? 'Please keep the description short (under 2000 characters).' : `The ${part.fieldname} field is too long.`, part.fieldname, {
              key: part.fieldname === 'description' ? 'booking.descriptionLong' : known ? 'booking.tooLong' : 'booking.tooMuch',
              values: { fieldKey: `booking.${part.fieldname}`, max: part.fieldname === 'description' ? 2000 : FIELD_BYTES },
            });
          }
          fields[part.fieldname] = String(part.value ?? '');
          continue;
        }
        const file = part as MultipartFile;
        if (file.fieldname !== 'photos' || !file.filename) {
          file.file.resume();
          continue;
        }
        if (!blobs) throw new BookingRefused('field', 'Photos cannot be received here right now. Please book without them.', 'photos', { key: 'booking.noPhotosHere' });
        if (files.length >= MAX_PHOTOS) throw new BookingRefused('field', `Please send at most ${MAX_PHOTOS} photos.`, 'photos', { key: 'booking.tooManyPhotos', values: { max: MAX_PHOTOS } });
        const accepted = await acceptUpload(file.file, { maxBytes: maxUpload, allow: ['image'], tempDir: path.join(blobs.incomingDir, 'phone') });
        files.push({ ...accepted, fileName: cleanFileName(file.filename, accepted.mimeType) });
      }
      return { fields, files };
    } catch (err) {
      await Promise.all(files.map((f) => fsp.rm(f.file, { force: true })));
      throw err;
    }
  }

  async function keepPhotos(workspaceId: string, files: Array<AcceptedUpload & { fileName: string }>) {
    try {
      for (const f of files) {
        await blobs!.put(workspaceId, f.sha256, fs.createReadStream(f.file), maxUpload);
        await app.storage.recordBlob({ workspaceId, hash: f.sha256, sizeBytes: f.sizeBytes, mimeType: f.mimeType, createdAt: new Date().toISOString() });
      }
    } finally {
      await Promise.all(files.map((f) => fsp.rm(f.file, { force: true })));
    }
  }

  /** A refused photo or form, in the reader's words. */
  function uploadProblem(err: unknown, words: CustomerWords): string | null {
    if (err instanceof UploadRefused) {
      if (err.code === 'too-large') return words.t('booking.photoTooLarge', { size: formatBytes(maxUpload) });
      if (err.code === 'unsupported-type') return words.t('booking.photoType');
      if (err.code === 'empty') return words.t('booking.photoEmpty');
      return words.t('booking.photoDamaged');
    }
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') return words.t('booking.photoTooLarge', { size: formatBytes(maxUpload) });
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') return words.t('booking.tooMuch');
    if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return words.t('booking.nothingSent');
    return null;
  }

  /** The words for a page that knows no customer (the shop page's booking): this phone's choice, else the shop's. */
  async function visitorWords(req: FastifyRequest, store: WorkspaceStore): Promise<{ words: CustomerWords; offered: string[] }> {
    const { country, offered } = await readCustomerLanguages(store.db);
    return { words: customerWords(country, cookieLanguage(req)), offered };
  }

  /** The words for a page about a known customer (the one rule: this phone's choice, else theirs, else the shop's). */
  async function customerPageWords(req: FastifyRequest, store: WorkspaceStore, customerId: string | null | undefined): Promise<{ words: CustomerWords; offered: string[] }> {
    const { offered } = await readCustomerLanguages(store.db);
    return { words: await readerWords(req, store.db, customerId), offered };
  }

  function setLanguageCookie(req: FastifyRequest, reply: FastifyReply, language: string) {
    const secure = req.protocol === 'https' ? '; Secure' : '';
    reply.header('set-cookie', `${LANGUAGE_COOKIE}=${language}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly${secure}`);
  }

  function badLanguage(reply: FastifyReply, wanted: string) {
    return reply.code(400).headers(HEADERS).send({ error: 'bad-language', message: `"${wanted.slice(0, 20)}" is not a language this page offers (${CUSTOMER_LANGUAGES.join(', ')}).` });
  }

  // ---- the public shop page: "Book an estimate" --------------------------------------------------

  type SlugRequest = FastifyRequest<{ Params: { slug: string } }>;

  app.get('/p/:slug/book', async (req: SlugRequest, reply) => {
    const shop = await shopBySlug(req.params.slug);
    if (!shop) return missing(req, reply);
    const { active, slots } = await freeSlots(shop.store, 'estimate', shop.settings.timeZone);
    const ref = (req.query as Record<string, string | undefined> | undefined)?.ref;
    const { words, offered } = await visitorWords(req, shop.store);
    const back = `/p/${shop.workspace.slug}/book${isReferralCode(ref) ? `?ref=${ref}` : ''}`;
    const lang: PageLanguage = { words, offered, action: `/p/${shop.workspace.slug}/language`, back };
    return send(reply, 200, renderBookEstimate({ slug: shop.workspace.slug, shop: shopOf(shop.settings), slots, active, values: isReferralCode(ref) ? { ref } : {}, lang }));
  });

  /**
   * The language switch of pages that know no customer (the booking form, the account's sign-in):
   * the choice is kept on this phone in the cookie every customer page reads, and the visitor is
   * sent back to the page they were on (a page of this shop only).
   */
  app.post('/p/:slug/language', async (req: SlugRequest, reply) => {
    const shop = await shopBySlug(req.params.slug);
    if (!shop) return missing(req, reply);
    const body = (req.body ?? {}) as Fields;
    const wanted = String(body.language ?? '');
    if (!isCustomerLanguage(wanted)) return badLanguage(reply, wanted);
    const back = String(body.back ?? '');
    const home = `/p/${shop.workspace.slug}`;
    const safe = (back === home || back.startsWith(`${home}/`)) && /^[A-Za-z0-9/_?=&.-]+$/.test(back) && !back.includes('//') && !back.includes('..');
    setLanguageCookie(req, reply, wanted);
    return reply.code(303).headers(HEADERS).header('location', safe ? back : home).send();
  });

  app.post('/p/:slug/book', async (req: SlugRequest, reply) => {
    const shop = await shopBySlug(req.params.slug);
    if (!shop) return missing(req, reply);
    const portalShop = shopOf(shop.settings);
    const zone = shop.settings.timeZone;
    const { words, offered } = await visitorWords(req, shop.store);
    const lang: PageLanguage = { words, offered, action: `/p/${shop.workspace.slug}/language`, back: `/p/${shop.workspace.slug}/book` };
    const again = async (status: number, error: string, values: Fields = {}) => {
      const { active, slots } = await freeSlots(shop.store, 'estimate', zone);
      const kept = Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1].length <= FIELD_BYTES));
      return send(reply, status, renderBookEstimate({ slug: shop.workspace.slug, shop: portalShop, slots, active, values: kept, error, lang }));
    };
    if (!bookings.take(req.ip)) return again(429, words.t('booking.tooMany'));
    let received;
    try {
      received = await receive(req, shop.workspace.id);
    } catch (err) {
      reply.header('connection', 'close');
      if (err instanceof BookingRefused) return again(413, refusalWords(err, words));
      const problem = uploadProblem(err, words);
      if (!problem) throw err;
      return again(413, problem);
    }
    const { fields, files } = received;
    try {
      const lead = validateLead(fields, shop.settings.country);
      if (!fields.slot) throw new BookingRefused('invalid', 'Please choose a time.', null, { key: 'booking.pickTime' });
      // The photos go to the blob store first; the rows naming them are written with the request.
      if (files.length > 0) await keepPhotos(shop.workspace.id, files);
      const booked = await write<Awaited<ReturnType<typeof requestEstimate>>>(shop.workspace.id, shop.store, `Estimate requested on the shop page by ${lead.name}`, null, (tx) =>
        requestEstimate(tx, { lead, startsAt: fields.slot!, timeZone: zone, now: now(), photos: files, language: cookieLanguage(req) }).then(async (result) => {
          // Came through a customer's referral link: credited in the same write as the booking.
          if (fields.ref) await creditReferral(tx, { code: fields.ref, appointmentId: result.appointmentId, customerId: result.customerId, name: lead.name, now: now() });
          return result;
        }),
      );
      return send(reply, 200, renderMessage({
        shop: portalShop,
        heading: words.t('booking.sentHeading'),
        lines: [marked(words, 'booking.sentThanks', { name: lead.name, when: words.when(booked.slot.startsAt, zone) }), words.t('booking.sentHeld')],
        lang,
      }));
    } catch (err) {
      await Promise.all(files.map((f) => fsp.rm(f.file, { force: true })));
      if (!(err instanceof BookingRefused)) throw err;
      const status = err.problem === 'full' ? 409 : 400;
      return again(status, refusalWords(err, words), err.field === 'mobile' || err.problem === 'full' ? { ...fields, slot: err.problem === 'full' ? '' : fields.slot ?? '' } : fields);
    }
  });

  // ---- the status page: "Choose a drop-off / pickup time" --------------------------------------

  type InviteRequest = FastifyRequest<{ Params: { token: string; id: string }; Body: Fields | undefined }>;

  async function invitation(req: InviteRequest) {
    const workspaceId = tokenWorkspace(req.params.token);
    const workspace = workspaceId ? await app.storage.findWorkspace(workspaceId) : null;
    if (!workspace || workspace.id !== workspaceId) return null;
    const store = await app.storage.workspaceStore(workspace.id);
    const hit = await findLiveToken(store.db, req.params.token, 'customer');
    if (!hit) return null;
    const live = { workspaceId: workspace.id, store, roId: hit.roId };
    const row = await live.store.db.selectFrom('appointments').selectAll().where('id', '=', req.params.id).executeTakeFirst();
    if (!row || row.ro_id !== live.roId || !isKind(row.kind)) return null;
    const settings = await readSettings(live.store.db);
    const ro = await live.store.db.selectFrom('repair_orders').select('customer_id').where('id', '=', live.roId).executeTakeFirst();
    return { live, row, kind: row.kind, settings, shop: shopOf(settings), customerId: row.customer_id ?? ro?.customer_id ?? null };
  }

  type Invitation = NonNullable<Awaited<ReturnType<typeof invitation>>>;

  async function choosePage(req: FastifyRequest, reply: FastifyReply, token: string, id: string, inv: Invitation, status: number, error?: BookingRefused | string, chosen?: string) {
    const keys = KIND_KEYS[inv.kind];
    const { words, offered } = await customerPageWords(req, inv.live.store, inv.customerId);
    // The portal's own switch: it writes the customer's language and comes back here.
    const lang: PageLanguage = { words, offered, action: `/t/${token}/language`, back: `/t/${token}/appointments/${id}` };
    const said = error instanceof BookingRefused ? refusalWords(error, words) : error;
    if (inv.row.state !== 'invited') {
      return send(reply, status === 200 ? 200 : status, renderMessage({
        shop: inv.shop,
        heading: words.t(keys.choose),
        lines: [
          inv.row.starts_at ? words.t('booking.askedFor', { when: words.when(inv.row.starts_at, inv.settings.timeZone) }) : words.t('booking.noLongerOpen'),
          html`<a href="/t/${token}">${words.t('booking.backToRepair')}</a>`,
        ],
        lang,
      }));
    }
    const { slots } = await freeSlots(inv.live.store, inv.kind, inv.settings.timeZone);
    return send(reply, status, renderChooseTime({
      action: `/t/${token}/appointments/${id}`,
      shop: inv.shop,
      kind: inv.kind,
      heading: words.t(keys.choose),
      intro: words.t(keys.suits),
      slots,
      chosen,
      error: said,
      back: `/t/${token}`,
      lang,
    }));
  }

  app.get('/t/:token/appointments/:id', async (req: InviteRequest, reply) => {
    const inv = await invitation(req);
    if (!inv) return missing(req, reply);
    return choosePage(req, reply, req.params.token, req.params.id, inv, 200);
  });

  app.post('/t/:token/appointments/:id', async (req: InviteRequest, reply) => {
    const inv = await invitation(req);
    if (!inv) return missing(req, reply);
    if (!bookings.take(req.ip)) return choosePage(req, reply, req.params.token, req.params.id, inv, 429, new BookingRefused('invalid', 'Too many requests', null, { key: 'booking.tooMany' }));
    const slot = String(req.body?.slot ?? '');
    try {
      if (!slot) throw new BookingRefused('invalid', 'Please choose a time.', null, { key: 'booking.pickTime' });
      await write(inv.live.workspaceId, inv.live.store, `${KIND_WORDS[inv.kind].noun} time chosen on the portal`, inv.live.roId, (tx) =>
        answerInvitation(tx, { appointmentId: inv.row.id, roId: inv.live.roId, startsAt: slot, timeZone: inv.settings.timeZone, now: now() }),
      );
    } catch (err) {
      if (!(err instanceof BookingRefused)) throw err;
      const fresh = (await invitation(req)) ?? inv;
      return choosePage(req, reply, req.params.token, req.params.id, fresh, err.problem === 'full' ? 409 : 400, err);
    }
    return reply.code(303).headers(HEADERS).header('location', `/t/${req.params.token}/appointments/${req.params.id}`).send();
  });

  // ---- the manage link: reschedule, cancel, accept a proposal, the .ics --------------------------

  type ManageRequest = FastifyRequest<{ Params: { token: string }; Body: Fields | undefined }>;

  async function managed(token: string) {
    const workspaceId = tokenWorkspace(token);
    if (!workspaceId) return null;
    const workspace = await app.storage.findWorkspace(workspaceId);
    if (!workspace || workspace.id !== workspaceId) return null;
    const store = await app.storage.workspaceStore(workspaceId);
    const tokenHash = hashToken(token);
    const row = await store.db.selectFrom('appointments').selectAll().where('manage_token_hash', '=', tokenHash).executeTakeFirst();
    if (!row || !isKind(row.kind)) return null;
    const settings = await readSettings(store.db);
    return { workspaceId, store, tokenHash, row, kind: row.kind, settings, shop: shopOf(settings) };
  }
  type Managed = NonNullable<Awaited<ReturnType<typeof managed>>>;
  /** A notice or refusal on the manage page: a catalogue key (said in the reader's words) or a refusal. */
  type Said = { key: string; values?: Record<string, unknown> } | BookingRefused;

  async function managePage(req: FastifyRequest, reply: FastifyReply, token: string, m: Managed, status: number, outcome: { error?: Said; notice?: Said; newLink?: boolean } = {}) {
    const keys = KIND_KEYS[m.kind];
    const zone = m.settings.timeZone;
    const { words, offered } = await customerPageWords(req, m.store, m.row.customer_id);
    const lang: PageLanguage = { words, offered, action: `/a/${token}/language` };
    const { t } = words;
    const say = (s: Said | undefined) => (s === undefined ? undefined : s instanceof BookingRefused ? refusalWords(s, words) : t(s.key, s.values));
    const error = say(outcome.error);
    let notice = say(outcome.notice);
    if (outcome.newLink) notice = t('booking.newLink', { notice: notice ?? t('booking.done') });
    const when = m.row.starts_at ? words.when(m.row.starts_at, zone) : '';
    if (m.row.state === 'cancelled') {
      return send(reply, error ? status : 200, renderMessage({
        shop: m.shop,
        heading: t(keys.yours),
        error: !!error,
        lines: [
          ...(error ? [error] : []),
          notice ?? t(keys.cancelled, { when }),
          m.kind === 'estimate' && m.settings.slug ? html`<a href="/p/${m.settings.slug}/book">${t('booking.bookNew')}</a>` : t('booking.callToCome'),
        ],
        lang,
      }));
    }
    const { slots } = await freeSlots(m.store, m.kind, zone);
    const proposed = m.row.proposed_starts_at ? words.when(m.row.proposed_starts_at, zone) : '';
    const state =
      m.row.state === 'confirmed'
        ? html`<p>${marked(words, keys.confirmed, { when })} <a href="/a/${token}/appointment.ics">${t('booking.addToCalendar')}</a></p>`
        : m.row.state === 'proposed' && m.row.proposed_starts_at
          ? html`<p>${marked(words, 'booking.proposed', { when, proposed })}</p>
<form method="post" action="/a/${token}/accept"><div class="row"><button type="submit">${t('booking.accept', { when: proposed })}</button></div></form>`
          : m.row.state === 'requested'
            ? html`<p>${marked(words, 'booking.requested', { when })}</p>`
            : html`<p>${t('booking.cannotChange')}</p>`;
    const open = ['requested', 'confirmed', 'proposed'].includes(m.row.state ?? '');
    return send(reply, status, renderChooseTime({
      action: `/a/${token}/reschedule`,
      shop: m.shop,
      kind: m.kind,
      heading: t(keys.yours),
      intro: open ? t('booking.moveIt') : '',
      slots: open ? slots : ([] as Slot[]),
      error: error ?? null,
      extra: html`${notice ? html`<p class="note">${notice}</p>` : ''}${state}${
        open ? html`<form method="post" action="/a/${token}/cancel"><div class="row"><button type="submit" class="secondary">${t(keys.cancel)}</button></div></form>` : ''
      }`,
      lang,
    }));
  }

  app.get('/a/:token', async (req: ManageRequest, reply) => {
    if (misses.isOver(req.ip)) return send(reply, 429, notFound);
    const m = await managed(req.params.token);
    if (!m) return missing(req, reply);
    return managePage(req, reply, req.params.token, m, 200);
  });

  /** The manage page's switch: the appointment's customer reads this language from now on (and this phone keeps it). */
  app.post('/a/:token/language', async (req: ManageRequest, reply) => {
    if (misses.isOver(req.ip)) return send(reply, 429, notFound);
    const m = await managed(req.params.token);
    if (!m) return missing(req, reply);
    const wanted = String(req.body?.language ?? '');
    if (!isCustomerLanguage(wanted)) return badLanguage(reply, wanted);
    const customerId = m.row.customer_id;
    if (customerId) {
      await write(m.workspaceId, m.store, `The customer chose ${languageName(wanted)} on the appointment page`, m.row.ro_id, async (tx) => {
        const row = await tx.get('customers', customerId);
        if (row && row.language !== wanted) await tx.update('customers', customerId, { language: wanted });
      });
    }
    setLanguageCookie(req, reply, wanted);
    return reply.code(303).headers(HEADERS).header('location', `/a/${req.params.token}`).send();
  });

  async function manageAction(req: ManageRequest, reply: FastifyReply, action: 'reschedule' | 'cancel' | 'accept') {
    if (misses.isOver(req.ip)) return send(reply, 429, notFound);
    const m = await managed(req.params.token);
    if (!m) return missing(req, reply);
    const zone = m.settings.timeZone;
    try {
      if (action === 'cancel') {
        await write(m.workspaceId, m.store, `The customer cancelled their ${KIND_WORDS[m.kind].noun}`, m.row.ro_id, (tx) => cancelByCustomer(tx, { tokenHash: m.tokenHash, now: now() }));
      } else if (action === 'accept') {
        await write(m.workspaceId, m.store, `The customer accepted the proposed time`, m.row.ro_id, async (tx) => {
          const row = await tx.get('appointments', m.row.id);
          if (row?.state !== 'proposed' || !row.proposed_starts_at) throw new BookingRefused('gone', 'There is no proposed time to accept any more.', null, { key: 'booking.noProposal' });
          const length = Date.parse(row.ends_at ?? '') - Date.parse(row.starts_at ?? '');
          const ends = new Date(Date.parse(row.proposed_starts_at) + (Number.isFinite(length) && length > 0 ? length : 30 * 60_000)).toISOString();
          await tx.update('appointments', row.id, { state: 'confirmed', starts_at: row.proposed_starts_at, ends_at: ends, decided_at: now().toISOString(), decided_by: 'customer' });
        });
      } else {
        const slot = String(req.body?.slot ?? '');
        if (!slot) throw new BookingRefused('invalid', 'Please choose a time.', null, { key: 'booking.pickTime' });
        await write(m.workspaceId, m.store, `The customer asked to move their ${KIND_WORDS[m.kind].noun}`, m.row.ro_id, (tx) => reschedule(tx, { tokenHash: m.tokenHash, startsAt: slot, timeZone: zone, now: now() }));
      }
    } catch (err) {
      if (!(err instanceof BookingRefused)) throw err;
      const fresh = (await managed(req.params.token)) ?? m;
      return managePage(req, reply, req.params.token, fresh, err.problem === 'full' ? 409 : err.problem === 'cancelled' ? 410 : 400, { error: err });
    }
    const notice = action === 'cancel' ? undefined : action === 'accept' ? { key: 'booking.acceptedNotice' } : { key: 'booking.movedNotice' };
    const fresh = await managed(req.params.token);
    if (fresh) return managePage(req, reply, req.params.token, fresh, 200, { notice });
    // The outcome was already texted with a new link (each outcome told replaces the link): the
    // customer still sees what they just did, from the row itself.
    const row = await m.store.db.selectFrom('appointments').selectAll().where('id', '=', m.row.id).executeTakeFirst();
    if (!row) return missing(req, reply);
    return managePage(req, reply, req.params.token, { ...m, row }, 200, { notice, newLink: true });
  }

  app.post('/a/:token/reschedule', (req: ManageRequest, reply) => manageAction(req, reply, 'reschedule'));
  app.post('/a/:token/cancel', (req: ManageRequest, reply) => manageAction(req, reply, 'cancel'));
  app.post('/a/:token/accept', (req: ManageRequest, reply) => manageAction(req, reply, 'accept'));

  function eventOf(row: { id: string; kind: string | null; starts_at: string | null; ends_at: string | null; state: string | null; name?: string | null; vehicle?: string | null }, shop: PortalShop, forShop: boolean): CalendarEvent {
    const kind = isKind(row.kind) ? row.kind : 'estimate';
    const noun = KIND_WORDS[kind].noun;
    return {
      id: row.id,
      kind,
      startsAt: row.starts_at ?? '',
      endsAt: row.ends_at ?? row.starts_at ?? '',
      summary: forShop ? `${noun[0]!.toUpperCase()}${noun.slice(1)}: ${[row.name, row.vehicle].filter(Boolean).join(', ')}` : `${noun[0]!.toUpperCase()}${noun.slice(1)} at ${shop.name}`,
      description: forShop ? '' : [shop.address, shop.phone].filter(Boolean).join('\n'),
      location: shop.address,
      status: row.state === 'confirmed' ? 'confirmed' : row.state === 'cancelled' ? 'cancelled' : 'tentative',
    };
  }

  function sendIcs(reply: FastifyReply, body: string, fileName: string) {
    return reply
      .headers(HEADERS)
      .header('content-disposition', `inline; filename="${fileName}"`)
      .type('text/calendar; charset=utf-8')
      .send(body);
  }

  app.get('/a/:token/appointment.ics', async (req: ManageRequest, reply) => {
    if (misses.isOver(req.ip)) return send(reply, 429, notFound);
    const m = await managed(req.params.token);
    if (!m || !m.row.starts_at) return missing(req, reply);
    const domain = new URL(app.publicUrl || 'http://localhost').hostname;
    return sendIcs(reply, calendarIcs({ name: m.shop.name, timeZone: m.settings.timeZone, domain, events: [eventOf(m.row, m.shop, false)] }), 'appointment.ics');
  });

  // ---- the shop's private calendar feed ------------------------------------------------------------

  app.get('/c/:token/calendar.ics', async (req: ManageRequest, reply) => {
    if (misses.isOver(req.ip)) return send(reply, 429, notFound);
    const workspaceId = tokenWorkspace(req.params.token);
    if (!workspaceId) return missing(req, reply);
    const workspace = await app.storage.findWorkspace(workspaceId);
    if (!workspace || workspace.id !== workspaceId) return missing(req, reply);
    const store = await app.storage.workspaceStore(workspaceId);
    const token = await store.db.selectFrom('portal_tokens').select(['kind', 'revoked_at', 'expires_at']).where('token_hash', '=', hashToken(req.params.token)).executeTakeFirst();
    if (!token || token.kind !== 'calendar' || token.revoked_at || (token.expires_at && Date.parse(token.expires_at) <= Date.now())) return missing(req, reply);
    const settings = await readSettings(store.db);
    const since = new Date(now().getTime() - 90 * 86_400_000).toISOString();
    const rows = await store.db
      .selectFrom('appointments')
      .select(['id', 'kind', 'starts_at', 'ends_at', 'state', 'name', 'vehicle'])
      .where('state', '=', 'confirmed')
      .where('starts_at', '>=', since)
      .orderBy('starts_at')
      .execute();
    const domain = new URL(app.publicUrl || 'http://localhost').hostname;
    const shop = shopOf(settings);
    return sendIcs(reply, calendarIcs({ name: `${settings.name} appointments`, timeZone: settings.timeZone, domain, events: rows.map((r) => eventOf(r, shop, true)) }), 'calendar.ics');
  });
};
