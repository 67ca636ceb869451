// Mail the shop approved at a desk, sent once from its own mailbox: claimed first (one
// conditional insert into `mail_sends`, so one relay process, once, ever), then
// `users.messages.send` with the Gmail thread id and the raw MIME Bayline built, whose
// Message-ID the desk chose at approval and whose In-Reply-To/References name the mail it
// answers, so it sits in the shop's Sent folder and in the recipient's thread. When the answer is
// lost (timeout, 5xx), the Sent folder is searched for that Message-ID before anything else: found
// is sent; not found is "check needed" for a person. Nothing is ever sent twice on its own.
import type { gmail_v1 } from 'googleapis';
import type { RowOf } from '../../src-shared/sync/rows.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import type { MailRecords } from '../storage/mail-records.js';
import { statusOf } from './google.js';

interface Person {
  name?: string;
  address: string;
}

/** An RFC 2047 encoded word when the text is not plain ASCII. */
function encodeWord(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

function formatPerson(p: Person): string {
  if (!p.name) return `<${p.address}>`;
  const name = /^[\w .'-]*$/.test(p.name) ? `"${p.name}"` : encodeWord(p.name);
  return `${name} <${p.address}>`;
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
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
  ];
  const body = (Buffer.from(input.text.replace(/\r?\n/g, '\r\n'), 'utf8').toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
  return `${lines.join('\r\n')}\r\n\r\n${body}\r\n`;
}

const parse = (json: string | null): Person[] => {
  try {
    const v: unknown = JSON.parse(json ?? '[]');
    return (Array.isArray(v) ? v : [v]).filter((p): p is Person => typeof p?.address === 'string');
  } catch {
    return [];
  }
};

/** The shop's sent copy of a message, found by its own Message-ID (null when Gmail has none). */
export async function findSent(gmail: gmail_v1.Gmail, messageId: string | null): Promise<{ id: string; threadId: string | null } | null> {
  if (!messageId) return null;
  const list = (await gmail.users.messages.list({ userId: 'me', q: `rfc822msgid:${messageId.replace(/^<|>$/g, '')}`, maxResults: 5 })).data.messages ?? [];
  const hit = list[0];
  return hit?.id ? { id: hit.id, threadId: hit.threadId ?? null } : null;
}

/** Sends this mailbox's approved mail; returns how many went out. */
export async function sendApproved(input: {
  gmail: gmail_v1.Gmail;
  store: WorkspaceStore;
  records: MailRecords;
  workspaceId: string;
  mailboxId: string;
  address: string;
  owner: string;
  announce: () => Promise<void>;
}): Promise<number> {
  const { store } = input;
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
    const now = new Date().toISOString();
    if (!(await input.records.claimSend({ workspaceId: input.workspaceId, messageId: m.id, by: input.owner, now }))) continue;
    const setStatus = async (values: Partial<RowOf<'messages'>>, summary: string) => {
      await store.write({ actor: 'relay', action: 'email-status', summary, roId: m.ro_id, audit: false }, async (tx) => {
        if (await tx.get('messages', m.id)) await tx.update('messages', m.id, values);
      });
      await input.announce();
    };
    await setStatus({ status: 'sending' }, 'Email sending');
    const raw = buildMime({
      from: { address: input.address },
      to: parse(m.email_to),
      cc: parse(m.email_cc),
      subject: m.subject ?? '',
      text: m.body ?? '',
      messageId: m.email_message_id ?? `<${m.id}@bayline.invalid>`,
      inReplyTo: m.email_in_reply_to,
      references: m.email_references,
      date: new Date(),
    });
    try {
      const res = (await input.gmail.users.messages.send({ userId: 'me', requestBody: { raw: Buffer.from(raw).toString('base64url'), threadId: m.email_thread_id ?? undefined } })).data;
      await input.records.finishSend({ workspaceId: input.workspaceId, messageId: m.id, providerId: res.id ?? null, outcome: 'sent', now: new Date().toISOString() });
      await setStatus({ status: 'sent', external_id: res.id ?? null, email_thread_id: res.threadId ?? m.email_thread_id, status_detail: null }, 'Email sent');
      sent += 1;
    } catch (err) {
      const status = statusOf(err);
      const refused = status !== null && status >= 400 && status < 500 && status !== 408 && status !== 429;
      // The outcome is unknown: Gmail may have sent it. Look for its own Message-ID before anything else.
      const found = refused ? null : await findSent(input.gmail, m.email_message_id).catch(() => null);
      if (found) {
        await input.records.finishSend({ workspaceId: input.workspaceId, messageId: m.id, providerId: found.id, outcome: 'sent', now: new Date().toISOString() });
        await setStatus({ status: 'sent', external_id: found.id, email_thread_id: found.threadId ?? m.email_thread_id, status_detail: null }, 'Email sent');
        sent += 1;
        continue;
      }
      await input.records.finishSend({ workspaceId: input.workspaceId, messageId: m.id, providerId: null, outcome: refused ? 'failed' : 'uncertain', now: new Date().toISOString() });
      await setStatus(
        refused
          ? { status: 'failed', status_detail: `Gmail refused this email (${status}). Check the address and write it again.` }
          : { status: 'check-needed', status_detail: 'Gmail did not answer in time: look in the mailbox\'s Sent folder before writing it again.' },
        refused ? 'Email not sent' : 'Email outcome unknown: a person must check',
      );
    }
  }
  return sent;
}
