// Mail the shop approved at a desk, sent once from its own mailbox: claimed first (one
// conditional insert into `mail_sends`, so one relay process, once, ever), then handed to the
// mailbox's provider as the raw MIME Bayline built, whose Message-ID the desk chose at approval
// and whose In-Reply-To/References name the mail it answers, so it sits in the shop's Sent folder
// and in the recipient's thread. When the answer is lost (timeout, 5xx), the Sent folder is
// searched for that Message-ID before anything else: found is sent; not found is "check needed"
// for a person. Nothing is ever sent twice on its own.
import type { RowOf } from '../../src-shared/sync/rows.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import type { MailRecords } from '../storage/mail-records.js';
import { type MailboxClient, MailSendRefused } from './provider.js';

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
      from: { address: input.address },
      to: parse(m.email_to),
      cc: parse(m.email_cc),
      subject: m.subject ?? '',
      text: m.body ?? '',
      messageId,
      inReplyTo: m.email_in_reply_to,
      references: m.email_references,
      date: new Date(),
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
