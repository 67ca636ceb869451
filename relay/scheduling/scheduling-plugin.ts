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
import { formatSlotTime } from '../../src-shared/scheduling/slots.js';
import type { AppointmentKind, Slot } from '../../src-shared/scheduling/types.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import { type Blobs, BlobStore, formatBytes } from '../blobs/blob-store.js';
import { RateLimiter } from '../rate-limit.js';
import { cleanFileName } from '../portal/portal-plugin.js';
import { findLiveToken, readSettings, shopOf, type PortalShop } from '../portal/portal-view.js';
import { renderNotFound, type RenderedPage } from '../portal/render.js';
import { acceptUpload, type AcceptedUpload, UploadRefused } from '../uploads/intake.js';
import { answerInvitation, BookingRefused, cancelByCustomer, isKind, loadSchedule, requestEstimate, reschedule, slotsOf, validateLead } from './booking.js';
import { calendarIcs, type CalendarEvent } from './ics.js';
import { KIND_WORDS, renderBookEstimate, renderChooseTime, renderMessage } from './pages.js';
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
          if (part.valueTruncated) throw new BookingRefused('field', part.fieldname === 'description' ? 'Please keep the description short (under 2000 characters).' : `The ${part.fieldname} field is too long.`, part.fieldname);
          fields[part.fieldname] = String(part.value ?? '');
          continue;
        }
        const file = part as MultipartFile;
        if (file.fieldname !== 'photos' || !file.filename) {
          file.file.resume();
          continue;
        }
        if (!blobs) throw new UploadRefused('unsupported-type', 'Photos cannot be received here right now. Please book without them.');
        if (files.length >= MAX_PHOTOS) throw new UploadRefused('too-large', `Please send at most ${MAX_PHOTOS} photos.`);
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

  function uploadProblem(err: unknown): string | null {
    if (err instanceof UploadRefused) return err.message;
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') return `That photo is larger than ${formatBytes(maxUpload)}. Please send a smaller one.`;
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') return 'Too much was sent at once. Please send fewer photos.';
    if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return 'Nothing was sent.';
    return null;
  }

  // ---- the public shop page: "Book an estimate" --------------------------------------------------

  type SlugRequest = FastifyRequest<{ Params: { slug: string } }>;

  app.get('/p/:slug/book', async (req: SlugRequest, reply) => {
    const shop = await shopBySlug(req.params.slug);
    if (!shop) return missing(req, reply);
    const { active, slots } = await freeSlots(shop.store, 'estimate', shop.settings.timeZone);
    const ref = (req.query as Record<string, string | undefined> | undefined)?.ref;
    return send(reply, 200, renderBookEstimate({ slug: shop.workspace.slug, shop: shopOf(shop.settings), slots, active, values: isReferralCode(ref) ? { ref } : {} }));
  });

  app.post('/p/:slug/book', async (req: SlugRequest, reply) => {
    const shop = await shopBySlug(req.params.slug);
    if (!shop) return missing(req, reply);
    const portalShop = shopOf(shop.settings);
    const zone = shop.settings.timeZone;
    const again = async (status: number, error: string, values: Fields = {}) => {
      const { active, slots } = await freeSlots(shop.store, 'estimate', zone);
      const kept = Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1].length <= FIELD_BYTES));
      return send(reply, status, renderBookEstimate({ slug: shop.workspace.slug, shop: portalShop, slots, active, values: kept, error }));
    };
    if (!bookings.take(req.ip)) return again(429, 'Too many requests from this connection. Please wait 15 minutes or call the shop.');
    let received;
    try {
      received = await receive(req, shop.workspace.id);
    } catch (err) {
      reply.header('connection', 'close');
      if (err instanceof BookingRefused) return again(413, err.message);
      const problem = uploadProblem(err);
      if (!problem) throw err;
      return again(413, problem);
    }
    const { fields, files } = received;
    try {
      const lead = validateLead(fields, shop.settings.country);
      if (!fields.slot) throw new BookingRefused('invalid', 'Please choose a time.');
      // The photos go to the blob store first; the rows naming them are written with the request.
      if (files.length > 0) await keepPhotos(shop.workspace.id, files);
      const booked = await write<Awaited<ReturnType<typeof requestEstimate>>>(shop.workspace.id, shop.store, `Estimate requested on the shop page by ${lead.name}`, null, (tx) =>
        requestEstimate(tx, { lead, startsAt: fields.slot!, timeZone: zone, now: now(), photos: files }).then(async (result) => {
          // Came through a customer's referral link: credited in the same write as the booking.
          if (fields.ref) await creditReferral(tx, { code: fields.ref, appointmentId: result.appointmentId, customerId: result.customerId, name: lead.name, now: now() });
          return result;
        }),
      );
      return send(reply, 200, renderMessage({
        shop: portalShop,
        heading: 'Request sent',
        lines: [
          html`Thank you, ${lead.name}. You asked for <strong>${formatSlotTime(booked.slot.startsAt, zone)}</strong>.`,
          'The shop will confirm by text. The time is held for you until then.',
        ],
      }));
    } catch (err) {
      await Promise.all(files.map((f) => fsp.rm(f.file, { force: true })));
      if (!(err instanceof BookingRefused)) throw err;
      const status = err.problem === 'full' ? 409 : 400;
      return again(status, err.message, err.field === 'mobile' || err.problem === 'full' ? { ...fields, slot: err.problem === 'full' ? '' : fields.slot ?? '' } : fields);
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
    return { live, row, kind: row.kind, settings, shop: shopOf(settings) };
  }

  async function choosePage(reply: FastifyReply, token: string, id: string, inv: NonNullable<Awaited<ReturnType<typeof invitation>>>, status: number, error?: string, chosen?: string) {
    const words = KIND_WORDS[inv.kind];
    if (inv.row.state !== 'invited') {
      return send(reply, status === 200 ? 200 : status, renderMessage({
        shop: inv.shop,
        heading: words.choose,
        lines: [inv.row.starts_at ? `You asked for ${formatSlotTime(inv.row.starts_at, inv.settings.timeZone)}. The shop will confirm by text.` : 'This request is no longer open.', html`<a href="/t/${token}">Back to your repair</a>`],
      }));
    }
    const { slots } = await freeSlots(inv.live.store, inv.kind, inv.settings.timeZone);
    return send(reply, status, renderChooseTime({
      action: `/t/${token}/appointments/${id}`,
      shop: inv.shop,
      kind: inv.kind,
      heading: words.choose,
      intro: `Choose the time that suits you for your ${words.noun}`,
      slots,
      chosen,
      error,
      back: `/t/${token}`,
    }));
  }

  app.get('/t/:token/appointments/:id', async (req: InviteRequest, reply) => {
    const inv = await invitation(req);
    if (!inv) return missing(req, reply);
    return choosePage(reply, req.params.token, req.params.id, inv, 200);
  });

  app.post('/t/:token/appointments/:id', async (req: InviteRequest, reply) => {
    const inv = await invitation(req);
    if (!inv) return missing(req, reply);
    if (!bookings.take(req.ip)) return choosePage(reply, req.params.token, req.params.id, inv, 429, 'Too many requests from this connection. Please wait 15 minutes or call the shop.');
    const slot = String(req.body?.slot ?? '');
    try {
      if (!slot) throw new BookingRefused('invalid', 'Please choose a time.');
      await write(inv.live.workspaceId, inv.live.store, `${KIND_WORDS[inv.kind].noun} time chosen on the portal`, inv.live.roId, (tx) =>
        answerInvitation(tx, { appointmentId: inv.row.id, roId: inv.live.roId, startsAt: slot, timeZone: inv.settings.timeZone, now: now() }),
      );
    } catch (err) {
      if (!(err instanceof BookingRefused)) throw err;
      const fresh = (await invitation(req)) ?? inv;
      return choosePage(reply, req.params.token, req.params.id, fresh, err.problem === 'full' ? 409 : 400, err.message);
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

  async function managePage(reply: FastifyReply, token: string, m: NonNullable<Awaited<ReturnType<typeof managed>>>, status: number, outcome: { error?: string; notice?: string } = {}) {
    const words = KIND_WORDS[m.kind];
    const zone = m.settings.timeZone;
    const when = m.row.starts_at ? formatSlotTime(m.row.starts_at, zone) : '';
    if (m.row.state === 'cancelled') {
      return send(reply, outcome.error ? status : 200, renderMessage({
        shop: m.shop,
        heading: `Your ${words.noun}`,
        error: !!outcome.error,
        lines: [
          ...(outcome.error ? [outcome.error] : []),
          outcome.notice ?? `Your ${words.noun} for ${when} was cancelled.`,
          m.kind === 'estimate' && m.settings.slug ? html`<a href="/p/${m.settings.slug}/book">Book a new time</a>` : 'To come in, please call the shop.',
        ],
      }));
    }
    const { slots } = await freeSlots(m.store, m.kind, zone);
    const state =
      m.row.state === 'confirmed'
        ? html`<p>Your ${words.noun} is <strong>confirmed</strong> for <strong>${when}</strong>. <a href="/a/${token}/appointment.ics">Add to calendar</a></p>`
        : m.row.state === 'proposed' && m.row.proposed_starts_at
          ? html`<p>You asked for ${when}. The shop proposed <strong>${formatSlotTime(m.row.proposed_starts_at, zone)}</strong> instead.</p>
<form method="post" action="/a/${token}/accept"><div class="row"><button type="submit">Accept ${formatSlotTime(m.row.proposed_starts_at, zone)}</button></div></form>`
          : m.row.state === 'requested'
            ? html`<p>You asked for <strong>${when}</strong>. The shop will confirm by text.</p>`
            : html`<p>This ${words.noun} can no longer be changed online. Please call the shop.</p>`;
    const open = ['requested', 'confirmed', 'proposed'].includes(m.row.state ?? '');
    return send(reply, status, renderChooseTime({
      action: `/a/${token}/reschedule`,
      shop: m.shop,
      kind: m.kind,
      heading: `Your ${words.noun}`,
      intro: open ? 'Or move it to another time' : '',
      slots: open ? slots : ([] as Slot[]),
      error: outcome.error ?? null,
      extra: html`${outcome.notice ? html`<p class="note">${outcome.notice}</p>` : ''}${state}${
        open ? html`<form method="post" action="/a/${token}/cancel"><div class="row"><button type="submit" class="secondary">Cancel this ${words.noun}</button></div></form>` : ''
      }`,
    }));
  }

  app.get('/a/:token', async (req: ManageRequest, reply) => {
    if (misses.isOver(req.ip)) return send(reply, 429, notFound);
    const m = await managed(req.params.token);
    if (!m) return missing(req, reply);
    return managePage(reply, req.params.token, m, 200);
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
          if (row?.state !== 'proposed' || !row.proposed_starts_at) throw new BookingRefused('gone', 'There is no proposed time to accept any more.');
          const length = Date.parse(row.ends_at ?? '') - Date.parse(row.starts_at ?? '');
          const ends = new Date(Date.parse(row.proposed_starts_at) + (Number.isFinite(length) && length > 0 ? length : 30 * 60_000)).toISOString();
          await tx.update('appointments', row.id, { state: 'confirmed', starts_at: row.proposed_starts_at, ends_at: ends, decided_at: now().toISOString(), decided_by: 'customer' });
        });
      } else {
        const slot = String(req.body?.slot ?? '');
        if (!slot) throw new BookingRefused('invalid', 'Please choose a time.');
        await write(m.workspaceId, m.store, `The customer asked to move their ${KIND_WORDS[m.kind].noun}`, m.row.ro_id, (tx) => reschedule(tx, { tokenHash: m.tokenHash, startsAt: slot, timeZone: zone, now: now() }));
      }
    } catch (err) {
      if (!(err instanceof BookingRefused)) throw err;
      const fresh = (await managed(req.params.token)) ?? m;
      return managePage(reply, req.params.token, fresh, err.problem === 'full' ? 409 : err.problem === 'cancelled' ? 410 : 400, { error: err.message });
    }
    const notice = action === 'cancel' ? undefined : action === 'accept' ? 'Thank you: your time is confirmed.' : 'Thank you: the shop will confirm your new time by text.';
    const fresh = await managed(req.params.token);
    if (fresh) return managePage(reply, req.params.token, fresh, 200, { notice });
    // The outcome was already texted with a new link (each outcome told replaces the link): the
    // customer still sees what they just did, from the row itself.
    const row = await m.store.db.selectFrom('appointments').selectAll().where('id', '=', m.row.id).executeTakeFirst();
    if (!row) return missing(req, reply);
    return managePage(reply, req.params.token, { ...m, row }, 200, { notice: `${notice ?? 'Done.'} We have texted you a new link to manage it.` });
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
