// Everything said to and by the customer on this repair, in one thread whatever the channel
// (portal, texts and mail; a mail's body is shown sanitised in a sandboxed frame, email/MailBody.tsx), with what the shop has not read yet marked. Texts show how
// they stand (delivered, check needed…) and what a person can do about them.
import { type FormEvent, useState } from 'react';
import type { Message, RepairOrderDetail } from '../../src-shared/domain.js';
import { useDesk } from '../shared/desk-context.js';
import { formatMoment, messageOf } from '../shared/format.js';
import { TextActions, TextState } from '../texts/TextStatus.js';
import { EmailHeader } from '../mail/EmailHeader.js';
import { EmailReply } from '../mail/EmailReply.js';
import { MailWithFiles } from '../mail/MailAttachments.js';
import { FieldProblem } from '../shared/Notice.js';
import { CallInConversation, thread, useRoCalls } from '../calls/CallInConversation.js';

const CHANNEL: Record<Message['channel'], string> = { portal: 'Portal', sms: 'Text', email: 'Email' };

export function Conversation({ ro, unreadIds, onChanged }: { ro: RepairOrderDetail; unreadIds: Set<string>; onChanged(ro: RepairOrderDetail): void }) {
  const { api } = useDesk();
  const [draft, setDraft] = useState('');
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const calls = useRoCalls(ro.id);

  async function send(e: FormEvent) {
    e.preventDefault();
    if (draft.trim() === '') return;
    setSending(true);
    try {
      onChanged(await api.call('message-send', { roId: ro.id, body: draft }));
      setDraft('');
      setProblem(null);
    } catch (err) {
      setProblem(`Not sent: ${messageOf(err)}`);
    } finally {
      setSending(false);
    }
  }

  return (
    <section className="panel conversation" aria-labelledby="conversation-heading">
      <h3 id="conversation-heading">Conversation with {ro.customer.firstName}</h3>
      {ro.messages.length === 0 && calls.length === 0 ? <p className="muted">No messages yet. What you write here appears on the customer’s portal.</p> : null}
      <ol className="messages" aria-label="Messages" tabIndex={0}>
        {thread(ro.messages, calls).map((t) => {
          if (t.kind === 'call') return <CallInConversation key={t.c.id} c={t.c} />;
          const m = t.m;
          return (
          <li key={m.id} className={`message message-${m.direction} message-${m.channel}${m.status === 'draft' ? ' message-draft' : ''}${unreadIds.has(m.id) ? ' message-new' : ''}`}>
            {m.email ? (
              <EmailHeader m={m} unread={unreadIds.has(m.id)} />
            ) : (
              <p className="message-meta">
                {unreadIds.has(m.id) ? <span className="badge badge-unread">New</span> : null} {m.author || (m.direction === 'in' ? 'Customer' : 'Shop')}{' '}
                {m.direction === 'in' ? '→ shop' : `→ ${ro.customer.firstName}`} · {CHANNEL[m.channel]} · {formatMoment(m.at)} <TextState m={m} />
              </p>
            )}
            {m.email ? <MailWithFiles m={m} /> : <p className="message-body">{m.body}</p>}
            {!m.email && m.attachments.length > 0 ? (
              <ul className="message-files" aria-label="Files sent with this message">
                {m.attachments.map((a) => (
                  <li key={a.id}>{a.fileName}</li>
                ))}
              </ul>
            ) : null}
            <TextActions m={m} ro={ro} onChanged={onChanged} />
            <EmailReply m={m} ro={ro} onChanged={onChanged} />
            {m.status === 'draft' ? null : (
              <label className="check small">
                <input
                  type="checkbox"
                  checked={m.sharedWithInsurer ?? false}
                  onChange={(e) => {
                    const shared = e.target.checked;
                    void api.call('message-set-shared', { id: m.id, shared }).then(onChanged, (err: unknown) => setProblem(messageOf(err)));
                  }}
                />
                Share with insurer
              </label>
            )}
          </li>
          );
        })}
      </ol>
      <form onSubmit={(e) => void send(e)} className="reply">
        <label htmlFor="reply">Answer {ro.customer.firstName} on the portal</label>
        <textarea id="reply" value={draft} rows={3} maxLength={2000} onChange={(e) => setDraft(e.target.value)} />
        <div className="actions">
          <button type="submit" className="primary" disabled={sending || draft.trim() === ''}>
            {sending ? 'Sending…' : 'Send'}
          </button>
        </div>
        <FieldProblem text={problem} />
      </form>
    </section>
  );
}
