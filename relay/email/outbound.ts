// Mail the shop approved at a desk, sent once from its own mailbox: claimed first (one
// conditional insert into `mail_sends`, so one relay process, once, ever), then handed to the
// mailbox's provider as the raw MIME Bayline built, whose Message-ID the desk chose at approval
// and whose In-Reply-To/References name the mail it answers, so it sits in the shop's Sent folder
// and in the recipient's thread. When the answer is lost (timeout, 5xx), the Sent folder is
// searched for that Message-ID before anything else: found is sent; not found is "check needed"
// for a person. Nothing is ever sent twice on its own.
//
// A mail with the repair's documents (`email_attachments`) is multipart/mixed: the text, then each
// file read from the relay's blob store. A file that has not reached the relay yet (the desk that
// added it is still uploading, or offline) holds the mail back, approved, with a sentence saying
// so: it goes on a later round, never without the promised file.
import fsp from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { RowOf } from '../../src-shared/sync/rows.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import type { MailRecords } from '../storage/mail-records.js';
import { type Blobs, readBlob } from '../blobs/blob-store.js';
import { MAX_EMAIL_ATTACHMENT_BYTES } from '../../src-shared/email/templates.js';
import { type MailboxClient, MailSendRefused } from './provider.js';

interface Person {
  name?: string;
  address: string;
}

/**
 * RFC 2047 encoded words when the text is not plain ASCII: each word at most 60 characters (36
 * bytes of UTF-8, never splitting a character), folded onto continuation lines.
 */
function encodeWord(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch, 'utf8') > 36) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}

function formatPerson(p: Person): string {
  if (!p.name) return `<${p.address}>`;
  const name = /^[\w .'-]*$/.test(p.name) ? `"${p.name}"` : encodeWord(p.name);
  return `${name} <${p.address}>`;
}

export interface MailFile {
  fileName: string;
  contentType: string;
  content: Buffer;
}

/** Base64 in lines of 76 characters (RFC 2045). */
function base64Lines(bytes: Buffer): string {
  return (bytes.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

/** `type/subtype` when it looks like one, else application/octet-stream. */
function safeType(type: string): string {
  return /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i.test(type) ? type.toLowerCase() : 'application/octet-stream';
}

/**
 * A header parameter: `name="value"` for plain ASCII, else RFC 2231 (`name*=UTF-8''%..`), split
 * into numbered sections (`name*0*=`, `name*1*=`) so no header line grows past 78 characters.
 */
export function mimeParameter(name: string, value: string): string {
  const clean = value.replace(/[\r\n\t]+/g, ' ');
  if (/^[\x20-\x7e]*$/.test(clean) && !/["\\]/.test(clean) && clean.length <= 60) return `${name}="${clean}"`;
  const encoded = [...Buffer.from(clean, 'utf8')]
    .map((b) => (/[A-Za-z0-9!#$&+.^_`|~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
  const first = `UTF-8''`;
  if (first.length + encoded.length <= 60) return `${name}*=${first}${encoded}`;
  // Sections never split a %XX escape.
  const pieces: string[] = [];
  let rest = encoded;
  while (rest.length > 0) {
    let cut = Math.min(rest.length, 54);
    if (rest[cut - 1] === '%') cut -= 1;
    else if (rest[cut - 2] === '%') cut -= 2;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  return pieces.map((p, i) => `${name}*${i}*=${i === 0 ? first : ''}${p}`).join(';\r\n ');
}

export function buildMime(input: {
  from: Person;
  to: Person[];
  cc: Person[];
  subject: string;
  text: string;
  messageId: string;
  inReplyTo: string | null;
  references: string | null;
  date: Date;
  /** The repair's documents sent with it: the mail is multipart/mixed when there are any. */
  attachments?: MailFile[];
}): string {
  const clean = (s: string) => s.replace(/[\r\n]+/g, ' ');
  const lines = [
    `From: ${formatPerson(input.from)}`,
    `To: ${input.to.map(formatPerson).join(', ')}`,
    ...(input.cc.length ? [`Cc: ${input.cc.map(formatPerson).join(', ')}`] : []),
    `Subject: ${encodeWord(clean(input.subject))}`,
    `Date: ${input.date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: ${clean(input.messageId)}`,
    ...(input.inReplyTo ? [`In-Reply-To: ${clean(input.inReplyTo)}`] : []),
    ...(input.references ? [`References: ${clean(input.references)}`] : []),
    'MIME-Version: 1.0',
  ];
  const textPart = ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'];
  const textBody = base64Lines(Buffer.from(input.text.replace(/\r?\n/g, '\r\n'), 'utf8'));
  const files = input.attachments ?? [];
  if (files.length === 0) return `${[...lines, ...textPart].join('\r\n')}\r\n\r\n${textBody}\r\n`;
  // "=_" never occurs in base64, so the boundary cannot appear inside a part.
  const boundary = `=_bayline_${randomBytes(12).toString('hex')}`;
  const parts = [
    `${textPart.join('\r\n')}\r\n\r\n${textBody}`,
    ...files.map((f) =>
      [
        `Content-Type: ${safeType(f.contentType)};\r\n ${mimeParameter('name', f.fileName)}`,
        `Content-Disposition: attachment;\r\n ${mimeParameter('filename', f.fileName)}`,
        'Content-Transfer-Encoding: base64',
        '',
        base64Lines(f.content),
      ].join('\r\n'),
    ),
  ];
  return (
    `${[...lines, `Content-Type: multipart/mixed; boundary="${boundary}"`].join('\r\n')}\r\n\r\n` +
    'This is a message in MIME format.\r\n' +
    parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('') +
    `--${boundary}--\r\n`
  );
}

const parse = (json: string | null): Person[] => {
  try {
    const v: unknown = JSON.parse(json ?? '[]');
    return (Array.isArray(v) ? v : [v]).filter((p): p is Person => typeof p?.address === 'string');
  } catch {
    return [];
  }
};

/** Sends this mailbox's approved mail; returns how many went out. */
export async function sendApproved(input: {
  mailbox: MailboxClient;
  /** The provider as the shop says it ("Gmail"), for the sentences on a failed email. */
  providerName: string;
  store: WorkspaceStore;
  records: MailRecords;
  workspaceId: string;
  mailboxId: string;
  address: string;
  owner: string;
  announce: () => Promise<void>;
  /** The relay's blob store, where the documents a mail carries are read; null when this relay keeps no files. */
  blobs?: Blobs | null;
}): Promise<number> {
  const { store, mailbox } = input;
  const approved = (await store.db
    .selectFrom('messages')
    .selectAll()
    .where('channel', '=', 'email')
    .where('status', '=', 'approved')
    .where('mailbox_id', '=', input.mailboxId)
    .orderBy('approved_at')
    .execute()) as Array<RowOf<'messages'>>;
  let sent = 0;
  for (const m of approved) {
    let files: MailFile[] = [];
    if (m.email_attachments) {
      const got = await readFiles(input, m.email_attachments);
      if (got.kind !== 'ready') {
        // Waiting for a file: the mail stays approved (tried again next round); refused: it cannot go as written.
        const values = got.kind === 'wait' ? { status_detail: got.detail } : { status: 'failed', status_detail: got.detail };
        if (m.status_detail !== got.detail || got.kind === 'refuse') {
          await store.write({ actor: 'relay', action: 'email-status', summary: got.kind === 'wait' ? 'Email waiting for a file' : 'Email not sent', roId: m.ro_id, audit: false }, async (tx) => {
            const current = await tx.get('messages', m.id);
            if (current?.status === 'approved') await tx.update('messages', m.id, values);
          });
          await input.announce();
        }
        continue;
      }
      files = got.files;
    }
    const now = new Date().toISOString();
    if (!(await input.records.claimSend({ workspaceId: input.workspaceId, messageId: m.id, by: input.owner, now }))) continue;
    const setStatus = async (values: Partial<RowOf<'messages'>>, summary: string) => {
      await store.write({ actor: 'relay', action: 'email-status', summary, roId: m.ro_id, audit: false }, async (tx) => {
        if (await tx.get('messages', m.id)) await tx.update('messages', m.id, values);
      });
      await input.announce();
    };
    const finish = (providerId: string | null, outcome: 'sent' | 'failed' | 'uncertain') =>
      input.records.finishSend({ workspaceId: input.workspaceId, messageId: m.id, providerId, outcome, now: new Date().toISOString() });
    await setStatus({ status: 'sending' }, 'Email sending');
    const messageId = m.email_message_id ?? `<${m.id}@bayline.invalid>`;
    const raw = buildMime({
      from: { name: parse(m.email_from).find((p) => p.address.toLowerCase() === input.address.toLowerCase())?.name ?? '', address: input.address },
      to: parse(m.email_to),
      cc: parse(m.email_cc),
      subject: m.subject ?? '',
      text: m.body ?? '',
      messageId,
      inReplyTo: m.email_in_reply_to,
      references: m.email_references,
      date: new Date(),
      attachments: files,
    });
    const answered = m.email_in_reply_to
      ? await store.db.selectFrom('messages').select('external_id').where('mailbox_id', '=', input.mailboxId).where('email_message_id', '=', m.email_in_reply_to).executeTakeFirst()
      : undefined;
    try {
      const res = await mailbox.send({ raw, messageId, threadId: m.email_thread_id, replyToProviderId: answered?.external_id ?? null });
      // The row first, then the claim: a process killed in between leaves an open claim, which
      // the next relay resolves through Sent (a finished claim beside a 'sending' row would stay so).
      await setStatus({ status: 'sent', external_id: res.providerId, email_thread_id: res.threadId ?? m.email_thread_id, status_detail: null }, 'Email sent');
      await finish(res.providerId, 'sent');
      sent += 1;
    } catch (err) {
      if (err instanceof MailSendRefused) {
        await setStatus({ status: 'failed', status_detail: err.message }, 'Email not sent');
        await finish(null, 'failed');
        continue;
      }
      // The outcome is unknown: the provider may have sent it. Look for its own Message-ID before anything else.
      const found = await mailbox.findSent(messageId).catch(() => null);
      if (found) {
        await setStatus({ status: 'sent', external_id: found.providerId, email_thread_id: found.threadId ?? m.email_thread_id, status_detail: null }, 'Email sent');
        await finish(found.providerId, 'sent');
        sent += 1;
        continue;
      }
      await setStatus(
        { status: 'check-needed', status_detail: `${input.providerName} did not answer in time: look in the mailbox's Sent folder before writing it again.` },
        'Email outcome unknown: a person must check',
      );
      await finish(null, 'uncertain');
    }
  }
  return sent;
}

type FilesRead = { kind: 'ready'; files: MailFile[] } | { kind: 'wait'; detail: string } | { kind: 'refuse'; detail: string };

/** The documents a mail promised, read from the blob store; or why it must wait, or cannot go. */
async function readFiles(input: { store: WorkspaceStore; workspaceId: string; blobs?: Blobs | null }, json: string): Promise<FilesRead> {
  let ids: string[];
  try {
    const v: unknown = JSON.parse(json);
    ids = Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return { kind: 'refuse', detail: 'The list of files for this email is damaged. Write the email again and choose the files.' };
  }
  if (ids.length === 0) return { kind: 'ready', files: [] };
  if (!input.blobs) return { kind: 'refuse', detail: 'This relay keeps no files, so documents cannot go with an email. Ask your Bayline operator, or send the email without them.' };
  const rows = await input.store.db.selectFrom('attachments').selectAll().where('id', 'in', ids).execute();
  const files: MailFile[] = [];
  let total = 0;
  for (const id of ids) {
    const row = rows.find((r) => r.id === id);
    const name = row?.file_name || 'a file';
    if (!row?.blob_hash) return { kind: 'wait', detail: `Waiting for the details of ${name} to reach the relay; the email goes as soon as they are there.` };
    let content: Buffer | null = null;
    try {
      content = await readBlob(input.blobs, input.workspaceId, row.blob_hash);
    } catch {
      content = null;
    }
    if (!content) {
      return { kind: 'wait', detail: `Waiting for "${name}" to reach the relay from the desk that added it; the email goes as soon as the file is there.` };
    }
    total += content.length;
    if (total > MAX_EMAIL_ATTACHMENT_BYTES) {
      return { kind: 'refuse', detail: `The files come to more than ${MAX_EMAIL_ATTACHMENT_BYTES / (1024 * 1024)} MB, the most one email carries. Write it again with fewer files.` };
    }
    files.push({ fileName: row.file_name || 'file', contentType: row.mime_type || 'application/octet-stream', content });
  }
  return { kind: 'ready', files };
}
