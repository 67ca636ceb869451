// Filing one mail into the shop's conversation: parse the raw MIME (mailparser), find the repair
// it belongs to, and write it once through the workspace store (so every desk gets it by sync).
// Which repair, in order: the provider thread already attached; an RO number, claim number or
// plate in the subject or body naming exactly one repair; the people on it (the customer's email,
// the RO's adjuster email) with exactly one open repair; otherwise no repair (unassigned mail).
// The row id comes from the provider's message id, so the same message seen twice is one row.
import { createHash } from 'node:crypto';
import { type AddressObject, simpleParser } from 'mailparser';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import type { MailProviderId } from './provider.js';

export interface MailPerson {
  name: string;
  address: string;
}

export interface FiledMail {
  id: string;
  roId: string | null;
  how: 'thread' | 'ro-number' | 'claim-number' | 'plate' | 'participants' | 'unassigned' | 'duplicate' | 'own-send';
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

function people(a: AddressObject | AddressObject[] | undefined): MailPerson[] {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  const out: MailPerson[] = [];
  for (const obj of list) {
    for (const v of obj.value) {
      if (v.address) out.push({ name: v.name ?? '', address: v.address.toLowerCase() });
      for (const g of v.group ?? []) if (g.address) out.push({ name: g.name ?? '', address: g.address.toLowerCase() });
    }
  }
  return out.slice(0, 500);
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
}

export async function fileMail(input: FileMailInput): Promise<FiledMail> {
  const { store } = input;
  const id = mailRowId(input.provider, input.mailboxId, input.providerId);
  if (await store.db.selectFrom('messages').select('id').where('id', '=', id).executeTakeFirst()) return { id, roId: null, how: 'duplicate' };
  const parsed = await simpleParser(input.raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  const messageId = parsed.messageId ?? null;
  // A message the shop sent from Bayline comes back in the Sent folder's history: already a row.
  if (messageId) {
    const own = await store.db.selectFrom('messages').select(['id', 'ro_id']).where('email_message_id', '=', messageId).where('mailbox_id', '=', input.mailboxId).executeTakeFirst();
    if (own) return { id: own.id, roId: own.ro_id, how: 'own-send' };
  }
  const from = people(parsed.from)[0] ?? { name: '', address: '' };
  const to = people(parsed.to);
  const cc = people(parsed.cc);
  const subject = (parsed.subject ?? '').slice(0, 1000);
  const text = (parsed.text ?? '').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').slice(0, MAX_TEXT);
  const html = typeof parsed.html === 'string' ? parsed.html.slice(0, MAX_HTML) : null;
  const references = Array.isArray(parsed.references) ? parsed.references.join(' ') : (parsed.references ?? null);
  const own = input.mailboxAddress.toLowerCase();
  const outbound = input.sent || from.address === own;

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
  if (inThread?.ro_id) {
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
  const ro = roId ? await store.db.selectFrom('repair_orders').select('customer_id').where('id', '=', roId).executeTakeFirst() : undefined;
  const at = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : new Date(input.receivedAt ?? Date.now()).toISOString();
  const summary = roId ? `Email: ${subject || '(no subject)'}` : `Unassigned email: ${subject || '(no subject)'}`;
  await store.write({ actor: 'relay', action: 'email-received', summary: summary.slice(0, 200), roId }, async (tx) => {
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
      status: outbound ? 'sent' : 'received',
      external_id: input.providerId,
      mailbox_id: input.mailboxId,
      subject,
      email_from: JSON.stringify(from),
      email_to: JSON.stringify(to),
      email_cc: JSON.stringify(cc),
      email_thread_id: input.threadId,
      email_message_id: messageId,
      email_in_reply_to: parsed.inReplyTo ?? null,
      email_references: references,
    });
  });
  return { id, roId, how };
}
