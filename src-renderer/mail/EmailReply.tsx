// Answering a mail from the repair: "Reply" under a received mail opens a box; Send is the
// person's approval, and the relay sends it once from the shop's mailbox in the same thread. The
// reply's state (sending, sent, or what went wrong) shows in its header.
import { type FormEvent, useState } from 'react';
import type { Message, RepairOrderDetail } from '../../src-shared/domain.js';
import { useDesk } from '../shared/desk-context.js';
import { messageOf } from '../shared/format.js';
import { FieldProblem } from '../shared/Notice.js';

const STATUS: Record<string, string> = {
  approved: 'Approved, sending…',
  sending: 'Sending…',
  sent: 'Sent',
  failed: 'Not delivered',
  'check-needed': 'Check needed',
};

export function EmailState({ m }: { m: Message }) {
  if (!m.email || m.direction !== 'out' || !m.status) return null;
  const trouble = m.status === 'failed' || m.status === 'check-needed';
  return (
    <span className={`text-state${trouble ? ' text-state-trouble' : ''}`}>
      {trouble ? <span aria-hidden="true">⚠ </span> : null}
      {STATUS[m.status] ?? m.status}
      {trouble && m.statusDetail ? `: ${m.statusDetail}` : ''}
    </span>
  );
}

export function EmailReply({ m, ro, onChanged }: { m: Message; ro: RepairOrderDetail; onChanged: (ro: RepairOrderDetail) => void }) {
  const { api } = useDesk();
  const [open, setOpen] = useState(false);
  const [body, setBody] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  // (Nobody answers a delivery report: the mailer-daemon reads nothing.)
  if (!m.email || m.direction !== 'in' || m.status === 'bounce') return null;
  const to = m.email.from?.address ?? '';

  async function send(e: FormEvent) {
    e.preventDefault();
    setSending(true);
    try {
      onChanged(await api.call('mail-reply', { roId: ro.id, replyToId: m.id, body }));
      setBody('');
      setOpen(false);
      setProblem(null);
    } catch (err) {
      setProblem(messageOf(err));
    } finally {
      setSending(false);
    }
  }

  if (!open) {
    return (
      <button type="button" className="small" onClick={() => setOpen(true)}>
        Reply
      </button>
    );
  }
  return (
    <form className="stack" onSubmit={(e) => void send(e)} aria-label={`Reply to ${to}`}>
      <label className="field">
        <span>Reply to {to}</span>
        <textarea rows={4} maxLength={20_000} value={body} onChange={(e) => setBody(e.target.value)} />
      </label>
      <div className="row">
        <button type="submit" className="primary" disabled={sending || body.trim() === ''}>
          {sending ? 'Sending…' : 'Send email'}
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      <FieldProblem text={problem} />
    </form>
  );
}
