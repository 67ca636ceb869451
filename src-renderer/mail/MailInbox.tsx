// Mail no repair matched (no claim or RO number, plate, thread or known address): a person reads
// each and attaches it to its repair by RO number (the rest of its thread comes along, and later
// mail in the thread follows), or sets it aside. Shown on the inbox screen below the texts.
import { useState } from 'react';
import type { UnassignedMail } from '../../src-shared/domain.js';
import { useDesk } from '../shared/desk-context.js';
import { formatMoment, messageOf } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';
import { useLive } from '../shared/use-live.js';

export function MailInbox() {
  const { api } = useDesk();
  const inbox = useLive(api, () => api.call('mail-inbox-list', {}), ['messages', 'mailboxes'], []);
  const list = inbox.data ?? [];
  return (
    <section className="panel" aria-labelledby="mail-inbox-title">
      <h3 id="mail-inbox-title">Unassigned mail</h3>
      {list.length === 0 ? <p className="muted">No mail waiting: every email is on its repair or set aside.</p> : null}
      <ol className="inbox-list" aria-label="Emails waiting for a repair">
        {list.map((m) => (
          <MailItem key={m.id} mail={m} onChanged={inbox.set} />
        ))}
      </ol>
    </section>
  );
}

function MailItem({ mail, onChanged }: { mail: UnassignedMail; onChanged(next: UnassignedMail[]): void }) {
  const { api, announce } = useDesk();
  const [roNumber, setRoNumber] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const from = mail.from ? (mail.from.name ? `${mail.from.name} <${mail.from.address}>` : mail.from.address) : 'Unknown sender';

  async function attach() {
    try {
      const n = Number(roNumber.trim());
      const found = Number.isInteger(n) && n > 0 ? (await api.call('ro-board', {})).find((r) => r.roNumber === n) : undefined;
      if (!found) throw new Error(`There is no open repair with RO number ${roNumber.trim() || '—'}. Type the RO number of an open repair.`);
      onChanged(await api.call('mail-inbox-attach', { id: mail.id, roId: found.id }));
      announce(`Email attached to RO ${n}.`);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  async function ignore() {
    try {
      onChanged(await api.call('mail-inbox-ignore', { id: mail.id }));
      announce('Email set aside.');
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  const fieldId = `mail-ro-${mail.id.replace(/\W/g, '-')}`;
  return (
    <li className="inbox-item">
      <p>
        <strong>{from}</strong> <span className="muted small">· {formatMoment(mail.at)}{mail.mailboxAddress ? ` · to ${mail.mailboxAddress}` : ''}</span>
      </p>
      <p>
        <strong>{mail.subject || '(no subject)'}</strong>
      </p>
      <p className="message-body">{mail.body}</p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void attach();
        }}
      >
        <label className="field ro-number-field" htmlFor={fieldId}>
          <span>RO number</span>
          <input id={fieldId} inputMode="numeric" value={roNumber} onChange={(e) => setRoNumber(e.target.value)} />
        </label>
        <button type="submit" className="align-end primary">
          Attach
        </button>
        <button type="button" className="align-end" onClick={() => void ignore()}>
          Set aside
        </button>
      </form>
      <FieldProblem text={problem} />
    </li>
  );
}
