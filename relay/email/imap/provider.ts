// A plain IMAP/SMTP mailbox as a mail provider (a web host's mail service, anything that is
// neither Google nor Microsoft). Reading with imapflow: the cursor is `UIDVALIDITY:last UID` of
// INBOX and of the Sent folder (found by its \Sent special-use flag, else by its usual names); a
// changed UIDVALIDITY is an expired cursor (the service then looks at recent mail again, and
// filing by Message-ID keeps anything from coming twice). The thread is the root of the
// References chain, so replies thread as mail programs show them. Sending with nodemailer over
// SMTP, the MIME Bayline built sent as it is (its own Message-ID), then a copy appended to Sent
// (\Seen), where `findSent` looks for it by its Message-ID. New mail arrives by IDLE (./idle.ts).
import type { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { MailAccessLost, MailCursorExpired, type MailboxClient, type MailProvider, MailSendRefused, type ProviderMail, type SentCopy } from '../provider.js';
import { IdleWatchers } from './idle.js';
import { DEFAULT_TIMEOUTS, imapClient, type ImapSecret, readSecret, smtpTransport, type Timeouts } from './settings.js';

const FETCH_BATCH = 25;
const uidOf = (m: ProviderMail) => Number(m.providerId.split(':').pop());

const SENT_NAMES = ['sent', 'sent items', 'sent messages', 'sent mail', 'inbox.sent', 'inbox.sent items', 'inbox.sent messages', '[gmail]/sent mail'];

/** One header's value, unfolded, from the raw message's header section. */
export function headerOf(raw: Buffer, name: string): string | null {
  const text = raw.subarray(0, 256 * 1024).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = (end >= 0 ? text.slice(0, end) : text).replace(/\r?\n[ \t]+/g, ' ');
  const wanted = `${name.toLowerCase()}:`;
  for (const line of head.split(/\r?\n/)) if (line.toLowerCase().startsWith(wanted)) return line.slice(wanted.length).trim();
  return null;
}

const ids = (value: string | null) => (value ? [...value.matchAll(/<[^<>\s]+>/g)].map((m) => m[0]) : []);

/** The thread of a message: the first Message-ID of its References, else In-Reply-To, else its own. */
export function threadRoot(raw: Buffer, fallback: string): string {
  return ids(headerOf(raw, 'References'))[0] ?? ids(headerOf(raw, 'In-Reply-To'))[0] ?? ids(headerOf(raw, 'Message-ID'))[0] ?? fallback;
}

interface FolderCursor {
  validity: string;
  last: number;
}

/** `INBOX validity:uid;Sent validity:uid` ("-" when the mailbox has no Sent folder). */
function readCursor(cursor: string): { inbox: FolderCursor; sent: FolderCursor | null } {
  const part = (p: string | undefined): FolderCursor | null => {
    const m = /^(\d+):(\d+)$/.exec(p ?? '');
    return m ? { validity: m[1]!, last: Number(m[2]) } : null;
  };
  const [a, b] = cursor.split(';');
  const inbox = part(a);
  if (!inbox) throw new MailCursorExpired('The stored IMAP cursor is not one this relay wrote.');
  return { inbox, sent: part(b) };
}

const writeCursor = (inbox: FolderCursor, sent: FolderCursor | null) => `${inbox.validity}:${inbox.last};${sent ? `${sent.validity}:${sent.last}` : '-'}`;

/** An IMAP error in the provider's terms. */
function translate(err: unknown): unknown {
  if ((err as { authenticationFailed?: boolean } | null)?.authenticationFailed) return new MailAccessLost('The mail server refused the password (the password was changed).');
  return err;
}

class ImapMailbox implements MailboxClient {
  constructor(
    private readonly s: ImapSecret,
    private readonly timeouts: Timeouts,
  ) {}

  /** One connection for one piece of work, logged out after (nothing stays open between rounds). */
  private async session<T>(work: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = imapClient(this.s, this.timeouts);
    try {
      await client.connect();
      return await work(client);
    } catch (err) {
      throw translate(err);
    } finally {
      if (client.usable) await client.logout().catch(() => client.close());
      else client.close();
    }
  }

  private async sentFolder(client: ImapFlow): Promise<string | null> {
    const list = await client.list();
    const flagged = list.find((m) => m.specialUse === '\\Sent');
    if (flagged) return flagged.path;
    return list.find((m) => SENT_NAMES.includes(m.path.toLowerCase()))?.path ?? null;
  }

  private async folderCursor(client: ImapFlow, path: string): Promise<FolderCursor> {
    const st = await client.status(path, { uidValidity: true, uidNext: true });
    if (!st || st.uidValidity === undefined || st.uidNext === undefined) throw new Error(`The mail server did not say where ${path} stands.`);
    return { validity: String(st.uidValidity), last: Math.max(0, Number(st.uidNext) - 1) };
  }

  /**
   * Messages of a folder after the cursor's UID, oldest first, each handed to `file`, fetched in
   * batches of 25 so a long absence (or a large attachment) never holds a whole backlog in memory;
   * the folder's new cursor.
   */
  private async fetchAfter(client: ImapFlow, path: string, since: FolderCursor, sent: boolean, file: (mail: ProviderMail) => Promise<void>): Promise<FolderCursor> {
    let last = since.last;
    for (;;) {
      const lock = await client.getMailboxLock(path, { readOnly: true });
      const batch: ProviderMail[] = [];
      try {
        const box = client.mailbox;
        if (!box || String(box.uidValidity) !== since.validity) throw new MailCursorExpired(`${path} was renumbered by the mail server (UIDVALIDITY changed).`);
        if (box.exists === 0) return { validity: since.validity, last };
        const found = await client.search({ uid: `${last + 1}:*` }, { uid: true });
        const uids = (found || []).filter((u) => u > last).sort((a, b) => a - b).slice(0, FETCH_BATCH);
        if (uids.length === 0) return { validity: since.validity, last };
        for await (const m of client.fetch(uids.join(','), { uid: true, source: true, internalDate: true }, { uid: true })) {
          if (m.source) batch.push(this.mail(path, since.validity, m.uid, m.source, m.internalDate, sent));
        }
        batch.sort((a, b) => uidOf(a) - uidOf(b));
        last = uids[uids.length - 1]!;
      } finally {
        lock.release();
      }
      // Filed with the folder released: a slow write holds nothing open on the server.
      for (const mail of batch) await file(mail);
    }
  }

  private mail(path: string, validity: string, uid: number, source: Buffer, internalDate: Date | string | undefined, sent: boolean): ProviderMail {
    const providerId = `${path}:${validity}:${uid}`;
    const at = internalDate ? new Date(internalDate).getTime() : NaN;
    return { providerId, threadId: threadRoot(source, `<${providerId}@imap.invalid>`), raw: source, sent, receivedAt: Number.isFinite(at) ? at : null };
  }

  currentCursor(): Promise<string> {
    return this.session(async (client) => {
      const sent = await this.sentFolder(client);
      return writeCursor(await this.folderCursor(client, 'INBOX'), sent ? await this.folderCursor(client, sent) : null);
    });
  }

  changesSince(cursor: string, file: (mail: ProviderMail) => Promise<void>): Promise<string> {
    const was = readCursor(cursor);
    return this.session(async (client) => {
      const inbox = await this.fetchAfter(client, 'INBOX', was.inbox, false, file);
      const path = await this.sentFolder(client);
      let sent: FolderCursor | null = null;
      if (path) {
        const now = await this.folderCursor(client, path);
        // A Sent folder that appeared since (or came back renumbered): from now on; the shop's own sends are rows already.
        sent = was.sent && was.sent.validity === now.validity ? await this.fetchAfter(client, path, was.sent, true, file) : now;
      }
      return writeCursor(inbox, sent);
    });
  }

  recent(limit: number, file: (mail: ProviderMail) => Promise<void>): Promise<void> {
    return this.session(async (client) => {
      const found: ProviderMail[] = [];
      const path = await this.sentFolder(client);
      for (const [folder, sent] of [['INBOX', false], ...(path ? [[path, true] as const] : [])] as Array<[string, boolean]>) {
        const lock = await client.getMailboxLock(folder, { readOnly: true });
        try {
          const box = client.mailbox;
          if (!box || box.exists === 0) continue;
          const from = Math.max(1, box.exists - limit + 1);
          for await (const m of client.fetch(`${from}:*`, { uid: true, source: true, internalDate: true })) {
            if (m.source) found.push(this.mail(folder, String(box.uidValidity), m.uid, m.source, m.internalDate, sent));
          }
        } finally {
          lock.release();
        }
      }
      found.sort((a, b) => (a.receivedAt ?? 0) - (b.receivedAt ?? 0));
      for (const mail of found.slice(-limit)) await file(mail);
    });
  }

  async send(mail: { raw: string; messageId: string; threadId: string | null }): Promise<SentCopy> {
    const parsed = await simpleParser(mail.raw);
    const list = (a: typeof parsed.to) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.flatMap((v) => [v.address, ...(v.group ?? []).map((g) => g.address)]));
    const to = [...new Set([...list(parsed.to), ...list(parsed.cc), ...list(parsed.bcc)].filter((x): x is string => Boolean(x)))];
    if (to.length === 0) throw new MailSendRefused(null, 'This email has no recipient address.');
    // Within the service's send timeout (20 s), so a claim this old really has no living sender.
    const transport = smtpTransport(this.s, { connectMs: Math.min(this.timeouts.connectMs, 8_000), socketMs: Math.min(this.timeouts.socketMs, 12_000) });
    try {
      await transport.sendMail({ envelope: { from: this.s.address, to }, raw: mail.raw });
    } catch (err) {
      const e = err as { code?: string; responseCode?: number; response?: string };
      const said = (e.response ?? '').replace(/[\r\n]+/g, ' ').slice(0, 300);
      if (e.code === 'EAUTH') throw new MailSendRefused(535, `The mail server refused the mailbox's password, so this email was not sent. Reconnect the mailbox in Settings › Email, then write it again.`);
      if (e.responseCode && e.responseCode >= 500) throw new MailSendRefused(e.responseCode, `The mail server refused this email: ${said || e.responseCode}`);
      if (e.responseCode && e.responseCode >= 400 && e.code !== 'ETIMEDOUT' && e.code !== 'ECONNECTION') {
        throw new MailSendRefused(e.responseCode, `The mail server turned this email away for now (${said || e.responseCode}); it was not sent. Write it again in a few minutes.`);
      }
      // No answer, or the connection dropped: it may have gone out. The service looks in Sent.
      throw err;
    } finally {
      transport.close();
    }
    const threadId = mail.threadId ?? threadRoot(Buffer.from(mail.raw), mail.messageId);
    // The copy in the shop's Sent folder, as its mail program would leave it; sent either way.
    const copied = await this.session(async (client) => {
      const path = await this.sentFolder(client);
      if (!path) return null;
      const res = await client.append(path, mail.raw, ['\\Seen']);
      return res && res.uid ? `${path}:${String(res.uidValidity)}:${res.uid}` : null;
    }).catch(() => null);
    return { providerId: copied, threadId };
  }

  findSent(messageId: string): Promise<SentCopy | null> {
    return this.session(async (client) => {
      const path = await this.sentFolder(client);
      if (!path) return null;
      const lock = await client.getMailboxLock(path, { readOnly: true });
      try {
        const uids = await client.search({ header: { 'message-id': messageId } }, { uid: true });
        const uid = uids && uids.length ? uids[uids.length - 1]! : null;
        if (!uid) return null;
        return { providerId: `${path}:${String(client.mailbox ? client.mailbox.uidValidity : '')}:${uid}`, threadId: null };
      } finally {
        lock.release();
      }
    });
  }
}

export interface ImapProviderOptions {
  /** A push: "this mailbox has new mail" (the service's catchUpMailbox). */
  catchUp?: (mailboxId: string) => Promise<unknown>;
  /** How long an IDLE connection lives without being kept (the mailbox's lease). */
  holdMs?: number;
  timeouts?: Timeouts;
}

export function imapProvider(options: ImapProviderOptions = {}): MailProvider & { close(): Promise<void>; readonly watchers: IdleWatchers } {
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  const watchers = new IdleWatchers({ catchUp: options.catchUp ?? (async () => undefined), holdMs: options.holdMs ?? 120_000, timeouts });
  return {
    id: 'imap',
    name: 'Other mail (IMAP/SMTP)',
    signIn: null,
    watchers,
    open(secret) {
      return new ImapMailbox(readSecret(secret), timeouts);
    },
    // A password cannot be revoked from here: the service deletes it.
    async revoke() {},
    async keepPush({ mailboxId, secret, current }) {
      if (!options.catchUp) return null;
      watchers.keep(mailboxId, readSecret(secret));
      return current?.id === `idle:${mailboxId}` ? current : { id: `idle:${mailboxId}`, expiresAt: new Date(Date.now() + 24 * 3600_000).toISOString(), secret: null };
    },
    async stopPush({ current }) {
      if (current.id.startsWith('idle:')) await watchers.stop(current.id.slice(5));
    },
    close: () => watchers.closeAll(),
  };
}
