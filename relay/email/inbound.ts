// Filing one mail into the shop's conversation: parse the raw MIME (mailparser), find the repair
// it belongs to, and write it once through the workspace store (so every desk gets it by sync).
// Which repair, in order: the provider thread already attached; an RO number, claim number or
// plate in the subject or body naming exactly one repair; the people on it (the customer's email,
// the RO's adjuster email) with exactly one open repair; otherwise no repair (unassigned mail).
// The row id comes from the provider's message id, so the same message seen twice is one row.
// Its files become the repair's documents and photos (`attachments` rows, source 'email', linked
// to the mail by message_id, never published on the portal), each checked by its first bytes
// against the same list as portal uploads (PDF, JPEG, PNG, WebP, HEIC): PDFs and photos are kept
// byte for byte as the sender sent them (an iPhone's HEIC becomes a JPEG, which every screen can
// show). Anything else, or anything too large, is not kept and is named on the mail with the
// reason (`status_detail`, lines "Not kept: <name> (<why>)"); it stays in the shop's mailbox. A
// delivery report about a mail the shop sent (./bounces.ts) marks that mail failed and is filed
// on the same repair. Damaged mail is filed with what could be read (./mail-reading.ts).
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { AddressObject } from 'mailparser';
import { MAX_BLOB_BYTES } from '../../src-shared/blob-types.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import type { Blobs } from '../blobs/blob-store.js';
import type { BlobRecord } from '../storage/types.js';
import { acceptUpload, detect } from '../uploads/intake.js';
import { findBounce } from './bounces.js';
import { formatSize, type ReadFile, type ReadLimits, readMail } from './mail-reading.js';
import type { MailProviderId } from './provider.js';

export interface MailPerson {
  name: string;
  address: string;
}

export interface FiledMail {
  id: string;
  roId: string | null;
  how: 'thread' | 'ro-number' | 'claim-number' | 'plate' | 'participants' | 'unassigned' | 'duplicate' | 'own-send' | 'bounce';
  /** Files kept (attachments rows written) and files not kept, with why. */
  kept?: number;
  notKept?: string[];
}

/** Most people of each of To and Cc kept on the row; the rest are counted in a note. */
export const MAX_LISTED_PEOPLE = 100;

/** What one mail may bring: each file up to what a blob may be (25 MB), 75 MB and 30 files in all. */
export const MAIL_FILE_LIMITS: ReadLimits = { perFile: MAX_BLOB_BYTES, perMail: 75 * 1024 * 1024, maxFiles: 30 };

/** Where a mail's files go: the relay's blob folder for this shop. */
export interface MailFileStore {
  blobs: Blobs;
  workspaceId: string;
  record(blob: BlobRecord): Promise<void>;
}

const MAX_TEXT = 200_000;
const MAX_HTML = 2_000_000;

/**
 * The synced row id of a provider's message in a mailbox. Row ids are at most 64 characters: a
 * provider id that would not fit (Graph's are about 150) is replaced by a digest of it.
 */
export function mailRowId(provider: string, mailboxId: string, providerId: string): string {
  const plain = `${provider}:${mailboxId}:${providerId}`;
  if (plain.length <= 64) return plain;
  return `${provider}:${createHash('sha256').update(`${mailboxId}\n${providerId}`).digest('base64url').slice(0, 43)}`;
}

export function people(a: AddressObject | AddressObject[] | undefined): MailPerson[] {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  const out: MailPerson[] = [];
  for (const obj of list) {
    for (const v of obj.value) {
      if (v.address) out.push({ name: v.name ?? '', address: v.address.toLowerCase() });
      for (const g of v.group ?? []) if (g.address) out.push({ name: g.name ?? '', address: g.address.toLowerCase() });
    }
  }
  return out;
}

const alnum = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '');

/** The repair a message names in its subject or body, when exactly one fits. */
async function byNumbers(store: WorkspaceStore, subject: string, text: string): Promise<{ roId: string; how: FiledMail['how'] } | null> {
  const haystack = `${subject}\n${text.slice(0, 20_000)}`;
  const squashed = alnum(haystack);
  const ros = await store.db.selectFrom('repair_orders').select(['id', 'ro_number', 'claim_number', 'vehicle_id', 'closed_at']).execute();
  // RO numbers as the shop writes them: "RO 1042", "RO#1042", "Repair order 1042".
  const roNumbers = new Set([...haystack.matchAll(/\b(?:RO|R\.O\.|repair order)\s*(?:#|no\.?|number)?\s*(\d{3,9})\b/gi)].map((m) => Number(m[1])));
  const byRo = ros.filter((r) => r.ro_number !== null && roNumbers.has(Number(r.ro_number)));
  if (byRo.length === 1) return { roId: byRo[0]!.id, how: 'ro-number' };
  const byClaim = ros.filter((r) => r.claim_number && alnum(r.claim_number).length >= 5 && squashed.includes(alnum(r.claim_number)));
  if (byClaim.length === 1) return { roId: byClaim[0]!.id, how: 'claim-number' };
  const open = ros.filter((r) => !r.closed_at && r.vehicle_id);
  if (open.length) {
    const vehicles = await store.db.selectFrom('vehicles').select(['id', 'plate']).where('id', 'in', open.map((r) => r.vehicle_id!)).execute();
    const words = new Set(haystack.toUpperCase().split(/[^A-Z0-9-]+/).filter(Boolean));
    const spaced = haystack.toUpperCase();
    const plateOf = new Map(vehicles.filter((v) => v.plate && alnum(v.plate).length >= 5).map((v) => [v.id, v.plate!.toUpperCase()]));
    const byPlate = open.filter((r) => {
      const plate = plateOf.get(r.vehicle_id!);
      return plate ? words.has(alnum(plate)) || spaced.includes(plate) : false;
    });
    if (byPlate.length === 1) return { roId: byPlate[0]!.id, how: 'plate' };
  }
  return null;
}

/** The one open repair whose customer or adjuster is on the message. */
async function byParticipants(store: WorkspaceStore, addresses: string[]): Promise<string | null> {
  if (addresses.length === 0) return null;
  const customers = await store.db.selectFrom('customers').select(['id', 'email']).where('email', 'is not', null).execute();
  const customerIds = customers.filter((c) => addresses.includes((c.email ?? '').trim().toLowerCase())).map((c) => c.id);
  const open = await store.db.selectFrom('repair_orders').select(['id', 'customer_id', 'adjuster_email']).where('closed_at', 'is', null).execute();
  const hits = open.filter((r) => (r.customer_id && customerIds.includes(r.customer_id)) || addresses.includes((r.adjuster_email ?? '').trim().toLowerCase()));
  return hits.length === 1 ? hits[0]!.id : null;
}

export interface FileMailInput {
  store: WorkspaceStore;
  provider: MailProviderId;
  mailboxId: string;
  /** The mailbox's own address: not a participant for matching. */
  mailboxAddress: string;
  providerId: string;
  threadId: string;
  /** In the mailbox's Sent folder: the shop wrote it. */
  sent: boolean;
  raw: Buffer;
  /** When the provider received it (ms). */
  receivedAt: number | null;
  /** Where its files are kept; without it, files are listed as not kept. */
  files?: MailFileStore | null;
  limits?: ReadLimits;
}

/** At most `n` UTF-16 units, never cutting an emoji (a surrogate pair) in half. */
export function cut(s: string, n: number): string {
  if (s.length <= n) return s;
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

interface KeptFile {
  sha256: string;
  sizeBytes: number;
  mimeType: string;
  fileName: string;
  inline: boolean;
  cid: string | null;
}

const PHOTO_TYPES: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

/** One file read from the mail: into the blob store if it is a PDF or a photo, else the reason it is not kept. */
async function keepFile(file: ReadFile, files: MailFileStore, tempDir: string): Promise<KeptFile | string> {
  if (file.refused || !file.tempFile || !file.sha256) return file.refused ?? 'the file could not be read';
  const kind = detect(file.head);
  let source = file.tempFile;
  let sha256 = file.sha256;
  let sizeBytes = file.size;
  let mimeType: string;
  let fileName = file.fileName;
  if (kind === 'pdf') mimeType = 'application/pdf';
  else if (PHOTO_TYPES[kind]) mimeType = PHOTO_TYPES[kind]!;
  else if (kind === 'heic') {
    try {
      const jpeg = await acceptUpload(fs.createReadStream(file.tempFile), { maxBytes: MAX_BLOB_BYTES, allow: ['image'], tempDir });
      source = jpeg.file;
      sha256 = jpeg.sha256;
      sizeBytes = jpeg.sizeBytes;
      mimeType = 'image/jpeg';
      fileName = `${fileName.replace(/\.(heic|heif)$/i, '')}.jpg`;
    } catch {
      return 'an iPhone photo (HEIC) that could not be opened';
    }
  } else return 'not a PDF or a photo (JPEG, PNG, WebP, HEIC)';
  await files.blobs.put(files.workspaceId, sha256, fs.createReadStream(source), MAX_BLOB_BYTES);
  await files.record({ workspaceId: files.workspaceId, hash: sha256, sizeBytes, mimeType, createdAt: new Date().toISOString() });
  return { sha256, sizeBytes, mimeType, fileName, inline: file.inline && mimeType.startsWith('image/'), cid: file.cid };
}

export async function fileMail(input: FileMailInput): Promise<FiledMail> {
  const { store } = input;
  const id = mailRowId(input.provider, input.mailboxId, input.providerId);
  if (await store.db.selectFrom('messages').select('id').where('id', '=', id).executeTakeFirst()) return { id, roId: null, how: 'duplicate' };
  const tempDir = input.files ? path.join(input.files.blobs.incomingDir, 'mail', randomUUID()) : null;
  try {
    return await fileRead(input, id, tempDir);
  } finally {
    if (tempDir) await fsp.rm(tempDir, { recursive: true, force: true });
  }
}

async function fileRead(input: FileMailInput, id: string, tempDir: string | null): Promise<FiledMail> {
  const { store } = input;
  const parsed = await readMail(input.raw, tempDir, input.limits ?? MAIL_FILE_LIMITS);
  const messageId = parsed.messageId;
  // A message the shop sent from Bayline comes back in the Sent folder's history: already a row.
  if (messageId) {
    const own = await store.db.selectFrom('messages').select(['id', 'ro_id']).where('email_message_id', '=', messageId).where('mailbox_id', '=', input.mailboxId).executeTakeFirst();
    if (own) return { id: own.id, roId: own.ro_id, how: 'own-send' };
  }
  const from = people(parsed.from)[0] ?? { name: '', address: '' };
  const allTo = people(parsed.to);
  const allCc = people(parsed.cc);
  const to = allTo.slice(0, MAX_LISTED_PEOPLE);
  const cc = allCc.slice(0, MAX_LISTED_PEOPLE);
  const subject = cut(parsed.subject.replace(/[\u0000-\u001f\u007f]/g, ' '), 1000);
  const text = cut(parsed.text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ''), MAX_TEXT);
  // An HTML part past the limit is not cut (half a document renders as anything): its text stands.
  const html = parsed.html && parsed.html.length <= MAX_HTML ? parsed.html : null;
  const references = parsed.references;
  const own = input.mailboxAddress.toLowerCase();
  const outbound = input.sent || from.address === own;
  const report = outbound ? null : await findBounce(store, input.mailboxId, parsed, input.raw);
  const bounce = report?.failed ? report : null;

  let roId: string | null = null;
  let how: FiledMail['how'] = 'unassigned';
  const inThread = await store.db
    .selectFrom('messages')
    .select('ro_id')
    .where('mailbox_id', '=', input.mailboxId)
    .where('email_thread_id', '=', input.threadId)
    .where('ro_id', 'is not', null)
    .orderBy('at', 'desc')
    .executeTakeFirst();
  if (report) {
    // A delivery report goes with the mail it is about (a failure or a delay).
    roId = report.roId;
    how = 'bounce';
  } else if (inThread?.ro_id) {
    roId = inThread.ro_id;
    how = 'thread';
  } else {
    const named = await byNumbers(store, subject, text);
    if (named) {
      roId = named.roId;
      how = named.how;
    } else {
      const addresses = [...new Set([from, ...to, ...cc].map((p) => p.address).filter((a) => a && a !== own))];
      roId = await byParticipants(store, addresses);
      if (roId) how = 'participants';
    }
  }

  // The files: kept in the blob store, or named with the reason.
  const kept: KeptFile[] = [];
  const notKept: string[] = [];
  // A report's files are the returned copy of the shop's own mail: nothing to keep.
  for (const file of report ? [] : parsed.files) {
    const outcome = input.files && tempDir ? await keepFile(file, input.files, tempDir) : (file.refused ?? 'this relay has no file storage');
    if (typeof outcome === 'string') notKept.push(`Not kept: ${file.fileName}${file.size ? `, ${formatSize(file.size)}` : ''} (${outcome})`);
    else kept.push(outcome);
  }
  const notes = [
    ...(bounce ? [`Not delivered: ${bounce.detail}`] : []),
    ...notKept,
    ...(notKept.length ? [`Files not kept are still in the mailbox ${input.mailboxAddress}.`] : []),
    ...(allTo.length + allCc.length > to.length + cc.length ? [`Sent to ${allTo.length + allCc.length} people; the first ${to.length + cc.length} are listed.`] : []),
    ...(parsed.damage ? [`Parts of this mail could not be read (${parsed.damage}); what could be read is shown. The whole mail is in the mailbox ${input.mailboxAddress}.`] : []),
  ];

  const ro = roId ? await store.db.selectFrom('repair_orders').select('customer_id').where('id', '=', roId).executeTakeFirst() : undefined;
  const at = parsed.date ? parsed.date.toISOString() : new Date(input.receivedAt ?? Date.now()).toISOString();
  const summary = bounce ? `Email not delivered: ${bounce.detail}` : roId ? `Email: ${subject || '(no subject)'}` : `Unassigned email: ${subject || '(no subject)'}`;
  await store.write({ actor: 'relay', action: bounce ? 'email-bounced' : 'email-received', summary: cut(summary, 200), roId }, async (tx) => {
    if (await tx.get('messages', id)) return;
    await tx.insert('messages', {
      id,
      ro_id: roId,
      customer_id: ro?.customer_id ?? null,
      channel: 'email',
      direction: outbound ? 'out' : 'in',
      body: text,
      body_html: html,
      at,
      author: from.name || from.address,
      status: bounce ? 'bounce' : outbound ? 'sent' : 'received',
      status_detail: notes.length ? cut(notes.join('\n'), 8000) : null,
      external_id: input.providerId,
      mailbox_id: input.mailboxId,
      subject,
      email_from: JSON.stringify(from),
      email_to: JSON.stringify(to),
      email_cc: JSON.stringify(cc),
      email_thread_id: input.threadId,
      email_message_id: messageId,
      email_in_reply_to: parsed.inReplyTo,
      email_references: references,
    });
    for (const f of kept) {
      await tx.insert('attachments', {
        ro_id: roId,
        kind: f.mimeType === 'application/pdf' ? 'document' : 'photo',
        blob_hash: f.sha256,
        file_name: f.fileName,
        mime_type: f.mimeType,
        size_bytes: f.sizeBytes,
        published: 0,
        // A picture the mail's HTML shows in place ("cid:"), rather than a file sent along.
        caption: f.inline && f.cid ? `cid:${f.cid}` : null,
        source: 'email',
        added_at: at,
        added_by: 'relay',
        message_id: id,
      });
    }
    if (bounce && (await tx.get('messages', bounce.sentId))) {
      await tx.update('messages', bounce.sentId, { status: 'failed', status_detail: bounce.detail });
    }
  });
  return { id, roId, how, kept: kept.length, notKept };
}
