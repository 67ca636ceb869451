// How a mail reads in a repair's conversation, above its text: who wrote it (name and address),
// to whom, and its subject. The body below is the mail's text part for now; the HTML part is
// shown sanitised in a sandboxed frame by the mail display (src-renderer/mail, "mail-render").
import type { MailPerson, Message } from '../../src-shared/domain.js';
import { formatMoment } from '../shared/format.js';
import { EmailState } from './EmailReply.js';

const who = (p: MailPerson) => (p.name ? `${p.name} <${p.address}>` : p.address);

export function EmailHeader({ m, unread = false }: { m: Message; unread?: boolean }) {
  if (!m.email) return null;
  const { from, to, cc, subject } = m.email;
  // The shop's own mail names the person who sent it from the shop's address.
  const sender = m.direction === 'out' && m.author && from ? `${m.author} (${from.address})` : from ? who(from) : m.author;
  return (
    <div className="email-header">
      <p className="message-meta">
        {unread ? <span className="badge badge-unread">New</span> : null} <span className="badge">Email</span> <strong>{sender}</strong> · {formatMoment(m.at)} <EmailState m={m} />
      </p>
      {to.length > 0 ? <p className="message-meta small">To: {to.map(who).join(', ')}{cc.length > 0 ? ` · Cc: ${cc.map(who).join(', ')}` : ''}</p> : null}
      <p className="email-subject">
        <strong>{subject || '(no subject)'}</strong>
      </p>
    </div>
  );
}
