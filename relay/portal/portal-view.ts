// What one repair shows its customer, read from the relay's copy of the workspace: only the
// published part. Internal notes, internal photos, adjuster details, money and the VIN never
// leave this file, because nothing here selects them.
import type { Kysely } from 'kysely';
import type { OpeningHours, WorkspaceSettings } from '../../src-shared/domain.js';
import { DELAY_REASONS, type DelayReason } from '../../src-shared/exceptions.js';
import { hashToken, type TokenKind } from '../../src-shared/portal/token.js';
import { SETTINGS_ID, toSettings } from '../../src-shared/settings.js';
import { dayEndsAt, dayHasPassed } from '../../src-shared/shop-day.js';
import { STAGE_LABELS, STAGES, type Stage } from '../../src-shared/stages.js';
import type { WorkspaceDatabase } from '../../src-shared/sync/rows.js';
import { loadToSign, type ToSignItem } from '../esign/portal-section.js';
import { offeredLanguages } from '../../src-shared/i18n/customer-locale.js';

type Db = Kysely<WorkspaceDatabase>;

export interface PortalShop {
  name: string;
  phone: string;
  email: string;
  address: string;
  hours: OpeningHours;
  timeZone: string;
  logoHash: string | null;
  colorPrimary: string;
  colorAccent: string;
  /** The shop page's address part (/p/<slug>), for the customer's account link. */
  slug?: string;
}

export interface PortalFile {
  id: string;
  kind: 'photo' | 'document';
  fileName: string;
  caption: string | null;
  addedAt: string;
}

export interface PortalMessage {
  id: string;
  direction: 'in' | 'out';
  author: string;
  body: string;
  at: string;
  files: PortalFile[];
}

export interface PortalView {
  roId: string;
  roNumber: number;
  customerFirstName: string;
  vehicle: { year: number | null; make: string | null; model: string | null; color: string | null; plate: string | null };
  stage: Stage;
  timeline: Array<{ stage: Stage; label: string; sentence: string; reachedAt: string | null; current: boolean }>;
  promisedDate: string | null;
  /**
   * The promised day is over where the shop is and the car is neither finished nor delivered:
   * the page says so instead of "Expected ready", and that the shop will confirm a new date.
   */
  promisedPassed: boolean;
  /** Every move of the promised date after the first, newest last, in the shop's words. */
  promisedHistory: Array<{ from: string | null; to: string; reason: string; at: string }>;
  /** Delay reasons of open exceptions, as customers read them (never the internal tag or note). */
  delays: string[];
  photos: PortalFile[];
  documents: PortalFile[];
  messages: PortalMessage[];
  deliveredAt: string | null;
  shop: PortalShop;
  /** Times the shop asked the customer to choose (issue 17): drop-off or pickup appointments in state 'invited'. */
  invitations?: Array<{ id: string; kind: string }>;
  /** E-signature: documents to sign and signed copies (relay/esign/portal-section.ts). */
  toSign?: ToSignItem[];
  /** The customer's language (customers.language; null = the shop's), the shop's country and the languages it offers. */
  language?: string | null;
  country?: string | null;
  languages?: string[];
}

export interface TokenHit {
  tokenId: string;
  roId: string;
  kind: TokenKind;
  /** When the link stops working (ms since epoch); Infinity while the car is not delivered. */
  validUntil: number;
}

/** The token's row if it is live: right kind, not revoked, its repair there and within its time. */
export async function findLiveToken(db: Db, token: string, kind: TokenKind, now = Date.now()): Promise<TokenHit | null> {
  const row = await db
    .selectFrom('portal_tokens')
    .select(['id', 'ro_id', 'kind', 'expires_at', 'revoked_at'])
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.kind !== kind || row.revoked_at !== null || !row.ro_id) return null;
  const ro = await db.selectFrom('repair_orders').select(['id', 'closed_at']).where('id', '=', row.ro_id).executeTakeFirst();
  if (!ro) return null;
  let validUntil = Number.POSITIVE_INFINITY;
  if (kind === 'customer') {
    if (ro.closed_at) {
      const settings = await readSettings(db);
      validUntil = Date.parse(ro.closed_at) + settings.portalDaysAfterDelivery * 86_400_000;
    }
  } else {
    // The bay camera is for cars in the shop: it stops when the car leaves or the link expires.
    if (ro.closed_at) return null;
    validUntil = row.expires_at ? Date.parse(row.expires_at) : now;
  }
  if (!(validUntil > now)) return null;
  return { tokenId: row.id, roId: row.ro_id, kind, validUntil };
}

/**
 * The shop's country and the languages it offers its customers (workspace_settings.country and
 * .customer_languages, v10). A shop that lists none offers its country's own (`countryLanguages`:
 * English and Spanish in the US and Canada, English in the UK).
 */
export async function readCustomerLanguages(db: Db): Promise<{ country: string | null; offered: string[] }> {
  const row = await db.selectFrom('workspace_settings').select(['country', 'customer_languages']).where('id', '=', SETTINGS_ID).executeTakeFirst();
  return { country: row?.country ?? null, offered: offeredLanguages(row?.customer_languages, row?.country) };
}

export async function readSettings(db: Db): Promise<WorkspaceSettings> {
  return toSettings(await db.selectFrom('workspace_settings').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirst());
}

export function shopOf(settings: WorkspaceSettings): PortalShop {
  return {
    name: settings.name,
    phone: settings.phone,
    email: settings.email,
    address: settings.address,
    hours: settings.hours,
    timeZone: settings.timeZone,
    logoHash: settings.logoHash,
    colorPrimary: settings.colorPrimary,
    colorAccent: settings.colorAccent,
    slug: settings.slug,
  };
}

function toFile(a: { id: string; kind: string | null; file_name: string | null; caption: string | null; added_at: string | null }): PortalFile {
  return {
    id: a.id,
    kind: a.kind === 'document' ? 'document' : 'photo',
    fileName: a.file_name ?? '',
    caption: a.caption,
    addedAt: a.added_at ?? '',
  };
}

/**
 * `hasBlob` leaves out files whose bytes have not reached the relay yet (a desk's photo row can
 * arrive by sync before the desk's upload of the file finishes): the page would show a broken image.
 * The page shows them once the upload lands (the blob route announces the workspace as changed).
 */
/** Whether the customer's address is among a mail's sender and recipients. */
function customerOnMail(address: string | null | undefined, m: { email_from: string | null; email_to: string | null; email_cc: string | null }): boolean {
  if (!address) return false;
  const wanted = address.trim().toLowerCase();
  return [m.email_from, m.email_to, m.email_cc].some((json) => {
    try {
      const v: unknown = JSON.parse(json ?? '[]');
      return (Array.isArray(v) ? v : [v]).some((p) => typeof p?.address === 'string' && p.address.trim().toLowerCase() === wanted);
    } catch {
      return false;
    }
  });
}

export async function loadPortalView(
  db: Db,
  roId: string,
  hasBlob: (hash: string) => Promise<boolean> = async () => true,
  now: Date = new Date(),
): Promise<PortalView | null> {
  const ro = await db
    .selectFrom('repair_orders')
    .select(['id', 'ro_number', 'customer_id', 'vehicle_id', 'stage', 'promised_date', 'closed_at'])
    .where('id', '=', roId)
    .executeTakeFirst();
  if (!ro) return null;
  const [settings, customer, vehicle, events, dates, exceptions, allFiles, messages] = await Promise.all([
    readSettings(db),
    ro.customer_id
      ? db.selectFrom('customers').select(['first_name', 'email', 'language']).where('id', '=', ro.customer_id).executeTakeFirst()
      : undefined,
    ro.vehicle_id
      ? db.selectFrom('vehicles').select(['year', 'make', 'model', 'color', 'plate']).where('id', '=', ro.vehicle_id).executeTakeFirst()
      : undefined,
    db.selectFrom('stage_events').select(['stage', 'at']).where('ro_id', '=', roId).orderBy('at').orderBy('id').execute(),
    db
      .selectFrom('promised_date_changes')
      .select(['from_date', 'to_date', 'reason', 'at'])
      .where('ro_id', '=', roId)
      .orderBy('at')
      .orderBy('id')
      .execute(),
    db.selectFrom('ro_exceptions').select(['reason']).where('ro_id', '=', roId).where('resolved_at', 'is', null).execute(),
    db
      .selectFrom('attachments')
      .select(['id', 'kind', 'file_name', 'caption', 'added_at', 'published', 'message_id', 'mime_type', 'blob_hash'])
      .where('ro_id', '=', roId)
      .where('removed_at', 'is', null)
      .orderBy('added_at')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('messages')
      .select(['id', 'direction', 'author', 'body', 'at', 'channel', 'status', 'email_from', 'email_to', 'email_cc'])
      .where('ro_id', '=', roId)
      .orderBy('at')
      .orderBy('id')
      .execute(),
  ]);
  const held = await Promise.all(allFiles.map((f) => (f.blob_hash ? hasBlob(f.blob_hash) : false)));
  const files = allFiles.filter((_, i) => held[i]);
  const stage = (STAGES as readonly string[]).includes(ro.stage ?? '') ? (ro.stage as Stage) : 'pictures';
  const reached = new Map<Stage, string>();
  for (const e of events) if (e.stage && e.at) reached.set(e.stage as Stage, e.at); // the latest time each stage was reached
  const currentIndex = STAGES.indexOf(stage);
  const timeline = STAGES.map((s, i) => ({
    stage: s,
    label: STAGE_LABELS[s],
    sentence: settings.stageWording[s],
    // A stage skipped on the way (or reached before a move back) still reads as done up to the current one.
    reachedAt: i <= currentIndex ? (reached.get(s) ?? null) : null,
    current: s === stage,
  }));
  // Portal messages and texts are one conversation; a text shows once it was sent or is going
  // (not a draft, a refused or failed one, nor one held for the morning). A mail shows only when
  // the customer wrote it or was on it (To or Cc), and the shop's once sent: mail between the shop
  // and the adjuster stays at the desk.
  const shown = messages.filter(
    (m) =>
      m.channel === 'portal' ||
      (m.channel === 'email' && customerOnMail(customer?.email, m) && (m.direction === 'in' || m.status === 'sent')) ||
      (m.channel === 'sms' && (m.direction === 'in' || TEXT_SHOWN.has(m.status ?? ''))),
  );
  const messageIds = new Set(shown.map((m) => m.id));
  const byMessage = new Map<string, PortalFile[]>();
  for (const f of files) {
    if (f.message_id && messageIds.has(f.message_id)) byMessage.set(f.message_id, [...(byMessage.get(f.message_id) ?? []), toFile(f)]);
  }
  const published = files.filter((f) => f.published === 1 && !f.message_id);
  const firstName = customer?.first_name ?? '';
  const toSign = await loadToSign(db, roId);
  const languages = await readCustomerLanguages(db);
  return {
    toSign,
    language: customer?.language ?? null,
    country: languages.country,
    languages: languages.offered,
    roId,
    roNumber: ro.ro_number ?? 0,
    customerFirstName: firstName,
    vehicle: {
      year: vehicle?.year ?? null,
      make: vehicle?.make ?? null,
      model: vehicle?.model ?? null,
      color: vehicle?.color ?? null,
      plate: vehicle?.plate ?? null,
    },
    stage,
    timeline,
    promisedDate: ro.promised_date,
    promisedPassed: promisedPassed(ro.promised_date, stage, ro.closed_at, settings.timeZone, now),
    promisedHistory: dates
      .filter((d) => d.from_date !== null && d.to_date !== null)
      .map((d) => ({ from: d.from_date, to: d.to_date ?? '', reason: d.reason ?? '', at: d.at ?? '' })),
    delays: [...new Set(exceptions.map((e) => DELAY_REASONS[(e.reason ?? 'other') as DelayReason] ?? DELAY_REASONS.other))].filter(
      (r) => r !== DELAY_REASONS.other,
    ),
    photos: published.filter((f) => f.kind !== 'document' && (f.mime_type ?? '').startsWith('image/')).map(toFile),
    documents: published.filter((f) => f.kind === 'document').map(toFile),
    messages: shown.map((m) => ({
      id: m.id,
      direction: m.direction === 'out' ? 'out' : 'in',
      author: m.direction === 'out' ? settings.name : firstName || 'You',
      body: m.body ?? '',
      at: m.at ?? '',
      files: byMessage.get(m.id) ?? [],
    })),
    deliveredAt: ro.closed_at,
    shop: shopOf(settings),
    invitations: (
      await db.selectFrom('appointments').select(['id', 'kind']).where('ro_id', '=', roId).where('state', '=', 'invited').orderBy('requested_at').orderBy('id').execute()
    ).map((a) => ({ id: a.id, kind: a.kind ?? '' })),
  };
}

/** A finished or delivered car is not late, whatever the date said (the desk's "overdue" agrees). */
function stillPromised(stage: Stage, closedAt: string | null): boolean {
  return closedAt === null && stage !== 'completed' && stage !== 'delivered';
}

function promisedPassed(date: string | null, stage: Stage, closedAt: string | null, timeZone: string, now: Date): boolean {
  return date !== null && stillPromised(stage, closedAt) && dayHasPassed(date, timeZone, now);
}

/**
 * When what the view says about its date goes stale on its own, with no change to the data: the
 * end of the promised day in the shop's zone (from then on the date has passed), or Infinity.
 */
export function viewStaleAt(view: PortalView): number {
  if (!view.promisedDate || view.promisedPassed || !stillPromised(view.stage, view.deliveredAt)) return Number.POSITIVE_INFINITY;
  const end = dayEndsAt(view.promisedDate, view.shop.timeZone);
  return Number.isNaN(end) ? Number.POSITIVE_INFINITY : end;
}

/** Outbound texts the customer has (or is about to have) on their phone. */
const TEXT_SHOWN = new Set(['approved', 'sending', 'queued', 'sent', 'delivered', 'check-needed']);

/** The file, if this repair's portal may show it: published, or sent with one of its messages. */
export async function findPortalFile(
  db: Db,
  roId: string,
  fileId: string,
): Promise<{ blobHash: string; mimeType: string; fileName: string; kind: 'photo' | 'document' } | null> {
  const a = await db
    .selectFrom('attachments')
    .select(['ro_id', 'blob_hash', 'mime_type', 'file_name', 'kind', 'published', 'message_id', 'removed_at'])
    .where('id', '=', fileId)
    .executeTakeFirst();
  if (!a || a.ro_id !== roId || a.removed_at !== null || !a.blob_hash) return null;
  if (a.published !== 1 && !a.message_id) return null;
  return {
    blobHash: a.blob_hash,
    mimeType: a.mime_type ?? 'application/octet-stream',
    fileName: a.file_name ?? 'file',
    kind: a.kind === 'document' ? 'document' : 'photo',
  };
}
