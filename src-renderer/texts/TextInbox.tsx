// Texts no single open repair matched (an unknown number, or a customer with several cars in):
// a person reads each one and attaches it to the right repair, where it joins the conversation.
// Unassigned mail follows below (../mail/MailInbox.tsx).
import { useState } from 'react';
import type { UnassignedText } from '../../src-shared/domain.js';
import { useDesk } from '../shared/desk-context.js';
import { formatMoment, formatPhone, messageOf } from '../shared/format.js';
import { FieldProblem, Loading, Problem } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';
import { MailInbox } from '../mail/MailInbox.js';

export function TextInbox() {
  const { api } = useDesk();
  const inbox = useLive(api, () => api.call('sms-inbox-list', {}), ['messages', 'customers', 'repair_orders'], []);
  if (!inbox.data) return inbox.problem ? <Problem text={inbox.problem} /> : <Loading what="the texts inbox" />;
  return (
    <main className="screen" aria-labelledby="inbox-title">
      <h2 id="inbox-title" className="screen-title">
        Texts inbox
      </h2>
      <p className="muted">Texts that did not match exactly one open repair. Attach each to its repair to answer it there.</p>
      <Problem text={inbox.problem} />
      {inbox.data.length === 0 ? <p className="notice notice-ok">Nothing waiting: every text is on its repair.</p> : null}
      <ol className="inbox-list" aria-label="Texts waiting for a repair">
        {inbox.data.map((t) => (
          <InboxItem key={t.id} text={t} onAttached={inbox.set} />
        ))}
      </ol>
      <MailInbox />
    </main>
  );
}

function InboxItem({ text, onAttached }: { text: UnassignedText; onAttached(next: UnassignedText[]): void }) {
  const { api, announce } = useDesk();
  const [roId, setRoId] = useState(text.candidates.length === 1 ? text.candidates[0]!.roId : '');
  const [roNumber, setRoNumber] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const from = text.customerName ? `${text.customerName} (${formatPhone(text.from) || text.from})` : formatPhone(text.from) || text.from;

  async function attach() {
    try {
      let target = roId;
      if (!target) {
        const n = Number(roNumber.trim());
        const found = Number.isInteger(n) && n > 0 ? (await api.call('ro-board', {})).find((r) => r.roNumber === n) : undefined;
        if (!found) throw new Error(`There is no open repair with RO number ${roNumber.trim() || '—'}. Type the RO number of an open repair.`);
        target = found.id;
      }
      onAttached(await api.call('sms-inbox-attach', { id: text.id, roId: target }));
      announce('Text attached to the repair.');
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  const fieldId = `attach-${text.id.replace(/\W/g, '-')}`;
  return (
    <li className="inbox-item">
      <p>
        <strong>{from}</strong> <span className="muted small">· {formatMoment(text.at)}</span>
      </p>
      <p className="message-body">{text.body}</p>
      {text.attachments.length > 0 ? <p className="muted small">With {text.attachments.length} file(s): {text.attachments.map((a) => a.fileName).join(', ')}</p> : null}
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void attach();
        }}
      >
        {text.candidates.length > 0 ? (
          <label className="field" htmlFor={fieldId}>
            <span>Repair</span>
            <select id={fieldId} value={roId} onChange={(e) => setRoId(e.target.value)}>
              <option value="">Another repair (type its number)…</option>
              {text.candidates.map((c) => (
                <option key={c.roId} value={c.roId}>
                  RO {c.roNumber} · {c.vehicle}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {roId === '' ? (
          <label className="field ro-number-field">
            <span>RO number</span>
            <input inputMode="numeric" value={roNumber} onChange={(e) => setRoNumber(e.target.value)} />
          </label>
        ) : null}
        <button type="submit" className="align-end primary">
          Attach
        </button>
      </form>
      <FieldProblem text={problem} />
    </li>
  );
}

/** The number of texts waiting in the inbox, beside the tab's name. */
/** What waits in the inbox for a person: texts and mail no repair took (mail set aside does not count). */
export function InboxCount() {
  const { api } = useDesk();
  const inbox = useLive(api, () => api.call('sms-inbox-list', {}), ['messages'], []);
  const mail = useLive(api, () => api.call('mail-inbox-list', {}), ['messages'], []);
  const texts = inbox.data?.length ?? 0;
  const mails = mail.data?.length ?? 0;
  if (texts + mails === 0) return null;
  const what = [texts ? `${texts} ${texts === 1 ? 'text' : 'texts'}` : null, mails ? `${mails} ${mails === 1 ? 'email' : 'emails'}` : null].filter(Boolean).join(' and ');
  return (
    <span className="badge badge-unread" title={`${what} waiting for a repair`}>
      {texts + mails} waiting
    </span>
  );
}
