// Delivery failures (bounces): a report that a mail Bayline sent did not arrive. It is recognised
// by its form (multipart/report with report-type=delivery-status, a sender like MAILER-DAEMON or
// postmaster, or the subjects Gmail and Outlook write: "Delivery Status Notification (Failure)",
// "Address not found", "Undeliverable: …") and is only acted on when it names, somewhere, the
// Message-ID of a mail this mailbox sent: in its returned copy or headers (message/rfc822,
// text/rfc822-headers), its In-Reply-To or References, or an Original-Message-ID field. The
// reason is read from the machine-readable part (Final-Recipient, Action, Status,
// Diagnostic-Code) when there is one, else from the words of the report, and said in the shop's
// words. A report of a delay ("still trying") is not a failure: it is filed with the mail, which
// stays as it is.
import type { HeaderValue } from 'mailparser';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import type { ReadMail } from './mail-reading.js';

export interface Bounce {
  /** The sent mail's row. */
  sentId: string;
  roId: string | null;
  customerId: string | null;
  /** What happened, for a person: "pat@insurer.example does not exist (550 5.1.1). Check the address and send again." */
  detail: string;
  /** False for a report that the mail is delayed (still being tried): filed with the mail, which stays as it is. */
  failed: boolean;
}

const SUBJECTS = /(delivery status notification|address not found|undeliverable|undelivered mail|mail delivery (failed|failure|subsystem)|returned mail|delivery (has )?failed|failure notice|non-?delivery)/i;
const SENDERS = /^(mailer-daemon|postmaster|mail-daemon|microsoftexchange[0-9a-f]*)@/i;
/** Message-IDs named in a report body (returned headers, Original-Message-ID fields). */
const ID_LINES = /^(?:message-id|original-message-id|x-original-message-id|x-ms-exchange-original-message-id)[ \t]*:[ \t]*(?:\r?\n[ \t]+)?(<[^<>\s]+>)/gim;

function contentType(h: Map<string, HeaderValue>): { value: string; params: Record<string, string> } {
  const v = h.get('content-type') as { value?: string; params?: Record<string, string> } | string | undefined;
  if (typeof v === 'string') return { value: v.split(';')[0]!.trim().toLowerCase(), params: { 'report-type': /report-type\s*=\s*"?([\w-]+)/i.exec(v)?.[1] ?? '' } };
  return { value: (v?.value ?? '').toLowerCase(), params: v?.params ?? {} };
}

/** Whether the mail looks like a delivery report at all (cheap; before any look-up). */
export function looksLikeBounce(mail: ReadMail): boolean {
  const ct = contentType(mail.headers);
  if (ct.value === 'multipart/report' && /delivery-status/i.test(ct.params['report-type'] ?? '')) return true;
  if (mail.reportParts.some((p) => p.type.endsWith('delivery-status'))) return true;
  const from = mail.from?.value?.[0]?.address ?? '';
  return SENDERS.test(from) || (SUBJECTS.test(mail.subject) && /@/.test(mail.text));
}

/** Every Message-ID the report names (its own excluded). */
export function namedIds(mail: ReadMail, raw: Buffer): string[] {
  const ids = new Set<string>();
  for (const v of [mail.inReplyTo, mail.references]) for (const id of (v ?? '').match(/<[^<>\s]+>/g) ?? []) ids.add(id);
  const original = mail.headers.get('original-message-id');
  if (typeof original === 'string') for (const id of original.match(/<[^<>\s]+>/g) ?? []) ids.add(id);
  // The returned headers: in the report parts, the text, and the raw body (a returned message/rfc822 part).
  const body = raw.subarray(0, 2 * 1024 * 1024).toString('latin1');
  const afterHead = body.slice(Math.max(0, body.search(/\r?\n\r?\n/)));
  for (const text of [...mail.reportParts.map((p) => p.text), mail.text.slice(0, 200_000), afterHead]) {
    for (const m of text.matchAll(ID_LINES)) ids.add(m[1]!);
  }
  if (mail.messageId) ids.delete(mail.messageId);
  return [...ids].slice(0, 50);
}

interface Recipient {
  address: string;
  action: string;
  status: string;
  diagnostic: string;
}

/** The per-recipient fields of message/delivery-status parts. */
function recipients(mail: ReadMail): Recipient[] {
  const out: Recipient[] = [];
  for (const part of mail.reportParts.filter((p) => p.type.endsWith('delivery-status'))) {
    // The first block is about the reporting server; each later block is one recipient.
    for (const block of part.text.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n\s*\r?\n/)) {
      const field = (name: string) => new RegExp(`^${name}[ \\t]*:[ \\t]*(.*)$`, 'im').exec(block)?.[1]?.trim() ?? '';
      const final = field('Final-Recipient') || field('Original-Recipient');
      if (!final) continue;
      out.push({
        address: final.replace(/^[\w-]+\s*;\s*/, '').replace(/^<|>$/g, '').trim().toLowerCase(),
        action: field('Action').toLowerCase(),
        status: /\d\.\d{1,3}\.\d{1,3}/.exec(field('Status'))?.[0] ?? '',
        diagnostic: field('Diagnostic-Code').replace(/^[\w-]+\s*;\s*/, ''),
      });
    }
  }
  return out;
}

/** "550 5.1.1" from a diagnostic or the report's words. */
function codes(text: string, status: string): string {
  const smtp = /\b([45]\d\d)[ -]+(?:#?([45]\.\d{1,3}\.\d{1,3}))?/.exec(text);
  const enhanced = status || smtp?.[2] || /\b([45]\.\d{1,3}\.\d{1,3})\b/.exec(text)?.[1] || '';
  return [smtp?.[1], enhanced].filter(Boolean).join(' ');
}

/** What a person reads on the failed mail. */
export function bounceWords(address: string, code: string): string {
  const who = address || 'the recipient';
  const c = code ? ` (${code})` : '';
  const status = /\b([45]\.\d{1,3}\.\d{1,3})\b/.exec(code)?.[1] ?? '';
  const domain = address.split('@')[1] ?? '';
  if (/^[45]\.1\.(1|0|6|10)$/.test(status)) return `${who} does not exist${c}. Check the address and send again.`;
  if (/^[45]\.(1\.2|4\.4)$/.test(status)) return `${domain || who} does not take mail${c}: the address is probably misspelt. Check the address and send again.`;
  if (/^[45]\.2\.2$/.test(status)) return `${who}'s mailbox is full${c}. Send it again later, or reach them another way.`;
  if (/^[45]\.(3\.4|2\.3)$/.test(status)) return `The mail was too large for ${who}'s mailbox${c}. Send it again with fewer or smaller files.`;
  if (/^[45]\.7\./.test(status)) return `${who}'s mail server refused the mail${c}. Call them, or ask for another address.`;
  return `The mail could not be delivered to ${who}${c}. Check the address and send again.`;
}

/**
 * The sent mail this report is about, and what to say on it, or null (not a report, or about no
 * mail this mailbox sent).
 */
export async function findBounce(store: WorkspaceStore, mailboxId: string, mail: ReadMail, raw: Buffer): Promise<Bounce | null> {
  if (!looksLikeBounce(mail)) return null;
  const ids = namedIds(mail, raw);
  if (ids.length === 0) return null;
  const sent = await store.db
    .selectFrom('messages')
    .select(['id', 'ro_id', 'customer_id', 'email_to', 'email_cc'])
    .where('mailbox_id', '=', mailboxId)
    .where('direction', '=', 'out')
    .where('email_message_id', 'in', ids)
    .orderBy('at', 'desc')
    .executeTakeFirst();
  if (!sent) return null;
  const listed = recipients(mail);
  const failed = listed.filter((r) => r.action === 'failed' || (r.action === '' && r.status.startsWith('5')));
  if (listed.length > 0 && failed.length === 0) return { sentId: sent.id, roId: sent.ro_id, customerId: sent.customer_id, detail: '', failed: false };
  let detail: string;
  if (failed.length > 0) {
    detail = failed
      .slice(0, 5)
      .map((r) => bounceWords(r.address, codes(r.diagnostic, r.status)))
      .join(' ');
  } else {
    // No machine-readable part: the report's words, and X-Failed-Recipients or the mail's own To.
    const xFailed = mail.headers.get('x-failed-recipients');
    let address = typeof xFailed === 'string' ? (xFailed.split(',')[0] ?? '').trim().toLowerCase() : '';
    if (!address) {
      try {
        const to = JSON.parse(sent.email_to ?? '[]') as Array<{ address?: string }>;
        const named = to.map((p) => p.address ?? '').find((a) => a && mail.text.toLowerCase().includes(a.toLowerCase()));
        address = named ?? (to.length === 1 ? (to[0]!.address ?? '') : '');
      } catch {
        address = '';
      }
    }
    detail = bounceWords(address, codes(mail.text.slice(0, 20_000), ''));
  }
  return { sentId: sent.id, roId: sent.ro_id, customerId: sent.customer_id, detail: detail.slice(0, 1000), failed: true };
}
